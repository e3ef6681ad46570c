import { JwtService } from '@nestjs/jwt';
import type { AuthOptions } from './auth.options';
import type { Role } from './roles';

/** Signs a token for local use (HS256 only: with RS256 tokens come from the identity provider). */
export function signToken(options: AuthOptions, sub: number, role: Role, expiresIn = '8h'): string {
  if (options.algorithm !== 'HS256') {
    throw new Error(
      'Signing needs JWT_SECRET (HS256); with JWT_PUBLIC_KEY, tokens come from your identity provider',
    );
  }
  return new JwtService({ secret: options.secret }).sign(
    { sub: String(sub), role },
    { algorithm: 'HS256', expiresIn: expiresIn as never },
  );
}
