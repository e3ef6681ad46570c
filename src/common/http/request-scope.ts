import type { RequestContext } from '../persistence/request-context';
import type { Scope } from '../persistence/scope';

const CONTEXT = Symbol('request context');

/** A request as the guards leave it: the caller (a Scope) on `principal`. */
export interface RequestWithScope {
  principal?: Scope & { id: number };
  [CONTEXT]?: RequestContext;
}

/**
 * The request's RequestContext, made on first use: the caller's Principal is replaced, for this
 * request only, by a copy that carries it (`scope.request`), so that the controller hands it to
 * the service and the service to its transaction. (The Principal the token verifier caches is
 * shared by concurrent requests of one token: it is never written to.)
 */
export function requestContextOf(request: RequestWithScope): RequestContext {
  const existing = request[CONTEXT];
  if (existing) return existing;
  const context: RequestContext = {};
  request[CONTEXT] = context;
  if (request.principal) request.principal = { ...request.principal, request: context };
  return context;
}
