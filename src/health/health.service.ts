import { Injectable } from '@nestjs/common';
import { DatabaseUnavailableError } from '../common/errors/domain-errors';
import { Database } from '../common/persistence/database.service';

export class HealthDto {
  /** @example "ok" */
  status!: 'ok';
  /** @example "up" */
  database!: 'up';
}

const PROBE_TIMEOUT_MS = 1500;

@Injectable()
export class HealthService {
  constructor(private readonly db: Database) {}

  async check(): Promise<HealthDto> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DatabaseUnavailableError(
              `the database did not answer within ${PROBE_TIMEOUT_MS} ms`,
            ),
          ),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.db.select('SELECT 1 AS ok'), timeout]);
    } catch (err) {
      if (err instanceof DatabaseUnavailableError) throw err;
      throw new DatabaseUnavailableError(`the database does not answer: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: 'up' };
  }
}
