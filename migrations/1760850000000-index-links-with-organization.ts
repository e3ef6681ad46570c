import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

const TABLES = ['interviews', 'todos'];

/**
 * The link's index becomes `ix_<table>_workflow_id_organization_id` on
 * `(workflow_id, organization_id)`, replacing the guide's `ix_<table>_workflow_id`: every
 * statement on a workflow's rows (the cascade, `include=`, the `workflowId` filter) is scoped
 * `organization_id = ? AND workflow_id = ?`, and with the link's index on workflow_id alone
 * MariaDB may answer it by intersecting that index with `ix_<table>_organization_id` (index_merge
 * intersect), which reads the organization's whole index range up to the workflow's rows: for the
 * newest workflow of an organization with 500,000 interviews, a cascade of 500 rows took 8.3 s
 * instead of 0.03 s, and locked that range while it ran (docs/performance.md, "The link's index").
 * The two columns in one index give the optimizer the exact row count; workflow_id first keeps it
 * the index of the foreign key.
 */
export class IndexLinksWithOrganization1760850000000 implements MigrationInterface {
  name = 'IndexLinksWithOrganization1760850000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      // the new index first: the foreign key always has one that leads with workflow_id
      await queryRunner.createIndex(
        table,
        new TableIndex({
          name: `ix_${table}_workflow_id_organization_id`,
          columnNames: ['workflow_id', 'organization_id'],
        }),
      );
      await queryRunner.dropIndex(table, `ix_${table}_workflow_id`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) {
      await queryRunner.createIndex(
        table,
        new TableIndex({ name: `ix_${table}_workflow_id`, columnNames: ['workflow_id'] }),
      );
      await queryRunner.dropIndex(table, `ix_${table}_workflow_id_organization_id`);
    }
  }
}
