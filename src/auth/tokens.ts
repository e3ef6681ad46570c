import { JwtService } from '@nestjs/jwt';
import { DEFAULT_MAX_TTL_SECONDS, type AuthOptions } from './auth.options';
import type { Role } from './roles';

/**
 * Signs a token for local use (HS256 only: with RS256 tokens come from the identity provider),
 * with the configured issuer and audience. `expiresIn` is jsonwebtoken's: seconds or "8h";
 * `org` is the organization the token acts in (the `org` claim).
 */
export function signToken(
  options: AuthOptions,
  sub: number,
  role: Role,
  expiresIn: string | number,
  org: number,
): string {
  if (options.algorithm !== 'HS256') {
    throw new Error(
      'Signing needs JWT_SECRET (HS256); with JWT_PUBLIC_KEY, tokens come from your identity provider',
    );
  }
  return new JwtService({ secret: options.secret }).sign(
    { sub: String(sub), role, org },
    {
      algorithm: 'HS256',
      expiresIn: expiresIn as never,
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    },
  );
}

/** The longest lifetime a signed token may have under these options, in seconds. */
export function maxTtlSeconds(options: AuthOptions): number {
  return options.maxTtlSeconds ?? DEFAULT_MAX_TTL_SECONDS;
}
