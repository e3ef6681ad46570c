// first: stops an unsupported Node.js with one line, before anything loads better-sqlite3
import '../../scripts/check-node';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isRole } from '../auth/roles';
import { signToken } from '../auth/tokens';
import { loadConfig } from '../config/app-config';

/** npm run token -- --sub 42 --role editor [--expires 8h]: prints a bearer token for local use. */
function main(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: {
      sub: { type: 'string', default: '1' },
      role: { type: 'string', default: 'viewer' },
      expires: { type: 'string', default: '8h' },
    },
  });
  const sub = Number(values.sub);
  if (!Number.isInteger(sub) || sub < 1)
    throw new Error('--sub must be a positive integer user id');
  if (!isRole(values.role)) throw new Error('--role must be viewer, editor or admin');
  console.log(signToken(loadConfig().auth, sub, values.role, values.expires));
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
