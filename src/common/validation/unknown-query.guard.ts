import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';

/** The query parameters a route takes: every name (a query DTO), or these names only. */
type Accepted = 'dto' | ReadonlySet<string>;

/**
 * Unknown query parameters answer 400 on every route, as unknown body fields do. A route with a
 * query DTO (`@Query() query: ListTodosQueryDto`) is already checked by the validation pipe
 * (forbidNonWhitelisted); this refuses the parameters of the routes that take none
 * (`GET /todos/7?foo=1`, `DELETE /todos/7?force=true`) or only named ones (`@Query('reason')`).
 * A guard registered right after AuthGuard (src/auth/auth.module.ts), so that a caller without
 * a token learns nothing more than 401; a guard, not an interceptor, since a global interceptor
 * wraps every request's handler in an rxjs chain (docs/performance.md, "ETags and
 * Idempotency-Keys"). What a handler accepts is read from Nest's route metadata once per handler.
 */
@Injectable()
export class UnknownQueryGuard implements CanActivate {
  private readonly accepted = new WeakMap<object, Accepted>();

  canActivate(context: ExecutionContext): boolean {
    const query = context.switchToHttp().getRequest<{ query?: Record<string, unknown> }>().query;
    if (query) {
      let accepted: Accepted | undefined;
      for (const name in query) {
        accepted ??= this.acceptedBy(context);
        if (accepted === 'dto') break;
        if (!accepted.has(name)) {
          throw new BadRequestException([`query parameter ${name} should not exist`]);
        }
      }
    }
    return true;
  }

  private acceptedBy(context: ExecutionContext): Accepted {
    const handler = context.getHandler();
    let accepted = this.accepted.get(handler);
    if (accepted === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ??
        {}) as Record<string, { data?: unknown }>;
      const names = new Set<string>();
      let dto = false;
      for (const [key, { data }] of Object.entries(args)) {
        if (key.split(':')[0] !== String(RouteParamtypes.QUERY)) continue;
        if (typeof data === 'string') names.add(data);
        else dto = true;
      }
      accepted = dto ? 'dto' : names;
      this.accepted.set(handler, accepted);
    }
    return accepted;
  }
}
