import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { MAX_ID } from '../common/validation/limits';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options';
import { isRole, ROLES, type Principal } from './roles';
import { maxTtlSeconds } from './tokens';

/** Verified tokens kept at most; the map is emptied when full (simple and bounded). */
const MAX_CACHED_TOKENS = 10_000;

/**
 * Who sends `Authorization: Bearer <JWT>`, or 401. The token's `sub` is the caller's user id,
 * `org` the organization whose rows it may see (a positive integer, number or string); it
 * must carry `exp`, be valid for at most JWT_MAX_TTL, and match JWT_ISSUER and JWT_AUDIENCE
 * when set. Used by AuthGuard for the routes and by the docs hook (DOCS=auth, see app.setup.ts).
 */
@Injectable()
export class TokenVerifier {
  private readonly verified = new Map<string, { principal: Principal; expiresAt: number }>();

  /** The key as a KeyObject, made once: jsonwebtoken would otherwise derive it per token (~0.5 ms). */
  private readonly key: KeyObject;

  private readonly maxTtlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {
    this.key =
      options.algorithm === 'HS256'
        ? createSecretKey(Buffer.from(options.secret))
        : createPublicKey(options.publicKey);
    this.maxTtlSeconds = maxTtlSeconds(options);
  }

  async authenticate(header: string | undefined): Promise<Principal> {
    const token = bearerToken(header);
    if (token === undefined) throw new UnauthorizedException('Send Authorization: Bearer <token>');
    return this.cachedPrincipal(token) ?? this.verify(token);
  }

  /**
   * The caller of a token verified before and not expired, without a promise; undefined for
   * any other header (authenticate then verifies it, or answers why not).
   */
  authenticated(header: string | undefined): Principal | undefined {
    const token = bearerToken(header);
    return token === undefined ? undefined : this.cachedPrincipal(token);
  }

  /** The caller of a token verified before, while it has not expired. */
  private cachedPrincipal(token: string): Principal | undefined {
    const cached = this.verified.get(token);
    return cached && cached.expiresAt > Date.now() ? cached.principal : undefined;
  }

  /** Verifies a token and remembers it until it expires (clients send the same one many times). */
  private async verify(token: string): Promise<Principal> {
    let decoded: { header: { crit?: unknown }; payload: Claims };
    try {
      decoded = await this.jwt.verifyAsync(token, {
        algorithms: [this.options.algorithm],
        complete: true,
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
        ...(this.options.audience ? { audience: this.options.audience } : {}),
        // jsonwebtoken takes a KeyObject where @nestjs/jwt's types say string | Buffer
        ...(this.options.algorithm === 'HS256'
          ? { secret: this.key as unknown as string }
          : { publicKey: this.key as unknown as string }),
      });
    } catch (err) {
      throw new UnauthorizedException(this.reasonFor(err));
    }
    // no extension is understood here, so any critical one makes the token unusable (RFC 7515 4.1.11)
    if (decoded.header.crit !== undefined) {
      throw new UnauthorizedException(
        'The token names critical header parameters (crit) that this service does not support',
      );
    }
    const claims = decoded.payload;
    if (typeof claims.exp !== 'number') {
      throw new UnauthorizedException('The token must carry an expiry time (exp)');
    }
    const now = Date.now() / 1000;
    const since = typeof claims.iat === 'number' ? Math.min(claims.iat, now) : now;
    if (claims.exp - since > this.maxTtlSeconds) {
      throw new UnauthorizedException(
        `The token is valid for longer than ${this.maxTtlSeconds} s, the most this service accepts (JWT_MAX_TTL)`,
      );
    }
    const id =
      typeof claims.sub === 'string' && /^[1-9]\d{0,9}$/.test(claims.sub)
        ? Number(claims.sub)
        : NaN;
    if (!(id <= MAX_ID)) throw new UnauthorizedException('The token subject must be a user id');
    if (!isRole(claims.role)) {
      throw new UnauthorizedException(`The token role must be one of: ${ROLES.join(', ')}`);
    }
    const organizationId = organizationOf(claims.org);
    if (organizationId === undefined) {
      throw new UnauthorizedException(
        'The token must name an organization: org, a positive integer',
      );
    }
    const principal = { id, role: claims.role, organizationId };
    // the cache never outlives a token, and a token lives at most JWT_MAX_TTL
    if (this.verified.size >= MAX_CACHED_TOKENS) this.verified.clear();
    this.verified.set(token, { principal, expiresAt: claims.exp * 1000 });
    return principal;
  }

  /** A fixed 401 message for each way jsonwebtoken refuses a token, never its own wording. */
  private reasonFor(err: unknown): string {
    const { name, message } = err as { name?: unknown; message?: unknown };
    if (name === 'TokenExpiredError') return 'The token has expired';
    if (name === 'NotBeforeError') return 'The token is not valid yet (nbf)';
    const text = typeof message === 'string' ? message : '';
    if (text.startsWith('jwt audience invalid')) {
      return 'The token is meant for another audience (aud)';
    }
    if (text.startsWith('jwt issuer invalid')) return 'The token comes from another issuer (iss)';
    if (text === 'invalid algorithm') {
      return `The token must be signed with ${this.options.algorithm}`;
    }
    if (text === 'invalid signature') return 'The token signature is not valid';
    return 'The token is malformed';
  }
}

/** The `org` claim: a positive integer id, as a number or a string of digits. */
function organizationOf(claim: unknown): number | undefined {
  const text =
    typeof claim === 'number' ? String(claim) : typeof claim === 'string' ? claim : undefined;
  if (text === undefined || !/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const id = Number(text);
  return id <= MAX_ID ? id : undefined;
}

interface Claims {
  sub?: unknown;
  role?: unknown;
  org?: unknown;
  exp?: unknown;
  iat?: unknown;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header ?? '')?.[1];
}
