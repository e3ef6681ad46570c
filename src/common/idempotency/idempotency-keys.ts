import { hash, randomUUID } from 'node:crypto';
import {
  DomainError,
  IdempotencyKeyReusedError,
  IdempotentRequestInProgressError,
  InvalidInputError,
} from '../errors/domain-errors';
import { etagOf } from '../http/entity-tags';
import type { OpeningWrite, Transaction } from '../persistence/database.service';
import type { Scope } from '../persistence/scope';
import type {
  IdempotencyKeysRepository,
  KeyOwner,
  StoredAnswer,
  StoredKey,
} from './idempotency-keys.repository';

/** 1 to 255 printable ASCII characters (space to tilde). */
const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

/**
 * How long a key stays "in progress" without an answer before another copy of the request may
 * take it over: its replica died, or lost its database, between claiming the key and committing.
 * A request still running past it loses the key at its commit and rolls back (409).
 */
export const IN_PROGRESS_LEASE_MS = 60_000;

const IN_PROGRESS =
  'A request with this Idempotency-Key is still in progress; retry after Retry-After';

/** A request that holds its key, until its answer is stored or it fails. */
export interface HeldKey {
  owner: KeyOwner;
  requestHash: string;
  lockId: string;
  /**
   * Whether the key's row is (or, at the commit of the transaction that claimed it, will be)
   * stored: false while a key to claim in the effect's transaction is not claimed.
   */
  inserted: boolean;
  /** The answer stored in the effect's transaction, if one was (compared by identity). */
  stored: unknown;
  /**
   * The JSON of `stored` as stored with the key: the response's body when the route answers
   * `stored` (serialized once, for the key and the response alike).
   */
  storedBody?: string;
  /**
   * The claim of the key, as the first statement of the effect's transaction
   * (RequestContext.openingWrite), when it is claimed there.
   */
  openingWrite?: () => OpeningWrite;
  /** Stores the answer in the transaction of the effect (RequestContext.beforeCommit). */
  beforeCommit: (tx: Transaction, result: unknown) => void;
}

/**
 * Idempotency-Key: the first request with a key (per organization and caller) runs, and its
 * answer is stored with the key in the transaction of its effect; copies get that answer
 * replayed, or 409 while it runs, or 422 when they are another request. A failed request stores
 * nothing and frees its key. See README, "How a client retries safely".
 *
 * Where the key is claimed:
 * - In the effect's transaction (MariaDB and SQLite, on a route whose effect is at most one
 *   transaction run with the request's Scope: @Idempotent({ effectInTransaction: true })):
 *   nothing is read before the route; the first statement of the effect's transaction claims the
 *   key, on MariaDB waiting at most a second for a row lock
 *   (IdempotencyKeysRepository.claimInTransaction), so that a request is one commit (one log
 *   sync) and a failed one leaves no key behind. On SQLite, whose one writer runs transactions one
 *   at a time, a copy's transaction starts after the first one's has ended: it meets the key
 *   stored, and its request answers the first one's answer replayed. A new key, or a stale one
 *   (expired, or abandoned by its request), becomes the request's. A copy that meets the key
 *   uncommitted (its request is running) gets 1205 within a second, and 409; one that meets it
 *   stored (or, on Galera, whose commit lost certification to the other copy's and whose rerun
 *   meets it) rolls back before its work ran, and settle answers what acquire would have: the
 *   stored answer replayed, 422 for another request, 409 while it runs. So does a request whose
 *   route failed, or succeeded without the transaction, with a key stored meanwhile.
 * - Committed on its own, before the route runs (MySQL, the other routes, and the take-over of
 *   an expired or abandoned key where the key is read first): copies meet it at once.
 */
export class IdempotencyKeys {
  constructor(
    private readonly keys: IdempotencyKeysRepository,
    private readonly ttlMs: number,
  ) {}

