import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';

/** What a route declares of the HTTP semantics of retries, in its Fastify route config. */
export interface RouteFlags {
  /** Idempotency-Key (see useRetrySemantics). */
  idempotent?: boolean;
  /**
   * The route's effect is at most one transaction, run with the request's Scope: its
   * Idempotency-Key is claimed in it (see IdempotencyKeys).
   */
  effectInTransaction?: boolean;
  /** If-Match, and 428 with REQUIRE_IF_MATCH (see useRetrySemantics). */
  conditionalWrite?: boolean;
  /** The route's handler, whose Nest metadata (@HttpCode) gives the status of its success. */
  handler?: object;
}

/**
 * Sets flags in the route's Fastify config (`request.routeOptions.config`), merged with those
 * already set, so that Fastify hooks see them without a Nest interceptor (whose rxjs chain and
 * AsyncResource per request cost about 100 µs of CPU a POST: docs/performance.md).
 */
export function routeFlag(flag: keyof RouteFlags): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const existing = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as object;
    Reflect.defineMetadata(
      FASTIFY_ROUTE_CONFIG_METADATA,
      { ...existing, [flag]: true, handler },
      handler,
    );
    return descriptor;
  };
}

/** The flags of the route a request matched. */
export function routeFlagsOf(request: { routeOptions?: { config?: unknown } }): RouteFlags {
  return request.routeOptions?.config ?? {};
}
