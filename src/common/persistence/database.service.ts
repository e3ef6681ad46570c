import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { DataSource, QueryFailedError } from 'typeorm';
import { isRetryableConflict } from '../errors/database-errors';
import { ConflictRetriesExhaustedError, DatabaseUnavailableError } from '../errors/domain-errors';
import { OutboxBuffer } from '../outbox/outbox';
import { SQL_DIALECT, SqlDialect } from './sql-dialect';
import { StatementTexts } from './statement-texts';
import type { SoftDeletableEntity } from './soft-deletable.entity';
import { TableMapping, type EntityClass, type StoredRow } from './table-mapping';

/** Runs of a transaction that deadlocks or fails certification, the first included. */
const MAX_ATTEMPTS = 6;

export interface WriteResult {
  affected: number;
  insertId: number;
}

/** What can run a read: the Database (outside any transaction) or an open Transaction. */
export interface Reader {
  select<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

/**
 * Where a transaction's statements go: a connection of mysql2's pool on MariaDB/MySQL
 * (MysqlStatements), SQLite's writing connection on SQLite (SqliteWriter).
 */
interface StatementRunner {
  select<R>(sql: string, params: unknown[]): Promise<R[]>;
  execute(sql: string, params: unknown[]): Promise<WriteResult>;
  change(sql: string, params: unknown[], unchanged: () => Error): Promise<WriteResult>;
}

/**
 * One open transaction, handed to the work that Database.transaction runs and passed on
 * explicitly to whatever must join it (repositories, domain event handlers). Writes exist only
 * here, so code that takes a Transaction cannot run outside one, and no statement can slip out
 * of it; the one other write is Database.autocommit, a single statement committed on its own,
 * for the few writes that must commit apart from any effect (an Idempotency-Key's claim where
 * it is not claimed in its effect's transaction, its release). (Propagating it implicitly,
 * through AsyncLocalStorage, would tax every request: see docs/architecture.md.)
 */
export class Transaction implements Reader {
  /** The events this transaction records (see emit), written just before it commits. */
  readonly outbox = new OutboxBuffer();
  /** The writes that must change a row for it to commit (see writeAtCommit), in call order. */
  readonly commitWrites: CommitWrite[] = [];
  /** The last object json serialized, and its text. */
  private serialized?: { value: object; text: string };

  constructor(
    private readonly statements: StatementRunner,
    readonly dialect: SqlDialect,
  ) {}

  select<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.statements.select<R>(sql, params);
  }

  execute(sql: string, params: unknown[] = []): Promise<WriteResult> {
    return this.statements.execute(sql, params);
  }

  /**
   * A write that must change a row: as execute, but fails with `unchanged()` when it changes
   * none (the transaction then rolls back, unless the caller catches it). Checked as the driver
   * answers, without an async function and await of the caller's around it.
   */
  change(sql: string, params: unknown[], unchanged: () => Error): Promise<WriteResult> {
    return this.statements.change(sql, params, unchanged);
  }

  /**
   * A write run at the commit, after the work and before the outbox INSERT, that must change a
   * row: if it changes none, the transaction is rolled back and fails with `unchanged()`. On
   * MariaDB it goes with the COMMIT, in the same round trip (Database.transaction).
   */
  writeAtCommit(sql: string, params: unknown[], unchanged: () => Error): void {
    this.commitWrites.push({ sql, params, unchanged });
  }

  /**
   * JSON.stringify(value), at the commit: the last object serialized is serialized once, so
   * that the answer stored with an Idempotency-Key (RequestContext.beforeCommit) and the outbox
   * event of the same row, which are serialized one after the other with nothing run between
   * them, share one text.
   */
  json(value: unknown): string {
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    if (this.serialized?.value === value) return this.serialized.text;
    const text = JSON.stringify(value);
    this.serialized = { value, text };
    return text;
  }

  /**
   * Records a change for the outbox (`GET /events`): written with the rest of the transaction,
   * by one INSERT just before its commit, or not at all if it rolls back. `data` is serialized
   * then, as the API shows the resource.
   */
  emit(
    scope: { readonly organizationId: number; readonly id?: number },
    type: string,
    data: unknown,
    occurredAt: Date = new Date(),
  ): void {
    this.outbox.add({
      organizationId: scope.organizationId,
      type,
      actor: scope.id ?? null,
      occurredAt,
      data,
    });
  }
}

