import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * Revision 3caefaa119d8: the schema before workflows own interviews and todos
 * (docs/schema.md, migration 1). Written with TypeORM's portable Table API so that the
 * same class runs on MariaDB/MySQL and on the embedded SQLite database.
 */
export class BaseSchema1759300000000 implements MigrationInterface {
  name = 'BaseSchema1759300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const server = queryRunner.connection.options.type !== 'better-sqlite3';
    if (server) await assertUtf8mb4Database(queryRunner);

    // SQLite allows AUTOINCREMENT only on a column typed exactly INTEGER, and its nearest
    // equivalent of INT is INTEGER
    const int = server ? 'int' : 'integer';
    const id: TableColumnOptions = {
      name: 'id',
      type: int,
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    };
    const text = (name: string): TableColumnOptions => ({ name, type: 'text', isNullable: true });
    const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    const datetime = (name: string): TableColumnOptions => ({
      name,
      type: 'datetime',
      precision: 6,
      isNullable: true,
    });
    const now = server ? 'CURRENT_TIMESTAMP(6)' : "datetime('now')";
    const timestampsAndSoftDelete: TableColumnOptions[] = [
      { name: 'created_at', type: 'datetime', precision: 6, default: now },
      {
        name: 'updated_at',
        type: 'datetime',
        precision: 6,
        default: now,
        onUpdate: server ? 'CURRENT_TIMESTAMP(6)' : undefined,
      },
      // BOOLEAN is TINYINT(1) on MariaDB/MySQL
      { name: 'is_deleted', type: server ? 'tinyint' : 'boolean', width: 1, default: 0 },
      datetime('deleted_at'),
    ];

    await queryRunner.createTable(
      new Table({
        name: 'recruitment_processes',
        columns: [
          id,
          varchar('name', 255),
          text('description'),
          { ...varchar('status', 32), default: "'draft'" },
          { name: 'created_by', type: int, isNullable: true },
          ...timestampsAndSoftDelete,
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'interviews',
        columns: [
          id,
          varchar('title', 255),
          text('description'),
          { name: 'candidate_id', type: int },
          { name: 'recruiter_id', type: int },
          { ...varchar('status', 32), default: "'scheduled'" },
          datetime('scheduled_start'),
          datetime('scheduled_end'),
          varchar('location', 255, true),
          varchar('meeting_url', 2048, true),
          ...timestampsAndSoftDelete,
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'todos',
        columns: [
          id,
          varchar('title', 255),
          text('description'),
          { name: 'owner_id', type: int },
          { ...varchar('status', 32), default: "'pending'" },
          datetime('due_date'),
          ...timestampsAndSoftDelete,
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('todos');
    await queryRunner.dropTable('interviews');
    await queryRunner.dropTable('recruitment_processes');
  }
}

/** Titles hold 4-byte characters (emoji); tables inherit the database's character set. */
async function assertUtf8mb4Database(queryRunner: QueryRunner): Promise<void> {
  const rows = (await queryRunner.query('SELECT @@character_set_database AS charset')) as Array<{
    charset: string;
  }>;
  const charset = rows[0]?.charset;
  if (charset !== 'utf8mb4') {
    throw new Error(
      `The database's default character set is ${charset}, but the tables need utf8mb4 ` +
        '(4-byte characters such as emoji). Run: ALTER DATABASE <name> CHARACTER SET utf8mb4 ' +
        'COLLATE utf8mb4_unicode_ci; then run the migrations again.',
    );
  }
}
