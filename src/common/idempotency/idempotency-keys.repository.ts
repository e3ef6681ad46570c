import { Injectable } from '@nestjs/common';
import { isDuplicateKey, isLockWaitTimeout } from '../errors/database-errors';
import { Database, type OpeningWrite, type Transaction } from '../persistence/database.service';
import type { Scope } from '../persistence/scope';
import { timestampFromDb, timestampToDb } from '../persistence/sql-values';

const TABLE = 'idempotency_keys';

/** Whose key it is: the caller's organization (the Scope) and user id (the token's `sub`). */
export interface KeyOwner {
  scope: Scope;
  subjectId: number;
  key: string;
}

/** A stored key: in progress (status null) or answered. */
export interface StoredKey {
  requestHash: string;
  lockId: string;
  lockedAt: string;
  createdAt: string;
  status: number | null;
  body: string | null;
  etag: string | null;
}

/** The answer stored with a key. */
export interface StoredAnswer {
  status: number;
  body: string;
  etag: string | null;
}

/**
 * The statements of idempotency_keys, each scoped to one organization (`organization_id = ?`
 * leads every WHERE, as in SoftDeletableRepository) and to the caller. The unique key
 * (organization_id, subject_id, idempotency_key) decides which of two copies of a request runs,
 * on any replica and any node of a cluster: the other one's INSERT fails (on Galera, its commit
 * fails certification, the statement is run again and then fails). The statements outside the
 * effect's transaction are one statement each, committed on their own (Database.autocommit).
 */
