import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isRetryableConflict } from '../errors/database-errors';
import { ConflictRetriesExhaustedError, DatabaseUnavailableError } from '../errors/domain-errors';
import { SQL_DIALECT, SqlDialect } from './sql-dialect';

/** Runs of a transaction that deadlocks or fails certification, the first included. */
const MAX_ATTEMPTS = 6;

/** The part of mysql2's callback pool (TypeORM's MysqlDriver.pool) that reads use. */
interface MysqlPool {
  query(sql: string, params: unknown[], callback: (err: Error | null, rows: unknown) => void): void;
}

export interface WriteResult {
  affected: number;
  insertId: number;
}

/**
 * One open transaction, handed to the work that Database.transaction runs and passed on
 * explicitly to whatever must join it (repositories, domain event handlers). Writes exist only
 * here, so code that takes a Transaction cannot run outside one, and no statement can slip out
 * of it. (Propagating it implicitly, through AsyncLocalStorage, would cost every request of the
 * process once the first transaction had run: Node 20 keeps its promise hooks on.)
 */
export class Transaction {
  constructor(
    private readonly manager: EntityManager,
    readonly dialect: SqlDialect,
  ) {}

  select<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.manager.query(sql, params);
  }

  async execute(sql: string, params: unknown[] = []): Promise<WriteResult> {
    const result = await this.manager.queryRunner!.query(sql, params, true);
    return { affected: result.affected ?? 0, insertId: insertIdOf(result.raw) };
  }
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

/** The services' only way to the database: reads on the pool, and transactions. */
@Injectable()
export class Database {
  private readonly queue = new SerialQueue();
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SQL_DIALECT) readonly dialect: SqlDialect,
  ) {}

  /**
   * Runs work as one transaction: committed when it resolves, rolled back when it throws.
   * A deadlock or a cluster certification conflict rolls it back and runs all of work again
   * (never half of it), after a short jittered pause, up to MAX_ATTEMPTS times in all.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const run = () =>
      this.withConflictRetries(() =>
        this.dataSource.transaction((manager) => work(new Transaction(manager, this.dialect))),
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
    return this.dialect.serializesAccess ? this.queue.run(work) : work();
  }

  /** A read outside any transaction (inside one, use the Transaction's select). */
  select<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.dialect.serializesAccess
      ? this.dataSource.manager.query(sql, params)
      : this.selectFromPool<R>(sql, params);
  }

  /**
   * A read straight on the mysql2 pool: what TypeORM would do, less a query runner and its
   * subscriber broadcasts per statement (measured by npm run bench).
   */
  private selectFromPool<R>(sql: string, params: unknown[]): Promise<R[]> {
    const pool = (this.dataSource.driver as unknown as { pool?: MysqlPool }).pool;
    if (!pool) return Promise.reject(new DatabaseUnavailableError('the database pool is closed'));
    this.dataSource.logger.logQuery(sql, params);
    return new Promise((resolve, reject) =>
      pool.query(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as R[]))),
    );
  }
}

/** mysql2 answers a ResultSetHeader, better-sqlite3 the last row id. */
function insertIdOf(raw: unknown): number {
  if (raw && typeof raw === 'object' && 'insertId' in raw) return Number(raw.insertId);
  return Number(raw);
}