interface CommitWrite {
  sql: string;
  params: unknown[];
  unchanged: () => Error;
}

/**
 * The part of a Scope that Database.transaction reads: the request's commit hook (a Scope is
 * one; see request-context.ts, which this file does not import, to keep the two apart).
 */
export interface RequestScope {
  readonly request?: {
    readonly openingWrite?: () => OpeningWrite;
    readonly beforeCommit?: (tx: Transaction, result: unknown) => void;
  };
}

/**
 * A write that must be a transaction's first statement, before its work (the claim of an
 * Idempotency-Key: see RequestContext.openingWrite). On MariaDB it goes with the BEGIN, in the
 * same round trip (Database.transaction).
 */
export interface OpeningWrite {
  sql: string;
  params: unknown[];
  /** The error the transaction fails with when the write fails with err (err, or another). */
  failed: (err: unknown) => unknown;
  /**
   * When the write fails with err: a write to run next instead, in the same transaction (the
   * take-over of a stale Idempotency-Key after its claim's duplicate), or undefined. It must
   * change a row: if it changes none, the transaction fails with `failed(err)`, and if it fails,
   * with `failed` of its own error (see openingWriteFailed).
   */
  instead?: (err: unknown) => { sql: string; params: unknown[] } | undefined;
}

/** Runs one piece of work at a time, in call order. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The services' only way to the database: reads, and transactions.
 *
 * Reads never wait for anything of the service's own, so a read inside a read, or inside a
 * transaction, cannot deadlock: on MariaDB/MySQL they run on the pool; on SQLite on a read-only
 * connection of their own, which (in WAL mode) sees only committed data while a transaction is
 * open on the writing connection. On SQLite, transactions run one at a time (one writer).
 */
