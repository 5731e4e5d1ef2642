import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');
const startScript = () =>
  (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;

/** The container and `npm start` (which the benchmark runs) start node the same way. */
describe('runtime flags', () => {
  it("the Dockerfile's CMD runs node with exactly the arguments of npm start", () => {
    const start = startScript();
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd!) as string[]).toEqual(start.split(/\s+/));
  });
});
