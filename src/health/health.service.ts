import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseUnavailableError } from '../common/errors/domain-errors';
import { UNAVAILABLE_MESSAGE } from '../common/errors/error-shape.filter';
import { Database } from '../common/persistence/database.service';
import type { HealthDto } from './health.dto';

const PROBE_TIMEOUT_MS = 1500;

@Injectable()
export class HealthService {
  /** The migrations this version of the code was written against, by name. */
  private readonly expected: string[];
  private readonly migrationsTable: string;

  constructor(
    private readonly db: Database,
    dataSource: DataSource,
  ) {
    this.expected = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    this.migrationsTable = dataSource.options.migrationsTableName ?? 'migrations';
  }

  async check(): Promise<HealthDto> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the database did not answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    let applied: Array<{ name: string }>;
    try {
      // one statement: the database answers, and with the migrations it has applied
      applied = await Promise.race([
        this.db.select<{ name: string }>(`SELECT name FROM ${this.migrationsTable}`),
        timeout,
      ]);
    } catch (err) {
      // the answer is public: the driver's message (host and port, user names) goes to the log only
      throw new DatabaseUnavailableError(UNAVAILABLE_MESSAGE, {
        cause: err instanceof DatabaseUnavailableError ? (err.cause ?? err) : err,
      });
    } finally {
      clearTimeout(timer);
    }
    const done = new Set(applied.map((row) => row.name));
    const pending = this.expected.filter((name) => !done.has(name));
    if (pending.length > 0) {
      // e.g. after `npm run migration:revert` under a running service: its statements would fail
      throw new DatabaseUnavailableError(
        `The database schema is behind this version of the service: ${pending.length} migration${pending.length === 1 ? '' : 's'} pending; run npm run migration:run.`,
        { cause: `pending migrations: ${pending.join(', ')}` },
      );
    }
    return { status: 'ok', database: 'up' };
  }
}
