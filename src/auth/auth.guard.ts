import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './auth.decorators';
import { satisfies, type Principal, type Role } from './roles';
import { TokenVerifier } from './token-verifier';

/** What a route's decorators ask of the caller: nothing (@Public), or one of these roles. */
interface RouteAccess {
  public: boolean;
  /** The roles of @Roles on the handler or its controller; undefined: by the method. */
  roles: Role[] | undefined;
}

/**
 * Every route but those marked @Public needs `Authorization: Bearer <JWT>` (401 otherwise, see
 * TokenVerifier) whose role covers the route's (403 otherwise). The route's decorators are read
 * once per handler (and controller), not on every request.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly access = new WeakMap<object, WeakMap<object, RouteAccess>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context.getHandler(), context.getClass());
    if (access.public) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const principal = await this.tokens.authenticate(request.headers.authorization);
    const required = access.roles ?? [
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

  private accessOf(handler: object, controller: object): RouteAccess {
    let byController = this.access.get(handler);
    if (byController === undefined) this.access.set(handler, (byController = new WeakMap()));
    let access = byController.get(controller);
    if (access === undefined) {
      const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
      access = {
        public: Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)),
        roles: this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLE, targets),
      };
      byController.set(controller, access);
    }
    return access;
  }
}
