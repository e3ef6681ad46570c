import type { DataSource, Logger } from 'typeorm';

/** Records every statement the application sends through its DataSource. */
export class StatementLog implements Logger {
  statements: Array<{ sql: string; params: unknown[] }> = [];

  logQuery(query: string, parameters?: unknown[]): void {
    this.statements.push({ sql: query.trim(), params: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  /** Runs work with this log attached to the data source; answers the statements it issued. */
  static async capture(
    db: DataSource,
    work: () => Promise<unknown>,
  ): Promise<Array<{ sql: string; params: unknown[] }>> {
    const log = new StatementLog();
    const previous = db.logger;
    Object.assign(db, { logger: log });
    try {
      await work();
    } finally {
      Object.assign(db, { logger: previous });
    }
    return log.statements;
  }
}