  /**
   * Claims the key for the request (a HeldKey), or answers the stored answer to replay; throws
   * 400 for a malformed key, 422 for a key of another request, 409 while its request runs.
   */
  async acquire(
    caller: Scope & { id: number },
    header: string | string[],
    request: { method: string; url: string; body: unknown },
    /** The route's status on success (201 for a create, or its @HttpCode). */
    status: number,
    /** The route's effect is at most one transaction, run with the request's Scope. */
    effectInTransaction = false,
  ): Promise<HeldKey | StoredAnswer> {
    if (typeof header !== 'string' || !KEY_FORMAT.test(header)) {
      throw new InvalidInputError(
        'Idempotency-Key must be one header of 1 to 255 printable ASCII characters',
      );
    }
    // claimed by the effect's transaction, which meets a stored key there: nothing to read first
    const { owner, requestHash, lockId } = this.identify(caller, header, request);
    if (effectInTransaction && this.keys.claimsInTransaction) {
      return this.held(owner, requestHash, lockId, status, false);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date();
      if (await this.keys.claim(owner, requestHash, lockId, now))
        return this.held(owner, requestHash, lockId, status, true);
      const stored = await this.keys.find(owner);
      if (!stored) continue; // freed by a failed request meanwhile: claim it again
      const found = this.answerTo(stored, requestHash, now);
      if (found !== STALE) return found;
      // a take-over stays a statement of its own: the row it changes exists already
      if (await this.keys.takeOver(owner, stored.lockId, requestHash, lockId, now)) {
        return this.held(owner, requestHash, lockId, status, true);
      }
    }
    throw new IdempotentRequestInProgressError(IN_PROGRESS);
  }

  /**
   * acquire's answer on a route whose effect is at most one transaction run with the request's
   * Scope, where the key is claimed in that transaction (MariaDB): the HeldKey, made without a
   * promise, since nothing is read before the route. Undefined where acquire must run instead:
   * on the other databases, and for a malformed key (which acquire answers 400).
   */
  holdInTransaction(
    caller: Scope & { id: number },
    header: string | string[],
    request: { method: string; url: string; body: unknown },
    status: number,
  ): HeldKey | undefined {
    if (!this.keys.claimsInTransaction || typeof header !== 'string' || !KEY_FORMAT.test(header)) {
      return undefined;
    }
    const { owner, requestHash, lockId } = this.identify(caller, header, request);
    return this.held(owner, requestHash, lockId, status, false);
  }

  /** Whose key it is, the digest of its request, and the lock id this request holds it by. */
  private identify(
    caller: Scope & { id: number },
    header: string,
    request: { method: string; url: string; body: unknown },
  ): { owner: KeyOwner; requestHash: string; lockId: string } {
    const owner: KeyOwner = {
      scope: { organizationId: caller.organizationId },
      subjectId: caller.id,
      key: header,
    };
    // one-shot: the same digest as a Hash object updated with the two parts, without the object
    const requestHash = hash(
      'sha256',
      `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`,
      'hex',
    );
    return { owner, requestHash, lockId: newLockId() };
  }

  /**
   * What a stored key answers a request: its answer to replay; 422 (thrown) when it is another
   * request's; 409 (thrown) while its request runs; STALE when it may be taken over (expired, or
   * abandoned by its request).
   */
  private answerTo(stored: StoredKey, requestHash: string, now: Date): StoredAnswer | typeof STALE {
    const expired = Date.parse(stored.createdAt) < now.getTime() - this.ttlMs;
    if (!expired && stored.requestHash !== requestHash) {
      throw new IdempotencyKeyReusedError(
        'This Idempotency-Key was used for another request (method, path or body); use a new key',
      );
    }
    if (!expired && stored.status !== null) {
      return { status: stored.status, body: stored.body ?? '', etag: stored.etag };
    }
    const abandoned = Date.parse(stored.lockedAt) < now.getTime() - IN_PROGRESS_LEASE_MS;
    if (!expired && !abandoned) throw new IdempotentRequestInProgressError(IN_PROGRESS);
    return STALE;
  }

