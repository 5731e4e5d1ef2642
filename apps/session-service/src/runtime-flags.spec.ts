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

/** One Node.js release everywhere: .node-version (CI and scripts/use-node.sh), the image, and engines. */
describe('Node.js release', () => {
  const pinned = read('.node-version').trim();

  it('every stage of the Dockerfile is built FROM the release in .node-version', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toBe(`node:${pinned}-bookworm-slim`);
  });

  it("the pinned release satisfies package.json's engines", () => {
    const { engines } = JSON.parse(read('package.json')) as { engines: { node: string } };
    const [major, minor] = pinned.split('.').map(Number);
    const allowed = engines.node.split('||').some((range) => {
      const m = /^\s*(\^|>=)(\d+)\.(\d+)\.\d+\s*$/.exec(range);
      if (!m) throw new Error(`engines range not understood: ${range}`);
      const [lowMajor, lowMinor] = [Number(m[2]), Number(m[3])];
      const aboveLow = major > lowMajor || (major === lowMajor && minor >= lowMinor);
      return m[1] === '>=' ? aboveLow : aboveLow && major === lowMajor;
    });
    expect(allowed).toBe(true);
  });
});
