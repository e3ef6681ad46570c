import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** How tokens are verified (and, for local use, signed). */
export type AuthOptions =
  | { algorithm: 'HS256'; secret: string; development: boolean }
  | { algorithm: 'RS256'; publicKey: string; development: false };

/** Where `npm start` keeps the development secret, so that `npm run token` signs for it. */
export const DEV_SECRET_FILE = resolve('data/dev-jwt-secret');

/** The development secret: made once, then reused by the service and `npm run token`. */
export function developmentSecret(file = DEV_SECRET_FILE): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
