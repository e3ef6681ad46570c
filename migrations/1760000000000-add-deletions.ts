import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/** The tables a deletion soft-deletes rows of, and the name of each in a deletion's record. */
const TABLES: Array<[table: string, resource: string]> = [
  ['recruitment_processes', 'workflows'],
  ['interviews', 'interviews'],
  ['todos', 'todos'],
];
const CHILDREN = ['interviews', 'todos'];

/**
 * Deletions as records (docs/schema.md, migration 8): the `deletions` table, one row per soft
 * delete (its resource, the ids deleted directly, the reason, who and when, the rows it deleted
 * per kind, and when it was restored or purged), and `deletion_id` on every soft-deletable
 * table: the deletion that soft-deleted the row, NULL while it is active. It replaces
 * `deleted_with_workflow`.
 *
 * Existing data: every deleted workflow becomes one deletion holding the children its cascade
 * deleted (`deleted_with_workflow = 1`); every other deleted row becomes a deletion of its own.
 * The statements are set-based: a temporary `source_id` column of `deletions` (with an index)
 * ties each new record to the row it was made for, and is dropped at the end. `down()` converts
 * back: `deleted_with_workflow = 1` on the children a deletion of workflows deleted; the records
 * (reasons, restores, purges) are lost.
 */
export class AddDeletions1760000000000 implements MigrationInterface {
  name = 'AddDeletions1760000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    const int = sqlite ? 'integer' : 'int';
    await queryRunner.createTable(
      new Table({
        name: 'deletions',
        columns: [
          {
            name: 'id',
            type: int,
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'organization_id', type: int },
          { name: 'resource', type: 'varchar', length: '64' },
          { name: 'ids', type: 'text' },
          { name: 'reason', type: 'varchar', length: '500', isNullable: true },
          { name: 'counts', type: 'text' },
          { name: 'deleted_at', type: 'datetime', precision: 6 },
          { name: 'deleted_by', type: int, isNullable: true },
          { name: 'restored_at', type: 'datetime', precision: 6, isNullable: true },
          { name: 'restored_by', type: int, isNullable: true },
          { name: 'purged_at', type: 'datetime', precision: 6, isNullable: true },
        ],
        indices: [
          // the trash, newest first (with the primary key: (organization_id, id))
          { name: 'ix_deletions_organization_id', columnNames: ['organization_id'] },
          {
            name: 'ix_deletions_organization_id_resource',
            columnNames: ['organization_id', 'resource'],
          },
          {
            name: 'ix_deletions_organization_id_deleted_by',
            columnNames: ['organization_id', 'deleted_by'],
          },
        ],
      }),
    );
    for (const [table] of TABLES) {
      if (sqlite) {
        // in place: TypeORM's table rebuild of recruitment_processes would SET NULL every link
        await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "deletion_id" integer`);
      } else {
        await queryRunner.addColumn(
          table,
          new TableColumn({ name: 'deletion_id', type: 'int', isNullable: true }),
        );
      }
      // the rows of a deletion, in id order (the primary key completes the index), and its restore
      await queryRunner.createIndex(
        table,
        new TableIndex({
          name: `ix_${table}_organization_id_deletion_id`,
          columnNames: ['organization_id', 'deletion_id'],
        }),
      );
    }
    await this.convertUp(queryRunner, sqlite);
    for (const table of CHILDREN)
      await dropColumn(queryRunner, sqlite, table, 'deleted_with_workflow');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
    for (const table of CHILDREN) {
      if (sqlite) {
        await queryRunner.query(
          `ALTER TABLE "${table}" ADD COLUMN "deleted_with_workflow" boolean NOT NULL DEFAULT (0)`,
        );
      } else {
        await queryRunner.addColumn(
          table,
          new TableColumn({ name: 'deleted_with_workflow', type: 'tinyint', width: 1, default: 0 }),
        );
      }
      await queryRunner.query(
        `UPDATE ${table} SET deleted_with_workflow = 1
          WHERE is_deleted = 1 AND deletion_id IN (SELECT id FROM deletions WHERE resource = 'workflows')`,
      );
    }
    for (const [table] of [...TABLES].reverse()) {
      await queryRunner.dropIndex(table, `ix_${table}_organization_id_deletion_id`);
      await dropColumn(queryRunner, sqlite, table, 'deletion_id');
    }
    await queryRunner.dropTable('deletions');
  }

  private async convertUp(queryRunner: QueryRunner, sqlite: boolean): Promise<void> {
    const concat = (...parts: string[]) =>
      sqlite ? parts.join(' || ') : `CONCAT(${parts.join(', ')})`;
    const counts = (cells: string[]) =>
      concat("'{'", ...cells.flatMap((cell, i) => (i === 0 ? [cell] : ["','", cell])), "'}'");
    if (sqlite) {
      await queryRunner.query('ALTER TABLE "deletions" ADD COLUMN "source_id" integer');
    } else {
      await queryRunner.addColumn(
        'deletions',
        new TableColumn({ name: 'source_id', type: 'int', isNullable: true }),
      );
    }
    await queryRunner.createIndex(
      'deletions',
      new TableIndex({ name: 'ix_deletions_source', columnNames: ['resource', 'source_id'] }),
    );
    // each deleted workflow: one deletion, counting the children its cascade deleted
    const cascaded = (child: string) =>
      `(SELECT COUNT(*) FROM ${child} c WHERE c.workflow_id = w.id AND c.is_deleted = 1 AND c.deleted_with_workflow = 1)`;
    await queryRunner.query(
      `INSERT INTO deletions (organization_id, resource, ids, counts, deleted_at, deleted_by, source_id)
       SELECT w.organization_id, 'workflows', ${concat("'['", 'w.id', "']'")},
              ${counts([`'"workflows":1'`, ...CHILDREN.map((c) => concat(`'"${c}":'`, cascaded(c)))])},
              COALESCE(w.deleted_at, w.updated_at), w.deleted_by, w.id
         FROM recruitment_processes w WHERE w.is_deleted = 1 ORDER BY w.id`,
    );
    await queryRunner.query(
      `UPDATE recruitment_processes SET deletion_id = (SELECT d.id FROM deletions d
          WHERE d.resource = 'workflows' AND d.source_id = recruitment_processes.id)
        WHERE is_deleted = 1`,
    );
    for (const child of CHILDREN) {
      await queryRunner.query(
        `UPDATE ${child} SET deletion_id = (SELECT w.deletion_id FROM recruitment_processes w
            WHERE w.id = ${child}.workflow_id AND w.organization_id = ${child}.organization_id)
          WHERE is_deleted = 1 AND deleted_with_workflow = 1`,
      );
    }
    // every other deleted row (deleted on its own, or left by a cascade whose workflow is gone)
    for (const child of CHILDREN) {
      await queryRunner.query(
        `INSERT INTO deletions (organization_id, resource, ids, counts, deleted_at, deleted_by, source_id)
         SELECT organization_id, '${child}', ${concat("'['", 'id', "']'")},
                ${counts(TABLES.map(([, resource]) => `'"${resource}":${resource === child ? 1 : 0}'`))},
                COALESCE(deleted_at, updated_at), deleted_by, id
           FROM ${child} WHERE is_deleted = 1 AND deletion_id IS NULL ORDER BY id`,
      );
      await queryRunner.query(
        `UPDATE ${child} SET deletion_id = (SELECT d.id FROM deletions d
            WHERE d.resource = '${child}' AND d.source_id = ${child}.id)
          WHERE is_deleted = 1 AND deletion_id IS NULL`,
      );
    }
    await queryRunner.dropIndex('deletions', 'ix_deletions_source');
    await dropColumn(queryRunner, sqlite, 'deletions', 'source_id');
  }
}

async function dropColumn(
  queryRunner: QueryRunner,
  sqlite: boolean,
  table: string,
  column: string,
): Promise<void> {
  if (sqlite) {
    // in place (SQLite 3.35+): a rebuild of a table would SET NULL the links to it
    await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "${column}"`);
  } else {
    await queryRunner.dropColumn(table, column);
  }
}
