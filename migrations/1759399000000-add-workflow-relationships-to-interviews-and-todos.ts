import { MigrationInterface, QueryRunner, TableColumn, TableForeignKey, TableIndex } from 'typeorm';

/**
 * Revision e936f1f184f8 (previous revision 3caefaa119d8):
 * add_workflow_relationships_to_interviews_and_todos, exactly as the workflow relationships
 * migration guide names and orders it. Do not edit; add a new migration instead.
 */
export class AddWorkflowRelationshipsToInterviewsAndTodos1759399000000 implements MigrationInterface {
  name = 'AddWorkflowRelationshipsToInterviewsAndTodos1759399000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // INT on MariaDB/MySQL; SQLite's nearest equivalent is INTEGER
    const int = queryRunner.connection.options.type === 'better-sqlite3' ? 'integer' : 'int';
    for (const table of ['interviews', 'todos']) {
      await queryRunner.addColumn(
        table,
        new TableColumn({ name: 'workflow_id', type: int, isNullable: true, default: null }),
      );
      await queryRunner.createIndex(
        table,
        new TableIndex({ name: `ix_${table}_workflow_id`, columnNames: ['workflow_id'] }),
      );
      await queryRunner.createForeignKey(
        table,
        new TableForeignKey({
          name: `fk_${table}_workflow_id`,
          columnNames: ['workflow_id'],
          referencedTableName: 'recruitment_processes',
          referencedColumnNames: ['id'],
          onDelete: 'SET NULL',
          // what MySQL/MariaDB apply when no ON UPDATE is given (as in docs/schema.md): stated so that
          // SQLite gets the same rule and the entities can name one rule for both
          onUpdate: 'RESTRICT',
        }),
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['todos', 'interviews']) {
      await queryRunner.dropForeignKey(table, `fk_${table}_workflow_id`);
      await queryRunner.dropIndex(table, `ix_${table}_workflow_id`);
      await queryRunner.dropColumn(table, 'workflow_id');
    }
  }
}
