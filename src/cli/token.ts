// first: stops an unsupported Node.js with one line, before anything loads better-sqlite3
import '../../scripts/check-node';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../auth/roles';
import { maxTtlSeconds, signToken } from '../auth/tokens';
import { MAX_ID } from '../common/validation/limits';
import { loadConfig, parseDuration } from '../config/app-config';

/**
 * npm run token -- --sub 42 --role editor [--org 2] [--expires 8h]: prints a bearer token for
 * local use (`--org` defaults to organization 1).
 */
function main(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: {
      sub: { type: 'string', default: '1' },
      role: { type: 'string', default: 'viewer' },
      org: { type: 'string', default: '1' },
      expires: { type: 'string', default: '8h' },
    },
  });
  const sub = Number(values.sub);
  if (!Number.isInteger(sub) || sub < 1)
    throw new Error('--sub must be a positive integer user id');
  const org = Number(values.org);
  if (!/^[1-9]\d{0,9}$/.test(values.org) || org > MAX_ID)
    throw new Error('--org must be a positive integer organization id');
  if (!isRole(values.role)) throw new Error(`--role must be one of: ${ROLES.join(', ')}`);
  const auth = loadConfig().auth;
  const expires = parseDuration(values.expires);
  if (expires === undefined) throw new Error('--expires must be a duration such as 15m, 8h or 1d');
  if (expires > maxTtlSeconds(auth)) {
    throw new Error(
      `--expires ${values.expires} is longer than JWT_MAX_TTL (${maxTtlSeconds(auth)} s): the service would refuse the token`,
    );
  }
  console.log(signToken(auth, sub, values.role, expires, org));
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
