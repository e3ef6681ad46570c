import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, PreconditionRequiredError } from '../errors/domain-errors';
import { errorBody } from '../errors/error-shape';
import { STATUS_OF } from '../errors/error-shape.filter';
import {
  isStoredAnswer,
  type HeldKey,
  type IdempotencyKeys,
} from '../idempotency/idempotency-keys';
import type { StoredAnswer } from '../idempotency/idempotency-keys.repository';
import type { Scope } from '../persistence/scope';
import { parseEntityTags } from './entity-tags';
import { requestContextOf } from './request-scope';
import { routeFlagsOf, type RouteFlags } from './route-flags';

export interface RetrySemanticsOptions {
  keys: IdempotencyKeys;
  /** REQUIRE_IF_MATCH: a conditional write without If-Match answers 428. */
  requireIfMatch: boolean;
  /** The caller of a request's bearer token, or undefined (then the routes' guard answers 401). */
  authenticate: (
    authorization: string | undefined,
  ) => Promise<(Scope & { id: number }) | undefined>;
  /** The caller of a bearer token verified before, without a promise; else undefined. */
  authenticated: (authorization: string | undefined) => (Scope & { id: number }) | undefined;
}

const HELD = Symbol('held idempotency key');

type RequestWithKey = FastifyRequest & { [HELD]?: HeldKey };

/**
 * Idempotency-Key (routes marked @Idempotent()) and If-Match (routes marked @ConditionalWrite())
 * as Fastify hooks: a route without the flags, or a request without the headers, costs a
 * property lookup and nothing else (no Nest interceptor: docs/performance.md).
 *
 * - preHandler: with an Idempotency-Key, the key is claimed, or held to be claimed in the
 *   effect's transaction (see IdempotencyKeys: without a promise when the token was verified
 *   before and the key is well formed, nothing being read before the route), or its stored
 *   answer replayed, or 409/422/400 answered; with If-Match, its tags are kept for the transaction, which checks them under the
 *   row's lock (412), right away (no promise, no token check: the guard that runs next answers
 *   401 first); without it and REQUIRE_IF_MATCH=true, 428. Both reach the
 *   transaction through the request's Scope (see scopeOfRequest, RequestContext). A request
 *   whose token does not authenticate is left to the routes' guard (401).
 * - preSerialization: a held key gets the answer stored if the effect's transaction did not
 *   store it, or is freed if the request failed; an answer the transaction stored is sent as the
 *   text it stored (serialized once).
 */
