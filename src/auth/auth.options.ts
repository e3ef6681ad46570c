import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** Longest a token may be valid (JWT_MAX_TTL), unless configured. */
export const DEFAULT_MAX_TTL_SECONDS = 24 * 3600;

/** What a token must satisfy besides its signature. */
export interface TokenRules {
  /** Tokens valid for longer than this, from their `iat` (or from now), are refused (JWT_MAX_TTL). */
  maxTtlSeconds?: number;
  /** When set, the token's `iss` must be exactly this (JWT_ISSUER). */
  issuer?: string;
  /** When set, the token's `aud` must be, or include, this (JWT_AUDIENCE). */
  audience?: string;
}

/** How tokens are verified (and, for local use, signed). */
export type AuthOptions = TokenRules &
  (
    | { algorithm: 'HS256'; secret: string; development: boolean }
    | { algorithm: 'RS256'; publicKey: string; development: false }
  );

/** Where `npm start` keeps the development secret, so that `npm run token` signs for it. */
export const DEV_SECRET_FILE = resolve('data/dev-jwt-secret');

/** The shortest secret accepted, in JWT_SECRET and in the development secret's file. */
export const MIN_SECRET_LENGTH = 32;

/**
 * The development secret: made once (mode 0600), then reused by the service and
 * `npm run token`. A file that others may read, or that holds a short secret, is refused.
 */
export function developmentSecret(file = DEV_SECRET_FILE): string {
  const name = relative(process.cwd(), file) || file;
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(
        `${name} may be read by other users (mode ${mode.toString(8)}): chmod 600 it, or delete it to make a new one`,
      );
    }
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(
        `${name} holds fewer than ${MIN_SECRET_LENGTH} characters: delete it to make a new one`,
      );
    }
    return secret;
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
