import {
  applyDecorators,
  Inject,
  Injectable,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { throwError, type Observable } from 'rxjs';
import { PreconditionRequiredError } from '../errors/domain-errors';
import { etagMatches, etagOf, parseEntityTags } from './entity-tags';
import { requestContextOf, type RequestWithScope } from './request-scope';

/** REQUIRE_IF_MATCH: a PATCH, DELETE or restore without If-Match answers 428. */
export interface ConditionalRequestOptions {
  requireIfMatch: boolean;
}

export const CONDITIONAL_REQUEST_OPTIONS = Symbol('CONDITIONAL_REQUEST_OPTIONS');

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

/**
 * `If-Match` on a write of one row (PATCH, DELETE, restore; applied by @ConditionalWrite()):
 * the tags are handed to the transaction with the request's Scope and checked under the row's
 * lock, so that of two writes sent with one tag exactly one passes (412 for the other). Without
 * If-Match: the write runs, or 428 with REQUIRE_IF_MATCH=true.
 */
@Injectable()
export class IfMatchInterceptor implements NestInterceptor {
  constructor(
    @Inject(CONDITIONAL_REQUEST_OPTIONS) private readonly options: ConditionalRequestOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithScope>();
    const tags = parseEntityTags(request.headers['if-match']);
    if (tags === undefined) {
      if (!this.options.requireIfMatch) return next.handle();
      return throwError(
        () =>
          new PreconditionRequiredError(
            "This server requires If-Match on writes: send the ETag of the resource's last read",
          ),
      );
    }
    const id = Number((request.params as { id?: string } | undefined)?.id);
    requestContextOf(request).ifMatch = { id, tags };
    return next.handle();
  }
}

/** Marks a route that answers one row (its ETag), in the OpenAPI document: see http-semantics.openapi.ts. */
export const ENTITY_TAG_EXTENSION = 'x-entity-tag';

/** A route that answers one row: its ETag; on a GET, If-None-Match and 304. */
export const EntityTagged = (): MethodDecorator => ApiExtension(ENTITY_TAG_EXTENSION, 'answer');

/** A write of one row that If-Match makes conditional (412, and 428 with REQUIRE_IF_MATCH). */
export const ConditionalWrite = (): MethodDecorator =>
  applyDecorators(
    UseInterceptors(IfMatchInterceptor),
    ApiExtension(ENTITY_TAG_EXTENSION, 'conditional-write'),
  );
