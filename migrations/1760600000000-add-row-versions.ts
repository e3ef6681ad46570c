import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const TABLES = ['recruitment_processes', 'interviews', 'todos'];

/**
 * `version` on every table of the service: 1 when a row is inserted, incremented by every
 * UPDATE statement of the repositories (a PATCH, a soft delete and its cascade, a restore, a
 * link, an orphan repair). A row's strong ETag is made from it; `updated_at` cannot serve, since
 * two writes may land in the same millisecond and a link leaves it unchanged.
 */
export class AddRowVersions1760600000000 implements MigrationInterface {
  name = 'AddRowVersions1760600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      if (queryRunner.connection.options.type === 'better-sqlite3') {
        // TypeORM adds a column on SQLite by rebuilding the table, and dropping the old
        // recruitment_processes would set every child's workflow_id to NULL: alter in place
        await queryRunner.query(
          `ALTER TABLE "${table}" ADD COLUMN "version" integer NOT NULL DEFAULT (1)`,
        );
      } else {
        await queryRunner.addColumn(
          table,
          new TableColumn({ name: 'version', type: 'int', default: 1 }),
        );
      }
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) {
      if (queryRunner.connection.options.type === 'better-sqlite3') {
        await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "version"`);
      } else {
        await queryRunner.dropColumn(table, 'version');
      }
    }
  }
}
