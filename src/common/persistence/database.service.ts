import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isRetryableConflict } from '../errors/database-errors';
import { ConflictRetriesExhaustedError, DatabaseUnavailableError } from '../errors/domain-errors';

/** Runs of a transaction that deadlocks or fails certification, the first included. */
const MAX_ATTEMPTS = 6;
import { SQL_DIALECT, SqlDialect } from './sql-dialect';

/** The part of mysql2's callback pool (TypeORM's MysqlDriver.pool) that reads use. */
interface MysqlPool {
  query(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown) => void): void;
}

export interface WriteResult {
  affected: number;
  insertId: number;
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
 * The services' only way to the database. Transactions propagate implicitly, through
 * continuation-local storage that exists only while a transaction runs (no per-request
 * middleware): every statement issued through this service inside `transaction(work)` -
 * including by event listeners in other modules - joins that transaction.
 */
@Injectable()
export class Database {
  private readonly queue = new SerialQueue();
  private readonly logger = new Logger('Database');
  private readonly current = new AsyncLocalStorage<EntityManager>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SQL_DIALECT) readonly dialect: SqlDialect,
  ) {}

  /**
   * Runs work as one transaction: committed when it resolves, rolled back when it throws.
   * A deadlock or a cluster certification conflict rolls it back and runs all of work again
   * (never half of it), after a short jittered pause, up to MAX_ATTEMPTS times in all.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction()) return work();
    const run = () =>
      this.withConflictRetries(() =>
        this.dataSource.transaction((manager) => this.current.run(manager, work)),
      );
    return this.dialect.serializesAccess ? this.queue.run(run) : run();
  }

  private async withConflictRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (err) {
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
    }
  }

  /** Runs reads outside a transaction; on SQLite after the running transaction, never inside it. */
  read<T>(work: () => Promise<T>): Promise<T> {
    if (!this.dialect.serializesAccess || this.inTransaction()) return work();
    return this.queue.run(work);
  }

  /** Fails unless called inside transaction(): for code that must never write on its own. */
  assertInTransaction(operation: string): void {
    if (!this.inTransaction()) {
      throw new Error(`${operation} must run inside a transaction`);
    }
  }

  select<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const transaction = this.current.getStore();
    if (transaction) return transaction.query(sql, params);
    return this.dialect.serializesAccess
      ? this.dataSource.manager.query(sql, params)
      : this.selectFromPool<R>(sql, params);
  }

  /**
   * A read outside any transaction, straight on the mysql2 pool: what TypeORM would do, less a
   * query runner and its subscriber broadcasts per statement (measured by npm run bench).
   */
  private selectFromPool<R>(sql: string, params: unknown[]): Promise<R[]> {
    const pool = (this.dataSource.driver as unknown as { pool?: MysqlPool }).pool;
    if (!pool) return Promise.reject(new DatabaseUnavailableError('the database pool is closed'));
    this.dataSource.logger.logQuery(sql, params);
    return new Promise((resolve, reject) =>
      pool.query(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as R[]))),
    );
  }

  private inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  /** The running transaction's manager, else the data source's (one pooled connection per statement). */
  private manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }

  async execute(sql: string, params: unknown[] = []): Promise<WriteResult> {
    const manager = this.manager();
    const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
    try {
      const result = await runner.query(sql, params, true);
      return { affected: result.affected ?? 0, insertId: insertIdOf(result.raw) };
    } finally {
      if (!manager.queryRunner) await runner.release();
    }
  }
}

/** mysql2 answers a ResultSetHeader, better-sqlite3 the last row id. */
function insertIdOf(raw: unknown): number {
  if (raw && typeof raw === 'object' && 'insertId' in raw) return Number(raw.insertId);
  return Number(raw);
}
