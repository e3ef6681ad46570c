import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const TABLES = ['recruitment_processes', 'interviews', 'todos'];

/** deleted_by: the user id (token subject) that soft-deleted the row, directly or by cascade. */
export class AddDeletedBy1759800000000 implements MigrationInterface {
  name = 'AddDeletedBy1759800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      if (queryRunner.connection.options.type === 'better-sqlite3') {
        // in place: TypeORM's table rebuild of recruitment_processes would SET NULL every link
        await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "deleted_by" integer`);
      } else {
        await queryRunner.addColumn(
          table,
          new TableColumn({ name: 'deleted_by', type: 'int', isNullable: true }),
        );
      }
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) {
      if (queryRunner.connection.options.type === 'better-sqlite3') {
        await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "deleted_by"`);
      } else {
        await queryRunner.dropColumn(table, 'deleted_by');
      }
    }
  }
}
