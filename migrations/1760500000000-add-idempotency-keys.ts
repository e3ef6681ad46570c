import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * idempotency_keys: the first answer to a request sent with an `Idempotency-Key`, per
 * organization, caller (the token's `sub`) and key. The unique index decides a race between
 * copies of one request on any replica and any node of a cluster; `response_status` is NULL while
 * the first request runs, and is written in the same transaction as the request's effect. Rows
 * older than IDEMPOTENCY_TTL are deleted by the retention purge.
 */
export class AddIdempotencyKeys1760500000000 implements MigrationInterface {
  name = 'AddIdempotencyKeys1760500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const server = queryRunner.connection.options.type !== 'better-sqlite3';
    const int = server ? 'int' : 'integer';
    const columns: TableColumnOptions[] = [
      {
        name: 'id',
        type: int,
        isPrimary: true,
        isGenerated: true,
        generationStrategy: 'increment',
      },
      { name: 'organization_id', type: int },
      { name: 'subject_id', type: int },
      // compared byte for byte: `abc` and `ABC` are two keys
      {
        name: 'idempotency_key',
        type: 'varchar',
        length: '255',
        collation: server ? 'utf8mb4_bin' : undefined,
      },
      { name: 'request_hash', type: 'char', length: '64' },
      { name: 'lock_id', type: 'char', length: '32' },
      { name: 'locked_at', type: 'datetime', precision: 6 },
      { name: 'response_status', type: int, isNullable: true },
      { name: 'response_body', type: server ? 'mediumtext' : 'text', isNullable: true },
      { name: 'response_etag', type: 'varchar', length: '100', isNullable: true },
      { name: 'created_at', type: 'datetime', precision: 6 },
    ];
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns,
        indices: [
          {
            name: 'ux_idempotency_keys_organization_id_subject_id_idempotency_key',
            columnNames: ['organization_id', 'subject_id', 'idempotency_key'],
            isUnique: true,
          },
          {
            name: 'ix_idempotency_keys_organization_id_created_at',
            columnNames: ['organization_id', 'created_at'],
          },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
  }
}