@Injectable()
export class Database implements Reader, OnModuleDestroy {
  private readonly queue = new SerialQueue();
  private readonly logger = new Logger('Database');
  private sqliteReader: SqliteReader | undefined;
  private sqliteWriter: SqliteWriter | undefined;
  /** Told after the commit of every transaction that wrote events (see onEventsCommitted). */
  private eventsCommitted: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SQL_DIALECT) readonly dialect: SqlDialect,
  ) {}

  /** The row mapping of an entity, from TypeORM's metadata of it. */
  table<E extends SoftDeletableEntity, R extends StoredRow<E> = StoredRow<E>>(
    entity: EntityClass<E>,
  ): TableMapping<R> {
    return new TableMapping(this.dataSource.getMetadata(entity));
  }

  /**
   * Runs work as one transaction: committed when it resolves, rolled back when it throws.
   * A deadlock or a cluster certification conflict rolls it back and runs all of work again
   * (never half of it), after a short jittered pause, up to MAX_ATTEMPTS times in all.
   * `scope`, when a request's, lets the request's hooks (the claim of its Idempotency-Key, and
   * the record of its answer) run in the transaction: its opening write before work, as its
   * first statement, and beforeCommit after work, before the commit (see RequestContext). A
   * rerun runs them again with work.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>, scope?: RequestScope): Promise<T> {
    const request = scope?.request;
    // SQLite has no conflicts to retry: its transactions run one at a time
    if (this.dialect.serializesAccess)
      return this.queue.run(() => this.runSqliteTransaction(work, request));
    return this.runTransaction(work, request);
  }

  /**
   * One write statement outside any transaction, committed on its own (autocommit: a single
   * statement is atomic, and on a Galera cluster it is certified as a transaction is), retried as
   * a transaction is on a deadlock or a certification conflict. One round trip, where a
   * transaction of one statement takes three (BEGIN, the statement, COMMIT).
   */
  autocommit(sql: string, params: unknown[] = []): Promise<WriteResult> {
    if (this.dialect.serializesAccess) {
      // SQLite's one writing connection, between two transactions (the queue)
      return this.queue.run(() => this.openSqliteWriter().execute(sql, params));
    }
    return this.withConflictRetries(async () => {
      this.dataSource.logger.logQuery(sql, params);
      const header = await queryOnPool<{ affectedRows?: number }>(this.dataSource, sql, params);
      return { affected: Number(header.affectedRows ?? 0), insertId: insertIdOf(header) };
    });
  }

  /** A read outside any transaction (inside one, use the Transaction's select). */
  select<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    this.dataSource.logger.logQuery(sql, params);
    if (this.dialect.serializesAccess) return this.readSqlite<R>(sql, params);
    return queryOnPool<R[]>(this.dataSource, sql, params);
  }

  /**
   * `listener` runs right after each commit of a transaction that wrote outbox events, in this
   * process (the webhook dispatcher's wake-up: src/webhooks). It adds no statement; it must not
   * throw, and should only schedule work.
   */
  onEventsCommitted(listener: () => void): void {
    this.eventsCommitted = listener;
  }

  onModuleDestroy(): void {
    this.sqliteReader?.close();
    this.sqliteReader = undefined;
    this.sqliteWriter = undefined;
  }

  /**
   * A transaction on SQLite's writing connection, driven directly: BEGIN, the work's statements,
   * its commit writes and the outbox INSERT, COMMIT, each a synchronous better-sqlite3 call on a
   * prepared statement (TypeORM's query runner would add several promises, two event broadcasts
   * and a statement-cache lookup behind an `await` to each: docs/performance.md, "The embedded
   * SQLite default"). The same statements as on TypeORM's runner, logged through the same logger.
   */
  private async runSqliteTransaction<T>(
    work: (tx: Transaction) => Promise<T>,
    request: RequestScope['request'],
  ): Promise<T> {
    const opening = request?.openingWrite?.();
    const writer = this.openSqliteWriter();
    writer.run('BEGIN TRANSACTION', []);
    try {
      if (opening) {
        try {
          writer.run(opening.sql, opening.params);
        } catch (err) {
          await openingWriteFailed(writer, opening, err);
        }
      }
      const tx = new Transaction(writer, this.dialect);
      const result = await work(tx);
      request?.beforeCommit?.(tx, result);
      for (const write of tx.commitWrites) {
        if (writer.run(write.sql, write.params).affected === 0) throw write.unchanged();
      }
      const wroteEvents = tx.outbox.size > 0;
      if (wroteEvents) {
        // last, so that an event's id is taken as late as possible before the commit
        const { sql, params } = tx.outbox.insert((data) => tx.json(data));
        writer.run(sql, params);
      }
      writer.run('COMMIT', []);
      if (wroteEvents) this.eventsCommitted?.();
      return result;
    } catch (err) {
      // a failed COMMIT leaves the transaction open too; a rollback on a closed connection
      // fails as well, and the first error is the one that matters
      if (writer.inTransaction) writer.rollback();
      throw err;
    }
  }

  /**
   * SQLite's writing connection (TypeORM's, which the migrations ran on), with its statements.
   * `driver.databaseConnection` is not TypeORM's public API: should a release rename it, every
   * write answers 503 and the e2e suites on SQLite fail.
   */
  private openSqliteWriter(): SqliteWriter {
    const connection = (this.dataSource.driver as { databaseConnection?: BetterSqlite3.Database })
      .databaseConnection;
    if (!this.dataSource.isInitialized || !connection?.open) {
      throw new DatabaseUnavailableError('the database is closed');
    }
    if (this.sqliteWriter?.connection !== connection) {
      this.sqliteWriter = new SqliteWriter(connection, this.dataSource);
    }
    return this.sqliteWriter;
  }

  /**
   * A transaction on MariaDB/MySQL, driven on a connection of mysql2's pool without TypeORM's
   * query runner (which added to every statement two subscriber broadcasts, a BroadcasterResult
   * and an await on its connection, and four broadcasts to every transaction: docs/performance.md,
   * "Writes on MariaDB without TypeORM's query runner"). The same statements as on the runner,
   * logged through the same logger and failing with the same QueryFailedError (MysqlStatements).
   * A deadlock or a certification conflict rolls the attempt back, gives its connection back and
   * runs it all again (retryAfter), in this one async function: a layer of its own for the
   * retries would be one more async function and await on every write
   * (docs/performance.md, "Writes: the transaction's async layers").
   */
  private async runTransaction<T>(
    work: (tx: Transaction) => Promise<T>,
    request: RequestScope['request'],
  ): Promise<T> {
    for (let tries = 1; ; tries++) {
      let failure: unknown;
      try {
        // made again for each attempt, as the work runs again
        const opening = request?.openingWrite?.();
        const connection = await mysqlConnection(this.dataSource);
        const statements = new MysqlStatements(connection, this.dataSource);
        // from the BEGIN on, until the COMMIT has succeeded: a failure rolls the transaction back
        let open = true;
        try {
          if (opening && this.dialect.compoundStatements) {
            // on MariaDB, the BEGIN and the opening write in one round trip: should the write
            // fail, the transaction, open, is rolled back below
            try {
              await statements.query(
                `BEGIN NOT ATOMIC START TRANSACTION; ${opening.sql}; END`,
                opening.params,
              );
            } catch (err) {
              await openingWriteFailed(statements, opening, err);
            }
          } else {
            await statements.query('START TRANSACTION');
            if (opening) {
              try {
                await statements.query(opening.sql, opening.params);
              } catch (err) {
                await openingWriteFailed(statements, opening, err);
              }
            }
          }
          const tx = new Transaction(statements, this.dialect);
          const result = await work(tx);
          // the request's hook (the record of its answer), in the work's attempt
          request?.beforeCommit?.(tx, result);
          const writes = tx.commitWrites;
          if (writes.length === 0 && tx.outbox.size === 0) {
            await statements.query('COMMIT');
            open = false;
            return result;
          }
          // the outbox INSERT last, so that an event's id is taken as late as possible before
          // the commit
          const events = tx.outbox.size > 0 ? tx.outbox.insert((data) => tx.json(data)) : undefined;
          if (this.dialect.compoundStatements) {
            // the writes and the COMMIT in one round trip (docs/performance.md, "The outbox's
            // cost"): should a write fail, or a commit write change no row (its SIGNAL), the
            // block stops there, before its COMMIT, and the transaction, still open, is rolled
            // back below
            const block = commitBlock(writes, events);
            try {
              await statements.query(block.sql, block.params);
            } catch (err) {
              throw writes[unchangedWriteOf(err) ?? -1]?.unchanged() ?? err;
            }
          } else {
            for (const write of writes) {
              if ((await statements.execute(write.sql, write.params)).affected === 0)
                throw write.unchanged();
            }
            if (events) await statements.execute(events.sql, events.params);
            await statements.query('COMMIT');
          }
          open = false;
          if (events) this.eventsCommitted?.();
          return result;
        } catch (err) {
          // a rollback on a broken connection fails too; the first error is the one that matters
          // (after a failed COMMIT, or one that did commit, a ROLLBACK changes nothing)
          if (open) await statements.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          connection.release();
        }
      } catch (err) {
        failure = err;
      }
      // only after a failed attempt, its connection given back: the try above returns otherwise
      await this.retryAfter(failure, tries);
    }
  }

  /** Conflict retries for a single statement (autocommit): as runTransaction's. */
  private async withConflictRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (err) {
        await this.retryAfter(err, tries);
      }
    }
  }

  /**
   * After the failure err of attempt number `tries`: throws err unless it is a deadlock or a
   * certification conflict, throws ConflictRetriesExhaustedError after MAX_ATTEMPTS, and
   * otherwise resolves after a short jittered pause, when the next attempt may run.
   */
  private async retryAfter(err: unknown, tries: number): Promise<void> {
    if (!isRetryableConflict(err)) throw err;
    if (tries === MAX_ATTEMPTS) {
      this.logger.warn(`transaction conflict: gave up after ${tries} attempts`);
      throw new ConflictRetriesExhaustedError(
        'The request kept conflicting with concurrent changes and was not applied; retry it',
      );
    }
    this.logger.warn(`transaction conflict, attempt ${tries} rolled back; running it again`);
    // full jitter: 0..(10 ms * 2^tries), so that the two sides of a conflict drift apart
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** tries));
  }

  private readSqlite<R>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      if (!this.dataSource.isInitialized) {
        throw new DatabaseUnavailableError('the database is closed');
      }
      this.sqliteReader ??= new SqliteReader(
        String(this.dataSource.options.database),
        // the writer's map (SQLITE_MMAP_SIZE, set by prepareDatabase): the reader maps as much
        this.openSqliteWriter().connection.pragma('mmap_size', { simple: true }) as number,
      );
      return Promise.resolve(this.sqliteReader.all<R>(sql, params));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/**
 * SQLite's read connection: read-only, its prepared statements kept (the service issues a
 * small, fixed set of statements).
 */
