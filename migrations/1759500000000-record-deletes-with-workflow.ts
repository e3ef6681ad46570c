import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * interviews/todos.deleted_with_workflow: 1 on the rows a workflow's cascading soft delete
 * deleted, so that restoring the workflow brings back exactly those rows, and not the ones
 * deleted on their own before it (whatever their deleted_at).
 */
export class RecordDeletesWithWorkflow1759500000000 implements MigrationInterface {
  name = 'RecordDeletesWithWorkflow1759500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const server = queryRunner.connection.options.type !== 'better-sqlite3';
    for (const table of ['interviews', 'todos']) {
      await queryRunner.addColumn(
        table,
        new TableColumn({
          name: 'deleted_with_workflow',
          // BOOLEAN is TINYINT(1) on MariaDB/MySQL
          type: server ? 'tinyint' : 'boolean',
          width: 1,
          default: 0,
        }),
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['todos', 'interviews']) {
      await queryRunner.dropColumn(table, 'deleted_with_workflow');
    }
  }
}
