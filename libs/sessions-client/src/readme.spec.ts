import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

describe('README.md', () => {
  it('shows the code of test/fixtures/client-service/src/devices.ts, which CI runs', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const fixture = readFileSync(
      join(root, 'test', 'fixtures', 'client-service', 'src', 'devices.ts'),
      'utf8',
    );
    const section = readme.slice(readme.indexOf('## A second service using it'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    // The fixture's file comment aside, the same code.
    expect(example).toBe(fixture.slice(fixture.indexOf('import {')));
  });
});