class SqliteReader {
  private readonly connection: BetterSqlite3.Database;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(file: string, mmapSize: number) {
    this.connection = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    // the writer may hold the lock for a checkpoint: wait as the writing connection does
    this.connection.pragma('busy_timeout = 5000');
    if (mmapSize > 0) this.connection.pragma(`mmap_size = ${Math.trunc(mmapSize)}`);
  }

  all<R>(sql: string, params: unknown[]): R[] {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection.prepare(withStablePlan(sql));
      if (this.statements.size >= 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement.all(...params) as R[];
  }

  close(): void {
    this.statements.clear();
    this.connection.close();
  }
}

/**
 * The text SQLite's read connection prepares for a read: each `= ?` and `LIMIT ?` written
 * `= +?` and `LIMIT +?` (SQLite's unary plus returns its operand unchanged, and the comparison
 * takes the column's affinity as before). With a plain `?` there, SQLite's planner looks at the
 * bound value (a `LIMIT`, an equality on a table with an ORDER BY, an equality against ANALYZE's
 * samples) and marks the statement to be planned again whenever that parameter is bound anew;
 * better-sqlite3 clears a statement's parameters after every run, so every list page and every
 * `include=` kind was compiled again on every request (sqlite3Reprepare: about a fifth of the
 * instructions of `GET /workflows/:id?include=`, docs/performance.md, "Reads: the row mapping,
 * the include ETag, and what SQLite re-prepares"). An operand the planner cannot read gives a
 * plan made once per statement, as a server's prepared statement has. Range bounds (`id > ?`)
 * are left as they are: there ANALYZE's samples of the value can choose a better index. A
 * statement with a quoted string or identifier is left as it is, so that no `?` inside quotes
 * changes; the statement log shows the text the repositories wrote.
 */
export function withStablePlan(sql: string): string {
  if (/['"`]/.test(sql)) return sql;
  return sql.replace(/(?<=\s)(=|LIMIT) \?/gi, '$1 +?');
}

/**
 * SQLite's writing connection as transactions use it: each statement logged (as TypeORM's query
 * runner logs it), prepared once and kept, and run synchronously; a failed one rejects with
 * TypeORM's QueryFailedError, as on the runner, so that errors are mapped and logged the same.
 */
class SqliteWriter implements StatementRunner {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    readonly connection: BetterSqlite3.Database,
    private readonly dataSource: DataSource,
  ) {}

  get inTransaction(): boolean {
    return this.connection.open && this.connection.inTransaction;
  }

  select<R>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      this.dataSource.logger.logQuery(sql, params);
      const statement = this.statement(sql);
      // as TypeORM's runner: a statement that returns no rows is run (and reads as none)
      if (!statement.reader) {
        statement.run(...params);
        return Promise.resolve([]);
      }
      return Promise.resolve(statement.all(...params) as R[]);
    } catch (err) {
      return Promise.reject(this.failed(err, sql, params));
    }
  }

