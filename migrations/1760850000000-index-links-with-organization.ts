import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

const TABLES = ['interviews', 'todos'];

/**
 * The link's index `ix_<table>_workflow_id` on interviews and todos (the migration guide's name,
 * which is binding) becomes `(workflow_id, organization_id)`, from `(workflow_id)`. Every
 * statement on a workflow's rows (the cascade, `include=`, the `workflowId` filter) is scoped
 * `organization_id = ? AND workflow_id = ?`, and with the link's index on workflow_id alone
 * MariaDB may answer it by intersecting that index with `ix_<table>_organization_id`
 * (index_merge intersect), which reads the organization's whole index range up to the workflow's
 * rows: for the newest workflow of an organization with 500,000 interviews, a cascade of 500 rows
 * took 8.3 s instead of 0.03 s, and locked that range while it ran (docs/performance.md, "The
 * link's index"). The two columns in one index give the optimizer the exact row count; a second
 * index beside the guide's does not help (MariaDB still chose the intersection), so the guide's
 * index is widened under its own name. workflow_id first keeps it the foreign key's index.
 */
export class IndexLinksWithOrganization1760850000000 implements MigrationInterface {
  name = 'IndexLinksWithOrganization1760850000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.rebuild(queryRunner, ['workflow_id', 'organization_id']);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.rebuild(queryRunner, ['workflow_id']);
  }

  private async rebuild(queryRunner: QueryRunner, columns: string[]): Promise<void> {
    const server = queryRunner.connection.options.type !== 'better-sqlite3';
    for (const table of TABLES) {
      const name = `ix_${table}_workflow_id`;
      if (server) {
        // one ALTER: the foreign key fk_<table>_workflow_id is never without its index
        await queryRunner.query(
          `ALTER TABLE \`${table}\` DROP INDEX \`${name}\`, ADD INDEX \`${name}\` (${columns.map((c) => `\`${c}\``).join(', ')})`,
        );
      } else {
        await queryRunner.dropIndex(table, name);
        await queryRunner.createIndex(table, new TableIndex({ name, columnNames: columns }));
      }
    }
  }
}
