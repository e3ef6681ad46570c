'use strict';
// The Node.js check that runs before anything loads better-sqlite3 (whose version 13 crashes
// Node 20 at load): `npm start`, `npm test`, `npm run start:prod`, the CLIs (as their first
// command), and src/main.ts (as its first import). Below the oldest supported release it prints
// one line and exits 1; on a line newer than the tested ones it only warns, when run as a script.
// No dependencies, plain CommonJS: it must itself run on any old Node.js.

/** package.json `engines.node` says the same (a unit test checks). */
const ENGINES = '^22.12.0 || ^24.0.0';

function parse(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version).trim());
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** `^22.12.0 || ^24.0.0` as [{ major: 22, minimum: [22, 12, 0] }, ...], oldest first. */
function lines(engines) {
  return engines
    .split('||')
    .map((part) => {
      const minimum = parse(part.trim().replace(/^\^/, ''));
      if (!minimum || !part.trim().startsWith('^')) throw new Error(`unsupported range: ${part}`);
      return { major: minimum[0], minimum };
    })
    .sort((a, b) => compare(a.minimum, b.minimum));
}

/**
 * What running on Node.js `version` ('20.20.2' or 'v20.20.2') calls for: `refuse` below the
 * oldest supported release, `warn` on a release outside the supported lines but newer, and
 * undefined on a supported one.
 */
function nodeVersionProblem(version, engines = ENGINES) {
  const found = parse(version);
  const supported = lines(engines);
  const needs = `needs Node.js ${supported
    .map((l) =>
      l.minimum[1] || l.minimum[2] ? `${l.major} (${l.minimum.join('.')} or later)` : l.major,
    )
    .join(' or ')}`;
  if (!found)
    return {
      level: 'refuse',
      message: `Cannot tell which Node.js this is (${version}): this service ${needs}.`,
    };
  const text = found.join('.');
  if (supported.some((l) => found[0] === l.major && compare(found, l.minimum) >= 0))
    return undefined;
  if (compare(found, supported[0].minimum) < 0)
    return {
      level: 'refuse',
      message: `Node.js ${text} found, but this service ${needs}: see "Requirements" in README.md.`,
    };
  return {
    level: 'warn',
    message: `Node.js ${text} is not one of the lines this service is tested on (${supported.map((l) => l.major).join(', ')}); going on.`,
  };
}

module.exports = { ENGINES, nodeVersionProblem };

const problem = nodeVersionProblem(process.versions.node);
if (problem && problem.level === 'refuse') {
  console.error(problem.message);
  process.exit(1);
}
if (problem && require.main === module) console.error(problem.message);
