import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * outbox_events: the transactional outbox. Every change writes its events here in its own
 * transaction (one INSERT, just before the commit); `GET /events` serves them in id order, per
 * organization, and the retention purge deletes those older than EVENTS_RETENTION.
 * `recorded_at` is the database's clock at the INSERT (the feed's settle window counts from it);
 * `occurred_at` the service's time of the change (the resource's own timestamps).
 */
export class AddOutbox1760700000000 implements MigrationInterface {
  name = 'AddOutbox1760700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const server = queryRunner.connection.options.type !== 'better-sqlite3';
    const int = server ? 'int' : 'integer';
    const columns: TableColumnOptions[] = [
      {
        name: 'id',
        type: server ? 'bigint' : 'integer',
        isPrimary: true,
        isGenerated: true,
        generationStrategy: 'increment',
      },
      { name: 'organization_id', type: int },
      { name: 'type', type: 'varchar', length: '64' },
      { name: 'actor_id', type: int, isNullable: true },
      { name: 'occurred_at', type: 'datetime', precision: 6 },
      { name: 'data', type: server ? 'mediumtext' : 'text' },
      {
        name: 'recorded_at',
        type: 'datetime',
        precision: 6,
        default: server ? 'CURRENT_TIMESTAMP(6)' : 'CURRENT_TIMESTAMP',
      },
    ];
    await queryRunner.createTable(
      new Table({
        name: 'outbox_events',
        columns,
        indices: [
          // with the primary key: (organization_id, id), the feed's order
          { name: 'ix_outbox_events_organization_id', columnNames: ['organization_id'] },
          {
            name: 'ix_outbox_events_organization_id_occurred_at',
            columnNames: ['organization_id', 'occurred_at'],
          },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('outbox_events');
  }
}
