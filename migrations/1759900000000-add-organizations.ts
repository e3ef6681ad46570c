import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

const TABLES = ['recruitment_processes', 'interviews', 'todos'];

/**
 * The list indexes lead with organization_id: every read is scoped to one organization
 * (SoftDeletableRepository). `ix_<table>_organization_id` serves the unfiltered keyset lists
 * (InnoDB and SQLite keep the primary key in every secondary index, so it is
 * (organization_id, id)); the filter indexes become (organization_id, <filter>), which replace
 * those of AddListFilterIndexes. The workflow_id indexes of the migration guide stay as they are:
 * a workflow's rows are all of its organization.
 */
const REPLACED: Array<[table: string, column: string]> = [
  ['recruitment_processes', 'status'],
  ['interviews', 'status'],
  ['todos', 'status'],
  ['todos', 'owner_id'],
];

/**
 * organization_id on every table: the organization a row belongs to (the `org` claim of the
 * token that wrote it). Existing rows belong to organization 1. The column keeps DEFAULT 1:
 * SQLite cannot add a NOT NULL column without a default, or drop one without rebuilding the
 * table (which would set every child's workflow_id to NULL, see AddWorkflowLinkVersion); the
 * service writes organization_id on every insert, and test/unscoped-statements.e2e-spec.ts fails
 * if a statement leaves it out.
 */
export class AddOrganizations1759900000000 implements MigrationInterface {
  name = 'AddOrganizations1759900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const table of TABLES) {
      if (sqlite) {
        // in place: TypeORM's table rebuild of recruitment_processes would SET NULL every link
        await queryRunner.query(
          `ALTER TABLE "${table}" ADD COLUMN "organization_id" integer NOT NULL DEFAULT (1)`,
        );
      } else {
        await queryRunner.addColumn(
          table,
          new TableColumn({ name: 'organization_id', type: 'int', default: 1 }),
        );
      }
      await queryRunner.createIndex(
        table,
        new TableIndex({ name: `ix_${table}_organization_id`, columnNames: ['organization_id'] }),
      );
    }
    for (const [table, column] of REPLACED) {
      await queryRunner.dropIndex(table, `ix_${table}_${column}`);
      await queryRunner.createIndex(
        table,
        new TableIndex({
          name: `ix_${table}_organization_id_${column}`,
          columnNames: ['organization_id', column],
        }),
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const [table, column] of [...REPLACED].reverse()) {
      await queryRunner.dropIndex(table, `ix_${table}_organization_id_${column}`);
      await queryRunner.createIndex(
        table,
        new TableIndex({ name: `ix_${table}_${column}`, columnNames: [column] }),
      );
    }
    for (const table of [...TABLES].reverse()) {
      await queryRunner.dropIndex(table, `ix_${table}_organization_id`);
      if (sqlite) {
        await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "organization_id"`);
      } else {
        await queryRunner.dropColumn(table, 'organization_id');
      }
    }
  }
}
