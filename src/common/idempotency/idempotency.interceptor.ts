import { createHash, randomBytes } from 'node:crypto';
import {
  applyDecorators,
  Inject,
  Injectable,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import {
  IdempotencyKeyReusedError,
  IdempotentRequestInProgressError,
  InvalidInputError,
} from '../errors/domain-errors';
import { etagOf } from '../http/entity-tags';
import { requestContextOf, type RequestWithScope } from '../http/request-scope';
import type { Transaction } from '../persistence/database.service';
import {
  IdempotencyKeysRepository,
  type KeyOwner,
  type StoredAnswer,
} from './idempotency-keys.repository';
import { IDEMPOTENCY_OPTIONS, type IdempotencyOptions } from './idempotency.options';

/** 1 to 255 printable ASCII characters (space to tilde). */
const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

/**
 * How long a key stays "in progress" without an answer before another copy of the request may
 * take it over: its replica died, or lost its database, between claiming the key and committing.
 * A request still running past it loses the key at its commit and rolls back (409).
 */
export const IN_PROGRESS_LEASE_MS = 60_000;

/**
 * `Idempotency-Key` on a POST or DELETE route (applied by @Idempotent()). Without the header it
 * does nothing and adds no statement. With it:
 *
 * - the key (organization, caller, key) is inserted as in progress, committed at once: the unique
 *   key decides which copy of the request runs, across replicas and cluster nodes;
 * - the request runs; its answer (status, body, ETag) is written onto the key in the same
 *   transaction as its effect (RequestContext.beforeCommit, through the request's Scope);
 * - a copy with the same method, path and body gets the stored answer with
 *   `Idempotent-Replayed: true` and changes nothing; while the first still runs, 409 with
 *   Retry-After; the same key for another method, path or body, 422;
 * - a request that fails (any 4xx or 5xx) frees its key: it changed nothing, and a corrected
 *   retry with the same key runs.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyKeysRepository,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: IdempotencyOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithScope>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.principal) return next.handle();
    return from(this.run(context, request, header, next));
  }

  private async run(
    context: ExecutionContext,
    request: FastifyRequest & RequestWithScope,
    header: string | string[],
    next: CallHandler,
  ): Promise<unknown> {
    if (typeof header !== 'string' || !KEY_FORMAT.test(header)) {
      throw new InvalidInputError(
        'Idempotency-Key must be one header of 1 to 255 printable ASCII characters',
      );
    }
    const principal = request.principal!;
    const owner: KeyOwner = { scope: principal, subjectId: principal.id, key: header };
    const requestHash = fingerprint(request);
    const lockId = randomBytes(16).toString('hex');
    const reply = context.switchToHttp().getResponse<FastifyReply>();

    const replay = await this.acquire(owner, requestHash, lockId);
    if (replay) {
      void reply.header('Idempotent-Replayed', 'true');
      if (replay.etag) void reply.header('ETag', replay.etag);
      void reply.status(replay.status);
      return replay.body === '' ? undefined : JSON.parse(replay.body);
    }

    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    let stored: unknown = NO_ANSWER;
    requestContextOf(request).beforeCommit = async (tx: Transaction, result: unknown) => {
      if (!(await this.keys.complete(owner, lockId, answerOf(status, result), tx))) {
        throw new IdempotentRequestInProgressError(lostKey(owner));
      }
      stored = result;
    };
    let result: unknown;
    try {
      result = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (err) {
      await this.keys.release(owner, lockId).catch(() => undefined);
      throw err;
    }
    // the effect committed: an answer not written with it (no transaction joined, or a route that
    // answers something else than its transaction's result) is stored now
    if (stored !== result) await this.keys.complete(owner, lockId, answerOf(status, result));
    return result;
  }

  /** Claims the key for this request (undefined), or answers the stored answer to replay. */
  private async acquire(
    owner: KeyOwner,
    requestHash: string,
    lockId: string,
  ): Promise<StoredAnswer | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date();
      if (await this.keys.claim(owner, requestHash, lockId, now)) return undefined;
      const stored = await this.keys.find(owner);
      if (!stored) continue; // freed by a failed request meanwhile: claim it again
      const expired = Date.parse(stored.createdAt) < now.getTime() - this.options.ttlMs;
      if (!expired && stored.requestHash !== requestHash) {
        throw new IdempotencyKeyReusedError(
          'This Idempotency-Key was used for another request (method, path or body); use a new key',
        );
      }
      if (!expired && stored.status !== null) {
        return { status: stored.status, body: stored.body ?? '', etag: stored.etag };
      }
      const abandoned = Date.parse(stored.lockedAt) < now.getTime() - IN_PROGRESS_LEASE_MS;
      if (expired || abandoned) {
        if (await this.keys.takeOver(owner, stored.lockId, requestHash, lockId, now)) {
          return undefined;
        }
        continue;
      }
      throw new IdempotentRequestInProgressError(
        'A request with this Idempotency-Key is still in progress; retry after Retry-After',
      );
    }
    throw new IdempotentRequestInProgressError(
      'A request with this Idempotency-Key is still in progress; retry after Retry-After',
    );
  }
}

const NO_ANSWER = Symbol('no answer');

function answerOf(status: number, result: unknown): StoredAnswer {
  return {
    status,
    body: result === undefined ? '' : JSON.stringify(result),
    etag: etagOf(result) ?? null,
  };
}

/** The request a key stands for: method, URL (path and query) and body. */
function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}

function lostKey(owner: KeyOwner): string {
  return `The Idempotency-Key ${JSON.stringify(owner.key)} was taken over by a retry of this request; nothing was changed`;
}

/** Marks an idempotent-by-key route in the OpenAPI document: see http-semantics.openapi.ts. */
export const IDEMPOTENCY_EXTENSION = 'x-idempotency-key';

/**
 * `Idempotency-Key` on a route (every POST and DELETE of the API has it): see
 * IdempotencyInterceptor.
 */
export const Idempotent = (): MethodDecorator =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiExtension(IDEMPOTENCY_EXTENSION, true),
  );
