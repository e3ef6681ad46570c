import type { RequestContext } from '../persistence/request-context';
import type { Scope } from '../persistence/scope';

const CONTEXT = Symbol('request context');

/** A request as the hooks of useRetrySemantics leave it. */
interface WithContext {
  [CONTEXT]?: RequestContext;
}

/** The request's RequestContext, made on first use (by the hooks of useRetrySemantics). */
export function requestContextOf(request: object): RequestContext {
  const holder = request as WithContext;
  return (holder[CONTEXT] ??= {});
}

/**
 * The caller's Scope for this request: the Principal itself when the request has no
 * RequestContext (no If-Match, no Idempotency-Key), else a copy of it that carries it
 * (`scope.request`), so that the controller hands it to the service and the service to its
 * transaction. (The Principal the token verifier caches is shared by concurrent requests of one
 * token: it is never written to.)
 */
export function scopeOfRequest<P extends Scope>(request: object, principal: P): P {
  const context = (request as WithContext)[CONTEXT];
  return context ? { ...principal, request: context } : principal;
}
