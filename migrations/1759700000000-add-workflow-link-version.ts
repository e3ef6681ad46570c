import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * recruitment_processes.link_version, incremented by every transaction that links a child to
 * the workflow. The link then writes the workflow row, so that on a multi-primary cluster
 * (Galera) it conflicts at certification with a concurrent soft delete of that workflow on any
 * node; on a single server the UPDATE locks the row as SELECT ... FOR UPDATE did.
 */
export class AddWorkflowLinkVersion1759700000000 implements MigrationInterface {
  name = 'AddWorkflowLinkVersion1759700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      // TypeORM adds a column on SQLite by rebuilding the table, and dropping the old
      // recruitment_processes would set every child's workflow_id to NULL: alter in place
      await queryRunner.query(
        'ALTER TABLE "recruitment_processes" ADD COLUMN "link_version" integer NOT NULL DEFAULT (0)',
      );
      return;
    }
    await queryRunner.addColumn(
      'recruitment_processes',
      new TableColumn({ name: 'link_version', type: 'int', default: 0 }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'better-sqlite3') {
      await queryRunner.query('ALTER TABLE "recruitment_processes" DROP COLUMN "link_version"');
      return;
    }
    await queryRunner.dropColumn('recruitment_processes', 'link_version');
  }
}
