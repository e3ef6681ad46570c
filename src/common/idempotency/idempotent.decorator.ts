import { applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { routeFlag } from '../http/route-flags';

/** Marks an idempotent-by-key route in the OpenAPI document: see http-semantics.openapi.ts. */
export const IDEMPOTENCY_EXTENSION = 'x-idempotency-key';

/**
 * `Idempotency-Key` on a route (every POST and DELETE of the API has it): see IdempotencyKeys
 * and useRetrySemantics. `effectInTransaction`: the route changes nothing but in at most one
 * transaction, which it runs with the request's Scope (`Database.transaction(work, scope)`);
 * the key is then claimed in that transaction (on MariaDB), one commit where there were two.
 * A route that runs a transaction without the Scope, or more than one, or acts outside the
 * database, must not set it: its effect would not be guarded by the key.
 */
export const Idempotent = (options: { effectInTransaction?: boolean } = {}): MethodDecorator => {
  const decorators = [routeFlag('idempotent'), ApiExtension(IDEMPOTENCY_EXTENSION, true)];
  if (options.effectInTransaction) decorators.push(routeFlag('effectInTransaction'));
  return applyDecorators(...decorators);
};
