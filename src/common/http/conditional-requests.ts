import { applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { etagMatches, etagOf, parseEntityTags } from './entity-tags';
import { routeFlag } from './route-flags';

/**
 * Every answer whose body carries a row version (a single row of any table: see row-version.ts)
 * gets its strong ETag; a GET or HEAD whose If-None-Match names it answers 304 without a body.
 * Two Fastify hooks, so that routes pay nothing more than a property lookup.
 */
export function useEntityTags(fastify: FastifyInstance): void {
  fastify.addHook('preSerialization', (_request, reply, payload, done) => {
    const tag = etagOf(payload);
    if (tag !== undefined) void reply.header('ETag', tag);
    done(null, payload);
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const ifNoneMatch = request.headers['if-none-match'];
    if (
      ifNoneMatch === undefined ||
      (request.method !== 'GET' && request.method !== 'HEAD') ||
      reply.statusCode !== 200
    ) {
      return done(null, payload);
    }
    const tag = reply.getHeader('etag');
    const tags = parseEntityTags(ifNoneMatch);
    if (typeof tag === 'string' && tags && etagMatches(tags, tag, true)) {
      void reply.code(304);
      void reply.removeHeader('content-length');
      return done(null, null);
    }
    done(null, payload);
  });
}

/** Marks a route that answers one row (its ETag), in the OpenAPI document: see http-semantics.openapi.ts. */
export const ENTITY_TAG_EXTENSION = 'x-entity-tag';

/** A route that answers one row: its ETag; on a GET, If-None-Match and 304. */
export const EntityTagged = (): MethodDecorator => ApiExtension(ENTITY_TAG_EXTENSION, 'answer');

/**
 * A write of one row that If-Match makes conditional (412, and 428 with REQUIRE_IF_MATCH): the
 * tags are handed to the transaction with the request's Scope and checked under the row's lock
 * (see useRetrySemantics).
 */
export const ConditionalWrite = (): MethodDecorator =>
  applyDecorators(
    routeFlag('conditionalWrite'),
    ApiExtension(ENTITY_TAG_EXTENSION, 'conditional-write'),
  );