@Injectable()
export class IdempotencyKeysRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the key as in progress, committed at once; false when the key is already stored. */
  async claim(owner: KeyOwner, requestHash: string, lockId: string, now: Date): Promise<boolean> {
    const { sql, params } = insertion(owner, requestHash, lockId, now);
    try {
      await this.db.autocommit(sql, params);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /**
   * Where a key can be claimed inside its effect's transaction
   * (SqlDialect.claimsKeysInTransaction: MariaDB and SQLite): see claimInTransaction.
   */
  get claimsInTransaction(): boolean {
    return this.db.dialect.claimsKeysInTransaction;
  }

  /**
   * The claim of the key as the first statement of its effect's transaction
   * (RequestContext.openingWrite), with no read of the key before it: it commits with the effect,
   * or vanishes with its rollback. The INSERT of the key as in progress: on MariaDB waiting at
   * most a second for a row lock, in the BEGIN's compound statement (Database.transaction); on
   * SQLite the first statement after the BEGIN, on the one writer, where no copy's transaction
   * runs at the same time (a copy that arrives while the first runs waits for it, then meets the
   * key stored):
   * - a new key is inserted: a fresh key costs this one INSERT, whose text is all the server
   *   parses (the take-over below is sent only after a duplicate);
   * - on its duplicate (1062), the transaction, open, runs the take-over instead
   *   (OpeningWrite.instead): a stored key that is stale (stored before `stale.expiredBefore`,
   *   or the same request's, unanswered, locked before `stale.abandonedBefore`: its replica died)
   *   is made this request's as a new key would be, by an UPDATE that waits at most a second too;
   * - any other stored key is left as it is (the take-over changes no row), and the transaction
   *   fails with `notClaimed()` (its answer, 422 or 409 is decided after the route:
   *   IdempotencyKeys.settle);
   * - a key held uncommitted by another transaction (its request is running) fails with
   *   `notClaimed()` too: 1205 within a second (not after innodb_lock_wait_timeout); on Galera, a
   *   copy committed on another node first fails this one's certification, and its rerun meets
   *   the key stored.
   */
  claimInTransaction(
    owner: KeyOwner,
    requestHash: string,
    lockId: string,
    now: Date,
    stale: { expiredBefore: Date; abandonedBefore: Date },
    /** The error of a claim that met the key held by another request, or stored. */
    notClaimed: () => Error,
  ): OpeningWrite {
    const { sql, params } = insertion(owner, requestHash, lockId, now);
    const wait = this.db.dialect.shortLockWait ?? '';
    return {
      sql: `${wait}${sql}`,
      params,
      instead: (err) => {
        if (!isDuplicateKey(err)) return undefined;
        const at = timestampToDb(now);
        const { where, params: keyParams } = whereKey(owner);
        return {
          sql: `${wait}UPDATE ${TABLE} SET request_hash = ?, lock_id = ?, locked_at = ?, created_at = ?,
                  response_status = NULL, response_body = NULL, response_etag = NULL
            WHERE ${where} AND (created_at < ? OR (request_hash = ? AND response_status IS NULL AND locked_at < ?))`,
          params: [
            requestHash,
            lockId,
            at,
            at,
            ...keyParams,
            timestampToDb(stale.expiredBefore),
            requestHash,
            timestampToDb(stale.abandonedBefore),
          ],
        };
      },
      failed: (err) => (isLockWaitTimeout(err) || isDuplicateKey(err) ? notClaimed() : err),
    };
  }

  /**
   * Inserts the key with its answer, committed at once, for a request claimed in its effect's
   * transaction that ran none (its answer changed nothing); false when the key is stored already.
   */
  async insertAnswered(
    owner: KeyOwner,
    requestHash: string,
    lockId: string,
    now: Date,
    answer: StoredAnswer,
  ): Promise<boolean> {
    const at = timestampToDb(now);
    try {
      await this.db.autocommit(
        `INSERT INTO ${TABLE} (organization_id, subject_id, idempotency_key, request_hash, lock_id, locked_at, created_at,
                               response_status, response_body, response_etag)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          organizationOf(owner.scope),
          owner.subjectId,
          owner.key,
          requestHash,
          lockId,
          at,
          at,
          answer.status,
          answer.body,
          answer.etag,
        ],
      );
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async find(owner: KeyOwner): Promise<StoredKey | null> {
    const { where, params } = whereKey(owner);
    const rows = await this.db.select<{
      request_hash: string;
      lock_id: string;
      locked_at: unknown;
      created_at: unknown;
      response_status: number | string | null;
      response_body: string | null;
      response_etag: string | null;
    }>(
      `SELECT request_hash, lock_id, locked_at, created_at, response_status, response_body, response_etag
         FROM ${TABLE} WHERE ${where}`,
      params,
    );
    if (rows.length === 0) return null;
    const row = rows[0];
    return {
      requestHash: row.request_hash,
      lockId: row.lock_id,
      lockedAt: timestampFromDb(row.locked_at) ?? '',
      createdAt: timestampFromDb(row.created_at) ?? '',
      status: row.response_status === null ? null : Number(row.response_status),
      body: row.response_body,
      etag: row.response_etag,
    };
  }

  /**
   * Makes an expired key, or one whose request was abandoned (its replica died), this request's:
   * only if it is still as it was read (`previousLockId`); false otherwise.
   */
  async takeOver(
    owner: KeyOwner,
    previousLockId: string,
    requestHash: string,
    lockId: string,
    now: Date,
  ): Promise<boolean> {
    const at = timestampToDb(now);
    const { where, params } = whereKey(owner);
    const { affected } = await this.db.autocommit(
      `UPDATE ${TABLE} SET request_hash = ?, lock_id = ?, locked_at = ?, created_at = ?,
              response_status = NULL, response_body = NULL, response_etag = NULL
        WHERE ${where} AND lock_id = ?`,
      [requestHash, lockId, at, at, ...params, previousLockId],
    );
    return affected > 0;
  }

  /**
   * Stores the answer of the request that holds the key (`lockId`), committed at once; false
   * when the key is no longer this request's.
   */
  async complete(owner: KeyOwner, lockId: string, answer: StoredAnswer): Promise<boolean> {
    const { sql, params } = completion(owner, lockId, answer);
    return (await this.db.autocommit(sql, params)).affected > 0;
  }

  /**
   * Stores the answer of the request that holds the key (`lockId`) at the commit of its effect's
   * transaction (Transaction.writeAtCommit: on MariaDB in the COMMIT's round trip); when the key is
   * no longer this request's, the transaction rolls back and fails with `takenOver()`.
   */
  completeAtCommit(
    tx: Transaction,
    owner: KeyOwner,
    lockId: string,
    answer: StoredAnswer,
    takenOver: () => Error,
  ): void {
    const { sql, params } = completion(owner, lockId, answer);
    tx.writeAtCommit(sql, params, takenOver);
  }

  /** Frees a key whose request failed, unless it was answered (or taken over) meanwhile. */
  async release(owner: KeyOwner, lockId: string): Promise<void> {
    const { where, params } = whereKey(owner);
    await this.db.autocommit(
      `DELETE FROM ${TABLE} WHERE ${where} AND lock_id = ? AND response_status IS NULL`,
      [...params, lockId],
    );
  }

  /** Retention: deletes up to `batch` keys of the organization stored before `cutoff`. */
  async purgeBefore(scope: Scope, cutoff: Date, batch: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.select<{ id: number }>(
        `SELECT id FROM ${TABLE} WHERE organization_id = ? AND created_at < ? ORDER BY id LIMIT ?`,
        [organizationOf(scope), timestampToDb(cutoff), batch],
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((row) => Number(row.id));
      const { affected } = await tx.execute(
        `DELETE FROM ${TABLE} WHERE organization_id = ? AND id IN (${ids.map(() => '?').join(', ')})`,
        [organizationOf(scope), ...ids],
      );
      return affected;
    });
  }

  async countBefore(scope: Scope, cutoff: Date): Promise<number> {
    const [row] = await this.db.select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${TABLE} WHERE organization_id = ? AND created_at < ?`,
      [organizationOf(scope), timestampToDb(cutoff)],
    );
    return Number(row.n);
  }

  /** The organizations with stored keys: for the purge CLI only, as organizationIds() elsewhere. */
  async organizationIds(): Promise<number[]> {
    const rows = await this.db.select<{ organization_id: number }>(
      `SELECT DISTINCT organization_id FROM ${TABLE} ORDER BY organization_id`,
    );
    return rows.map((row) => Number(row.organization_id));
  }
}

function organizationOf(scope: Scope): number {
  const organizationId = scope.organizationId;
  if (!Number.isSafeInteger(organizationId) || organizationId < 1) {
    throw new Error(`not a scope: organizationId ${String(organizationId)}`);
  }
  return organizationId;
}

/** The INSERT of a key in progress. */
function insertion(
  owner: KeyOwner,
  requestHash: string,
  lockId: string,
  now: Date,
): { sql: string; params: unknown[] } {
  const at = timestampToDb(now);
  return {
    sql: `INSERT INTO ${TABLE} (organization_id, subject_id, idempotency_key, request_hash, lock_id, locked_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    params: [organizationOf(owner.scope), owner.subjectId, owner.key, requestHash, lockId, at, at],
  };
}

/** The UPDATE that stores a request's answer with its key, if the key is still the request's. */
function completion(
  owner: KeyOwner,
  lockId: string,
  answer: StoredAnswer,
): { sql: string; params: unknown[] } {
  const { where, params } = whereKey(owner);
  return {
    sql: `UPDATE ${TABLE} SET response_status = ?, response_body = ?, response_etag = ?
          WHERE ${where} AND lock_id = ?`,
    params: [answer.status, answer.body, answer.etag, ...params, lockId],
  };
}

function whereKey(owner: KeyOwner): { where: string; params: unknown[] } {
  return {
    where: 'organization_id = ? AND subject_id = ? AND idempotency_key = ?',
    params: [organizationOf(owner.scope), owner.subjectId, owner.key],
  };
}
