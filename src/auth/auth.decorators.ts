import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { scopeOfRequest } from '../common/http/request-scope';
import type { Principal, Role } from './roles';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_ROLE = 'auth:role';

/** Reachable without a token (health check). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The least role a route needs (or one of several: `RequireRole('admin', 'integration')`).
 * Without it: `viewer` for GET and HEAD, `editor` for every other method.
 */
export const RequireRole = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLE, roles);

/**
 * The authenticated caller, set by AuthGuard; with the request's preconditions and commit hook
 * when it has any (If-Match, Idempotency-Key: see scopeOfRequest).
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<{ principal: Principal }>();
    return scopeOfRequest(request, request.principal);
  },
);
