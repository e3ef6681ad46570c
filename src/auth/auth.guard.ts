import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './auth.decorators';
import { satisfies, type Principal, type Role } from './roles';
import { TokenVerifier } from './token-verifier';

/**
 * Every route but those marked @Public needs `Authorization: Bearer <JWT>` (401 otherwise, see
 * TokenVerifier) whose role covers the route's (403 otherwise).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const principal = await this.tokens.authenticate(request.headers.authorization);
    const required = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLE, targets) ?? [
      request.method === 'GET' || request.method === 'HEAD' ? 'viewer' : 'editor',
    ];
    if (!required.some((role) => satisfies(principal.role, role))) {
      throw new ForbiddenException(
        `This needs the ${required.join(' or ')} role; the token has ${principal.role}`,
      );
    }
    request.principal = principal;
    return true;
  }
}