  /**
   * For a key to claim in the effect's transaction that this request did not claim (the claim
   * met the key stored, or the route failed, or succeeded without the transaction): the answer
   * the stored key gives instead, as acquire gives it where the key is read before the route
   * (a replay, or 422 or 409); undefined when no key is stored, or a stale one (the request's
   * own outcome stands).
   */
  private async answerOfStored(held: HeldKey): Promise<StoredAnswer | DomainError | undefined> {
    const stored = await this.keys.find(held.owner);
    if (!stored) return undefined;
    try {
      const found = this.answerTo(stored, held.requestHash, new Date());
      return found === STALE ? undefined : found;
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
  }

  /**
   * Where settle has nothing to do (a success whose answer the effect's transaction stored, the
   * route's own `payload`): the JSON stored with the key, to send as the response's body (the
   * same text, serialized once); undefined where settle must run.
   */
  storedBodyFor(held: HeldKey, status: number, payload: unknown): string | undefined {
    return status < 400 && held.stored === payload ? held.storedBody : undefined;
  }

  /**
   * After the request answered: a success not stored with its effect (no transaction joined,
   * or the route answered something else than its transaction's result) is stored now; a
   * failure frees the key (it changed nothing). A key to claim in a transaction that none
   * claimed is not stored: a failure has nothing to free, a success (which changed nothing) is
   * inserted with its answer. There, where the key was not read before the route, the key may
   * have been stored already (the claim met it, the route failed on what its first request
   * changed, the success ran no transaction): its stored answer, or 422 or 409, is returned to
   * answer instead of the request's own.
   */
  async settle(
    held: HeldKey,
    status: number,
    payload: unknown,
  ): Promise<StoredAnswer | DomainError | undefined> {
    const unread = held.openingWrite !== undefined && !held.inserted;
    if (status >= 400) {
      if (held.inserted) await this.keys.release(held.owner, held.lockId);
      else if (unread) return this.answerOfStored(held);
    } else if (held.stored !== payload) {
      const answer = answerOf(status, payload);
      if (held.inserted) await this.keys.complete(held.owner, held.lockId, answer);
      else if (
        !(await this.keys.insertAnswered(
          held.owner,
          held.requestHash,
          held.lockId,
          new Date(),
          answer,
        )) &&
        unread
      )
        return this.answerOfStored(held);
    }
    return undefined;
  }

  private held(
    owner: KeyOwner,
    requestHash: string,
    lockId: string,
    status: number,
    inserted: boolean,
  ): HeldKey {
    const held: HeldKey = {
      owner,
      requestHash,
      lockId,
      inserted,
      stored: NOT_STORED,
      openingWrite: inserted
        ? undefined
        : () => {
            // made again for each rerun of the transaction (a deadlock, a certification conflict)
            held.inserted = false;
            const now = new Date();
            return this.keys.claimInTransaction(
              owner,
              requestHash,
              lockId,
              now,
              {
                expiredBefore: new Date(now.getTime() - this.ttlMs),
                abandonedBefore: new Date(now.getTime() - IN_PROGRESS_LEASE_MS),
              },
              // held by a running copy: 409; stored: the transaction rolls back, and settle
              // answers from the stored key instead
              () => new IdempotentRequestInProgressError(IN_PROGRESS),
            );
          },
      beforeCommit: (tx, result) => {
        // serialized by the transaction, once for the key and the outbox event of the same row
        const answer = answerOf(status, result, (value) => tx.json(value));
        this.keys.completeAtCommit(
          tx,
          owner,
          lockId,
          answer,
          () =>
            new IdempotentRequestInProgressError(
              'This Idempotency-Key was taken over by a retry of this request; nothing was changed',
            ),
        );
        // if the transaction fails instead, so does the request: its key is freed (settle), or
        // vanishes with the rollback when the transaction claimed it
        held.stored = result;
        held.storedBody = answer.body;
        held.inserted = true;
      },
    };
    return held;
  }
}

/**
 * 32 random hex digits (lock_id): a random UUID without its dashes, which Node.js takes from a
 * cached batch of random bytes, where randomBytes(16) asks OpenSSL for them on every call.
 */
function newLockId(): string {
  return randomUUID().replaceAll('-', '');
}

const NOT_STORED = Symbol('not stored');
/** A stored key that may be taken over: expired, or abandoned by its request. */
const STALE = Symbol('stale');

export function isStoredAnswer(value: HeldKey | StoredAnswer): value is StoredAnswer {
  return 'status' in value;
}

function answerOf(
  status: number,
  result: unknown,
  json: (value: unknown) => string = JSON.stringify,
): StoredAnswer {
  return {
    status,
    body: result === undefined ? '' : json(result),
    etag: etagOf(result) ?? null,
  };
}
