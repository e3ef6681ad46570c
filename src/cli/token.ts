// first: stops an unsupported Node.js with one line, before anything loads better-sqlite3
import '../../scripts/check-node';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../auth/roles';
import { maxTtlSeconds, signToken } from '../auth/tokens';
import { MAX_ID } from '../common/validation/limits';
import { loadConfig, parseDuration } from '../config/app-config';

const USAGE = `Prints a bearer token for local use, signed with the service's JWT_SECRET (or the
development secret that npm start made).

usage: npm run token -- --sub <user id> --role <viewer|editor|admin> [--org <id>] [--expires <age>]

  --sub      the user id the token speaks for (required)
  --role     viewer, editor or admin (required)
  --org      the organization id (default 1)
  --expires  how long the token is valid: 15m, 8h, 1d (default 8h, at most JWT_MAX_TTL)
  --help     this text`;

/**
 * npm run token -- --sub 42 --role editor [--org 2] [--expires 8h]: prints a bearer token for
 * local use (`--org` defaults to organization 1). With no arguments or --help, the usage.
 */
function main(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      sub: { type: 'string' },
      role: { type: 'string' },
      org: { type: 'string', default: '1' },
      expires: { type: 'string', default: '8h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (args.length === 0) throw new Error(USAGE);
  if (values.sub === undefined)
    throw new Error('--sub is required: the user id the token speaks for');
  if (values.role === undefined) throw new Error('--role is required: viewer, editor or admin');
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
  console.error(
    (err as Error).message.replace(
      /^Unknown option '(.+?)'.*$/s,
      'unknown option $1 (npm run token -- --help)',
    ),
  );
  process.exit(1);
}
