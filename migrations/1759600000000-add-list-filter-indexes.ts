import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Indexes for the list filters. Keyset pages read `WHERE <filter> = ? AND id > ? ORDER BY id`;
 * a secondary index on the filter column also holds the primary key (InnoDB, and SQLite's
 * rowid), so it serves the filter, the cursor and the order at once.
 */
const INDEXES: Array<[table: string, column: string]> = [
  ['recruitment_processes', 'status'],
  ['interviews', 'status'],
  ['todos', 'status'],
  ['todos', 'owner_id'],
];

export class AddListFilterIndexes1759600000000 implements MigrationInterface {
  name = 'AddListFilterIndexes1759600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, column] of INDEXES) {
      await queryRunner.createIndex(
        table,
        new TableIndex({ name: `ix_${table}_${column}`, columnNames: [column] }),
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, column] of [...INDEXES].reverse()) {
      await queryRunner.dropIndex(table, `ix_${table}_${column}`);
    }
  }
}
