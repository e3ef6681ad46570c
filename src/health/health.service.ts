import { Injectable } from '@nestjs/common';
import { DatabaseUnavailableError } from '../common/errors/domain-errors';
import { UNAVAILABLE_MESSAGE } from '../common/errors/error-shape.filter';
import { Database } from '../common/persistence/database.service';
import { HealthDto } from './health.dto';

export { HealthDto };

const PROBE_TIMEOUT_MS = 1500;

@Injectable()
export class HealthService {
  constructor(private readonly db: Database) {}

  async check(): Promise<HealthDto> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the database did not answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.db.select('SELECT 1 AS ok'), timeout]);
    } catch (err) {
      // the answer is public: the driver's message (host and port, user names) goes to the log only
      throw new DatabaseUnavailableError(UNAVAILABLE_MESSAGE, {
        cause: err instanceof DatabaseUnavailableError ? (err.cause ?? err) : err,
      });
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: 'up' };
  }
}