export function useRetrySemantics(fastify: FastifyInstance, options: RetrySemanticsOptions): void {
  // callback hooks: the common case (no flag, or no header, or If-Match alone) makes no promise
  fastify.addHook('preHandler', (request: RequestWithKey, reply: FastifyReply, done) => {
    const flags = routeFlagsOf(request);
    if (!flags.idempotent && !flags.conditionalWrite) return done();
    const key = flags.idempotent ? request.headers['idempotency-key'] : undefined;
    const ifMatch = flags.conditionalWrite ? request.headers['if-match'] : undefined;
    if (ifMatch !== undefined) {
      // kept for the transaction, which checks the tags under the row's lock; nothing is answered
      // here, so a request whose token does not authenticate still meets the guard's 401
      const id = Number((request.params as { id?: string } | undefined)?.id);
      requestContextOf(request).ifMatch = { id, tags: parseEntityTags(ifMatch) ?? [] };
    }
    // REQUIRE_IF_MATCH and no If-Match: 428, once the token authenticates
    const requiresIfMatch =
      flags.conditionalWrite === true && ifMatch === undefined && options.requireIfMatch;
    if (key === undefined && !requiresIfMatch) return done();
    if (key !== undefined && !requiresIfMatch && flags.effectInTransaction === true) {
      // a key claimed in the effect's transaction reads nothing before the route: with a token
      // verified before and a well-formed key, held here without a promise (prepare otherwise)
      const caller = options.authenticated(request.headers.authorization);
      const held =
        caller && options.keys.holdInTransaction(caller, key, request, statusOf(flags, request));
      if (held) {
        hold(request, held);
        return done();
      }
    }
    prepare(request, reply, flags, key, requiresIfMatch).then(
      () => {
        if (!reply.sent) done();
      },
      (err: Error) => done(err),
    );
  });

  fastify.addHook('preSerialization', (request: RequestWithKey, reply, payload, done) => {
    const held = request[HELD];
    if (!held) return done(null, payload);
    request[HELD] = undefined;
    const stored = options.keys.storedBodyFor(held, reply.statusCode, payload);
    if (stored !== undefined) {
      // stored with the effect: nothing to settle, and the stored text goes out as the body
      void reply.serializer(() => stored);
      return done(null, payload);
    }
    // the answer goes out whatever happens here: a key that could not be freed or completed stays
    // in progress until its lease ends (IN_PROGRESS_LEASE_MS), then a retry takes it over. A key
    // claimed in the effect's transaction and met stored there answers instead what it stores.
    options.keys.settle(held, reply.statusCode, payload).then(
      (instead) => done(null, instead === undefined ? payload : answerInstead(reply, instead)),
      () => done(null, payload),
    );
  });

  async function prepare(
    request: RequestWithKey,
    reply: FastifyReply,
    flags: RouteFlags,
    key: string | string[] | undefined,
    requiresIfMatch: boolean,
  ): Promise<void> {
    const caller = await options.authenticate(request.headers.authorization).catch(() => undefined);
    if (!caller) return;
    try {
      if (requiresIfMatch) {
        throw new PreconditionRequiredError(
          "This server requires If-Match on writes: send the ETag of the resource's last read",
        );
      }
      if (key !== undefined) {
        const acquired = await options.keys.acquire(
          caller,
          key,
          request,
          statusOf(flags, request),
          flags.effectInTransaction === true,
        );
        if (isStoredAnswer(acquired)) {
          await reply.send(replay(reply, acquired));
          return;
        }
        hold(request, acquired);
      }
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const status = STATUS_OF[err.kind];
      if (err.retryAfterSeconds !== undefined) {
        void reply.header('Retry-After', String(err.retryAfterSeconds));
      }
      await reply.status(status).send(errorBody(status, err.message));
    }
  }
}

/** The request holds its key: the transaction that acts for it claims it, or stores its answer. */
function hold(request: RequestWithKey, held: HeldKey): void {
  request[HELD] = held;
  const context = requestContextOf(request);
  context.openingWrite = held.openingWrite;
  context.beforeCommit = held.beforeCommit;
}

/** The status of each route's success, by its flags (one object a route): read once. */
const SUCCESS_STATUS = new WeakMap<RouteFlags, number>();

/** The status of the route's success: its @HttpCode, or 201 for a POST, 200 otherwise. */
function statusOf(flags: RouteFlags, request: FastifyRequest): number {
  let status = SUCCESS_STATUS.get(flags);
  if (status === undefined) {
    status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, flags.handler ?? {}) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    SUCCESS_STATUS.set(flags, status);
  }
  return status;
}

/** Sets the status and headers of a replayed answer on the reply; its body, to send as it is. */
function replay(reply: FastifyReply, answer: StoredAnswer): string {
  void reply.header('Idempotent-Replayed', 'true');
  if (answer.etag) void reply.header('ETag', answer.etag);
  void reply.status(answer.status).type('application/json; charset=utf-8');
  return answer.body;
}

/**
 * In preSerialization, the answer of a stored key instead of the route's own (see
 * IdempotencyKeys.settle): the status, headers and payload of a replay, or of the error.
 */
function answerInstead(reply: FastifyReply, instead: StoredAnswer | DomainError): unknown {
  for (const name of ['etag', 'retry-after']) reply.removeHeader(name);
  if (instead instanceof DomainError) {
    const status = STATUS_OF[instead.kind];
    if (instead.retryAfterSeconds !== undefined) {
      void reply.header('Retry-After', String(instead.retryAfterSeconds));
    }
    void reply.status(status);
    return errorBody(status, instead.message);
  }
  const body = replay(reply, instead);
  // the stored body goes out byte for byte, not serialized again
  void reply.serializer(() => body);
  return body;
}