  execute(sql: string, params: unknown[]): Promise<WriteResult> {
    try {
      return Promise.resolve(this.run(sql, params));
    } catch (err) {
      // run() throws only QueryFailedError, made here
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  change(sql: string, params: unknown[], unchanged: () => Error): Promise<WriteResult> {
    try {
      const result = this.run(sql, params);
      return result.affected === 0 ? Promise.reject(unchanged()) : Promise.resolve(result);
    } catch (err) {
      // run() throws only QueryFailedError, made here
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Runs a statement that returns no rows; throws QueryFailedError. */
  run(sql: string, params: unknown[]): WriteResult {
    this.dataSource.logger.logQuery(sql, params);
    try {
      const statement = this.statement(sql);
      // as TypeORM's runner: a statement that returns rows is read (and changed none)
      if (statement.reader) {
        statement.all(...params);
        return { affected: 0, insertId: 0 };
      }
      const { changes, lastInsertRowid } = statement.run(...params);
      return { affected: changes, insertId: Number(lastInsertRowid) };
    } catch (err) {
      throw this.failed(err, sql, params);
    }
  }

  /** Rolls the open transaction back; never throws (the error that led here is the one to tell). */
  rollback(): void {
    try {
      this.run('ROLLBACK', []);
    } catch {
      /* the connection is closed or broken */
    }
  }

  private statement(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql);
      if (this.statements.size >= 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private failed(err: unknown, sql: string, params: unknown[]): Error {
    if (err instanceof QueryFailedError) return err;
    // the driver's error as it is, as TypeORM's runner wraps it (no `instanceof Error`: an error
    // made in another realm, as under Jest, would fail it and lose its `code`)
    this.dataSource.logger.logQueryError(err as Error, sql, params);
    return new QueryFailedError(sql, params, err as Error);
  }
}

/**
 * After a transaction's opening write failed with err (its BEGIN ran: the transaction is open):
 * the write to run instead (OpeningWrite.instead), which must change a row; otherwise throws
 * what `failed` makes of the error.
 */
async function openingWriteFailed(
  statements: StatementRunner,
  opening: OpeningWrite,
  err: unknown,
): Promise<void> {
  const instead = opening.instead?.(err);
  if (!instead) throw opening.failed(err);
  let affected: number;
  try {
    ({ affected } = await statements.execute(instead.sql, instead.params));
  } catch (insteadErr) {
    throw opening.failed(insteadErr);
  }
  if (affected === 0) throw opening.failed(err);
}

/**
 * MariaDB's compound statement that ends a transaction: its commit writes, each followed by a
 * SIGNAL when it changed no row (`UNCHANGED` and its index: see unchangedWriteOf), then the
 * outbox INSERT, then the COMMIT. mysql2 fills in the `?`s before sending it.
 */
function commitBlock(
  writes: readonly CommitWrite[],
  events: { sql: string; params: unknown[] } | undefined,
): { sql: string; params: unknown[] } {
  if (writes.length === 0 && events) return { sql: commitOnly(events.sql), params: events.params };
  const statements: string[] = [];
  const params: unknown[] = [];
  writes.forEach((write, index) => {
    statements.push(
      write.sql,
      `IF ROW_COUNT() = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${UNCHANGED} ${index}'; END IF`,
    );
    params.push(...write.params);
  });
  if (events) {
    statements.push(events.sql);
    params.push(...events.params);
  }
  return { sql: `BEGIN NOT ATOMIC ${statements.join('; ')}; COMMIT; END`, params };
}

/**
 * The commit blocks of the outbox INSERT alone (no commit writes), `BEGIN NOT ATOMIC <insert>;
 * COMMIT; END`, made once for each of the few INSERT texts a write sends (OutboxBuffer.insert)
 * rather than on every request.
 */
const COMMIT_ONLY = new StatementTexts<string>(16);

function commitOnly(insert: string): string {
  return COMMIT_ONLY.of(insert, commitOnlyBlock);
}

function commitOnlyBlock(insert: string): string {
  return `BEGIN NOT ATOMIC ${insert}; COMMIT; END`;
}

const UNCHANGED = 'commit write changed no row:';

/** The index of the commit write whose SIGNAL err is (commitBlock), or undefined. */
function unchangedWriteOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { errno, sqlMessage, driverError } = e as {
      errno?: unknown;
      sqlMessage?: unknown;
      driverError?: unknown;
    };
    // 1644: ER_SIGNAL_EXCEPTION, an unhandled SIGNAL
    if (errno === 1644 && typeof sqlMessage === 'string' && sqlMessage.startsWith(UNCHANGED)) {
      return Number(sqlMessage.slice(UNCHANGED.length));
    }
    e = driverError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The part of mysql2's callback pool that the Database uses. */
interface MysqlPool {
  getConnection(callback: (err: Error | null, connection: MysqlConnection) => void): void;
}

/** The part of a connection of mysql2's callback pool that a transaction uses. */
interface MysqlConnection {
  query(
    sql: string,
    params: unknown[] | undefined,
    callback: (err: Error | null, rows: unknown) => void,
  ): void;
  execute(
    sql: string,
    params: unknown[],
    callback: (err: Error | null, rows: unknown) => void,
  ): void;
  release(): void;
  destroy(): void;
  listenerCount(event: string): number;
  on(event: 'error', listener: (err: Error) => void): void;
}

/**
 * One of the two places that reach into a TypeORM internal (the other: openSqliteWriter): the
 * mysql2 pool of TypeORM's MysqlDriver (`driver.pool`, not a public API), for reads, autocommit
 * writes and transactions. Should a TypeORM release rename the field, every statement fails at
 * once with 503 and the e2e suites on MariaDB fail.
 */
function mysqlPool(dataSource: DataSource): MysqlPool | undefined {
  const driver: object = dataSource.driver;
  return 'pool' in driver ? (driver.pool as MysqlPool | undefined) : undefined;
}

/**
 * A connection of the pool for one transaction, as TypeORM's query runner takes it
 * (MysqlDriver.obtainMasterConnection): the driver's error as it is, and a listener for the
 * connection's errors, which would otherwise stop the process.
 */
function mysqlConnection(dataSource: DataSource): Promise<MysqlConnection> {
  const pool = mysqlPool(dataSource);
  if (!pool) return Promise.reject(new DatabaseUnavailableError('the database pool is closed'));
  return new Promise((resolve, reject) =>
    pool.getConnection((err, connection) => {
      if (err) return reject(err);
      resolve(listenedTo(connection, dataSource));
    }),
  );
}

/** The connection, with a listener for its errors (logged), which would otherwise stop the process. */
function listenedTo(connection: MysqlConnection, dataSource: DataSource): MysqlConnection {
  if (connection.listenerCount('error') === 0) {
    connection.on('error', (error) => {
      dataSource.logger.log('warn', `MySQL connection raised an error. ${String(error)}`);
    });
  }
  return connection;
}

/**
 * A MariaDB/MySQL transaction's connection as its statements use it: each statement logged (as
 * TypeORM's query runner logs it, with the logger the DataSource has at that moment) and sent;
 * a failed one logged as an error and rejected with TypeORM's QueryFailedError, as on the
 * runner, so that errors are mapped (a deadlock retried, an unreachable server 503) the same.
 *
 * A statement with values is a server-side prepared statement (mysql2's execute(), which
 * prepares it once a connection and keeps it in the connection's cache): the server parses its
 * text once instead of on every request, and the values travel apart from it, never written into
 * the SQL. The compound statements (the opening write's and the commit's blocks) are prepared
 * too: MariaDB prepares `BEGIN NOT ATOMIC ... END` with its `?`s. Statements without values
 * (START TRANSACTION, COMMIT, ROLLBACK) and those with long lists of values
 * (MAX_PREPARED_PARAMS) go as text. docs/performance.md, "Prepared statements on MariaDB's
 * transaction path", has the figures.
 */
class MysqlStatements implements StatementRunner {
  constructor(
    private readonly connection: MysqlConnection,
    private readonly dataSource: DataSource,
  ) {}

  select<R>(sql: string, params: unknown[]): Promise<R[]> {
    return this.send(sql, params, rowsOf<R[]>);
  }

  execute(sql: string, params: unknown[]): Promise<WriteResult> {
    return this.send(sql, params, writeResultOf);
  }

  change(sql: string, params: unknown[], unchanged: () => Error): Promise<WriteResult> {
    return this.send(sql, params, (raw) => {
      const result = writeResultOf(raw);
      if (result.affected === 0) throw unchanged();
      return result;
    });
  }

  query<R = unknown>(sql: string, params?: unknown[]): Promise<R> {
    return this.send(sql, params, rowsOf<R>);
  }

  /**
   * Sends one statement; resolves with what `answer` makes of the driver's answer, in the
   * driver's callback (a write's WriteResult: no async function and await a statement around
   * it), or rejects with what it throws.
   */
  private send<R>(
    sql: string,
    params: unknown[] | undefined,
    answer: (raw: unknown) => R,
  ): Promise<R> {
    this.dataSource.logger.logQuery(sql, params);
    return new Promise((resolve, reject) => {
      const done = (err: Error | null, raw: unknown) => {
        if (!err) {
          try {
            resolve(answer(raw));
          } catch (unanswered) {
            // what `change` throws: its caller's unchanged()
            reject(unanswered instanceof Error ? unanswered : new Error(String(unanswered)));
          }
          return;
        }
        this.dataSource.logger.logQueryError(err, sql, params);
        reject(new QueryFailedError(sql, params, err));
      };
      if (params !== undefined && params.length > 0 && params.length <= MAX_PREPARED_PARAMS)
        this.connection.execute(
          sql,
          params.includes(undefined) ? params.map(nullForUndefined) : params,
          done,
        );
      else this.connection.query(sql, params, done);
    });
  }
}

/** The driver's answer as it is: rows, or a ResultSetHeader. */
function rowsOf<R>(raw: unknown): R {
  return raw as R;
}

/** A write's ResultSetHeader as a WriteResult. */
function writeResultOf(raw: unknown): WriteResult {
  const header = raw as { affectedRows?: number };
  return { affected: Number(header.affectedRows ?? 0), insertId: insertIdOf(header) };
}

/**
 * A statement straight on the mysql2 pool, for reads and autocommit writes. It is what
 * `DataSource.query` does, less a query runner and its subscriber broadcasts per statement;
 * docs/performance.md ("Hand-written SQL against TypeORM's query builder") has the figures that
 * keep it.
 */
function queryOnPool<R>(dataSource: DataSource, sql: string, params: unknown[]): Promise<R> {
  const pool = mysqlPool(dataSource);
  if (!pool) return Promise.reject(new DatabaseUnavailableError('the database pool is closed'));
  return new Promise((resolve, reject) =>
    pool.getConnection((err, connection) => {
      if (err) return reject(err);
      const answered = (error: Error | null, rows: unknown) => {
        // as pool.query: a connection that met a read-only server (a node that left the cluster's
        // primary component, a replica promoted away) is closed rather than kept in the pool
        if (error && isReadOnlyError(error)) connection.destroy();
        else connection.release();
        if (error) reject(error);
        else resolve(rows as R);
      };
      try {
        listenedTo(connection, dataSource).query(sql, params, answered);
      } catch (error) {
        answered(error instanceof Error ? error : new Error(String(error)), undefined);
      }
    }),
  );
}

/** mysql2's pool.query's test for an error after which it closes the connection. */
function isReadOnlyError(err: Error): boolean {
  const { errno } = err as { errno?: unknown };
  // ER_OPTION_PREVENTS_STATEMENT, ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, ER_READ_ONLY_MODE
  return errno === 1290 || errno === 1792 || errno === 1836;
}

/**
 * A transaction's statements with more values than this are sent as text, not prepared: their
 * text changes with the length of a list (`id IN (?, ?, ...)`, the outbox INSERT of many events),
 * so a bulk operation's statement is seldom sent twice, and as text it costs no PREPARE round trip
 * and takes no place in the connection's statement cache (`maxPreparedStatements`:
 * data-source-options.ts).
 */
const MAX_PREPARED_PARAMS = 32;

/** As mysql2's query() sends `undefined` (NULL); its execute() refuses it. */
const nullForUndefined = (value: unknown) => (value === undefined ? null : value);

/** mysql2 answers a ResultSetHeader, better-sqlite3 the last row id. */
function insertIdOf(raw: unknown): number {
  if (raw && typeof raw === 'object' && 'insertId' in raw) return Number(raw.insertId);
  return Number(raw);
}
