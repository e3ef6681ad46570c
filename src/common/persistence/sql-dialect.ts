import type { DatabaseKind } from '../../database/database-url';

/**
 * The few things that differ between the engines, in one place (no code branches on the
 * driver anywhere else). SQL is otherwise portable: `?` placeholders,
 * plain identifiers, 0/1 for booleans, timestamps as 'YYYY-MM-DD HH:MM:SS.mmm' UTC strings.
 */
export class SqlDialect {
  /** Appended to a SELECT that must lock the rows it reads until the transaction ends. */
  readonly forUpdate: string;
  /**
   * SQLite has one connection and no row locks: transactions (and reads, which would otherwise
   * see another request's uncommitted writes on that same connection) run one at a time.
   */
  readonly serializesAccess: boolean;
  /**
   * MariaDB runs a compound statement (`BEGIN NOT ATOMIC ... END`) sent as one query, without
   * the connection's multi-statement mode: a transaction's outbox INSERT and its COMMIT go in
   * one round trip (Database.transaction). MySQL has no such statement outside stored programs.
   */
  readonly compoundStatements: boolean;
  /**
   * Prefixed to a write that must fail within a second (error 1205) rather than wait for a row
   * lock that another transaction holds for as long as innodb_lock_wait_timeout (50 s by
   * default), or undefined: MariaDB's `SET STATEMENT` with innodb_lock_wait_timeout=1. Not 0:
   * under concurrent inserts, InnoDB makes an INSERT of a new key wait for a few milliseconds now
   * and then (the locks of neighbouring keys being inserted), and with 0 such a new key failed
   * (about once in 17,000 keyed requests at 50 connections: docs/performance.md). SQLite has
   * no row locks (its transactions run one at a time), and MySQL no compound statement to send
   * it in.
   */
  readonly shortLockWait: string | undefined;
  /**
   * Whether an Idempotency-Key is claimed by the first statement of its effect's transaction
   * (IdempotencyKeys): on MariaDB, where a copy still running holds the key's row lock
   * (shortLockWait); on SQLite, whose one writer runs transactions one at a time, so that a
   * copy's transaction starts after the first one's has ended. Not on MySQL: without a compound
   * statement, its claim would wait innodb_lock_wait_timeout for a copy still running.
   */
  readonly claimsKeysInTransaction: boolean;

  constructor(readonly kind: DatabaseKind) {
    this.serializesAccess = kind === 'sqlite';
    this.compoundStatements = kind === 'mariadb';
    this.shortLockWait =
      kind === 'mariadb' ? 'SET STATEMENT innodb_lock_wait_timeout = 1 FOR ' : undefined;
    this.claimsKeysInTransaction = kind === 'mariadb' || kind === 'sqlite';
    this.forUpdate = this.serializesAccess ? '' : ' FOR UPDATE';
  }
}

export const SQL_DIALECT = Symbol('SQL_DIALECT');
