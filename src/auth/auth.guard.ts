import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import { MAX_ID } from '../common/validation/limits';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './auth.decorators';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options';
import { isRole, satisfies, type Principal, type Role } from './roles';

/** Verified tokens kept at most; the map is emptied when full (simple and bounded). */
const MAX_CACHED_TOKENS = 10_000;

/**
 * Every route but those marked @Public needs `Authorization: Bearer <JWT>` (401 otherwise) whose
 * role covers the route's (403 otherwise). The token's `sub` is the caller's user id.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verified = new Map<string, { principal: Principal; expiresAt: number }>();

  /** The key as a KeyObject, made once: jsonwebtoken would otherwise derive it per token (~0.5 ms). */
  private readonly key: KeyObject;

  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {
    this.key =
      options.algorithm === 'HS256'
        ? createSecretKey(Buffer.from(options.secret))
        : createPublicKey(options.publicKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const principal = await this.authenticate(request.headers.authorization);
    const required =
      this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ??
      (request.method === 'GET' ? 'viewer' : 'editor');
    if (!satisfies(principal.role, required)) {
      throw new ForbiddenException(
        `This needs the ${required} role; the token has ${principal.role}`,
      );
    }
    request.principal = principal;
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Principal> {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header ?? '');
    if (!match) throw new UnauthorizedException('Send Authorization: Bearer <token>');
    const cached = this.verified.get(match[1]);
    if (cached && cached.expiresAt > Date.now()) return cached.principal;
    return this.verify(match[1]);
  }

  /** Verifies a token and remembers it until it expires (clients send the same one many times). */
  private async verify(token: string): Promise<Principal> {
    let claims: { sub?: unknown; role?: unknown; exp?: unknown };
    try {
      claims = await this.jwt.verifyAsync(token, {
        algorithms: [this.options.algorithm],
        // jsonwebtoken takes a KeyObject where @nestjs/jwt's types say string | Buffer
        ...(this.options.algorithm === 'HS256'
          ? { secret: this.key as unknown as string }
          : { publicKey: this.key as unknown as string }),
      });
    } catch (err) {
      throw new UnauthorizedException(`The token is not valid: ${(err as Error).message}`);
    }
    const id =
      typeof claims.sub === 'string' && /^[1-9]\d{0,9}$/.test(claims.sub)
        ? Number(claims.sub)
        : NaN;
    if (!(id <= MAX_ID)) throw new UnauthorizedException('The token subject must be a user id');
    if (!isRole(claims.role)) {
      throw new UnauthorizedException('The token role must be viewer, editor or admin');
    }
    const principal = { id, role: claims.role };
    // tokens without exp are verified every time; the cache never outlives a token
    if (typeof claims.exp === 'number') {
      if (this.verified.size >= MAX_CACHED_TOKENS) this.verified.clear();
      this.verified.set(token, { principal, expiresAt: claims.exp * 1000 });
    }
    return principal;
  }
}
