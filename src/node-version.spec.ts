import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINES, nodeVersionProblem } from '../scripts/check-node';

const NEEDS = 'needs Node.js 22 (22.12.0 or later) or 24';

describe('the Node.js check (scripts/check-node.js)', () => {
  it('says what package.json engines says', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe(ENGINES);
  });

  it.each(['22.12.0', 'v22.23.3', '24.0.0', 'v24.21.0'])('accepts %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it.each([
    ['v20.20.2', '20.20.2'],
    ['18.20.8', '18.20.8'],
    ['v22.11.0', '22.11.0'],
  ])('refuses %s with one line naming it and what is needed', (version, shown) => {
    const problem = nodeVersionProblem(version);
    expect(problem).toEqual({
      level: 'refuse',
      message: `Node.js ${shown} found, but this service ${NEEDS}: see "Requirements" in README.md.`,
    });
    expect(problem?.message).not.toContain('\n');
  });

  it.each(['23.11.1', '26.1.0'])('only warns on %s, a line it is not tested on', (version) => {
    expect(nodeVersionProblem(version)).toEqual({
      level: 'warn',
      message: `Node.js ${version} is not one of the lines this service is tested on (22, 24); going on.`,
    });
  });

  it('refuses a version it cannot read', () => {
    expect(nodeVersionProblem('nightly')).toEqual({
      level: 'refuse',
      message: `Cannot tell which Node.js this is (nightly): this service ${NEEDS}.`,
    });
  });
});
