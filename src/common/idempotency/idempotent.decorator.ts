import { applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { routeFlag } from '../http/route-flags';

/** Marks an idempotent-by-key route in the OpenAPI document: see http-semantics.openapi.ts. */
export const IDEMPOTENCY_EXTENSION = 'x-idempotency-key';

/**
 * `Idempotency-Key` on a route (every POST and DELETE of the API has it): see IdempotencyKeys
 * and useRetrySemantics.
 */
export const Idempotent = (): MethodDecorator =>
  applyDecorators(routeFlag('idempotent'), ApiExtension(IDEMPOTENCY_EXTENSION, true));
