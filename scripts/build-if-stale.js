'use strict';
// npm start's prestart: runs `nest build` only when the build is missing or older than what it is
// built from (the sources, the migrations, the build's configuration), so that a start with
// nothing changed does not spend seconds compiling. Directories count with their own time too,
// so a deleted or renamed file also rebuilds.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const INPUTS = [
  'src',
  'migrations',
  'scripts/check-node.js',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];

/** The newest modification time under a file or directory (directories included). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** True when dist/src/main.js is missing or older than one of its inputs (under `root`). */
function isStale(root = ROOT) {
  const built = join(root, 'dist/src/main.js');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return INPUTS.some((input) => newest(join(root, input)) > builtAt);
}

module.exports = { isStale };

if (require.main === module) {
  if (isStale()) {
    execFileSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['nest', 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  } else {
    console.error(
      'dist/ is up to date with src/ and migrations/: no build (npm run build forces one)',
    );
  }
}
