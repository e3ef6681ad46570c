import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/**
 * Webhooks (issue 12; docs/webhooks.md).
 *
 * - `webhooks`: the endpoints of an organization. `secret` signs every delivery (it must be kept
 *   in clear to compute the HMAC); `types` is a JSON array, NULL for every type; `fanned_out_to`
 *   is the id of the last outbox event turned into deliveries for the endpoint (its cursor in
 *   `outbox_events`); `failing_since` the first failed attempt of a run of failures with no
 *   success since, which disables the endpoint once older than WEBHOOK_DISABLE_AFTER.
 * - `webhook_deliveries`: one row per (endpoint, event), or per ping; claimed by a dispatcher
 *   through `lease_owner`/`lease_until`, with its attempts as a JSON array in `attempt_log`.
 */
export class AddWebhooks1760800000000 implements MigrationInterface {
  name = 'AddWebhooks1760800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const server = queryRunner.connection.options.type !== 'better-sqlite3';
    const int = server ? 'int' : 'integer';
    const bigint = server ? 'bigint' : 'integer';
    const bool = server ? 'tinyint' : 'boolean';
    const webhooks: TableColumnOptions[] = [
      {
        name: 'id',
        type: int,
        isPrimary: true,
        isGenerated: true,
        generationStrategy: 'increment',
      },
      { name: 'organization_id', type: int },
      { name: 'url', type: 'varchar', length: '2048' },
      { name: 'types', type: 'text', isNullable: true },
      { name: 'description', type: 'varchar', length: '500', isNullable: true },
      { name: 'secret', type: 'varchar', length: '100' },
      { name: 'active', type: bool, width: 1, default: 1 },
      { name: 'disabled_at', type: 'datetime', precision: 3, isNullable: true },
      { name: 'disabled_reason', type: 'varchar', length: '255', isNullable: true },
      { name: 'failing_since', type: 'datetime', precision: 3, isNullable: true },
      { name: 'fanned_out_to', type: bigint, default: 0 },
      { name: 'created_by', type: int, isNullable: true },
      { name: 'created_at', type: 'datetime', precision: 3 },
      { name: 'updated_at', type: 'datetime', precision: 3 },
    ];
    await queryRunner.createTable(
      new Table({
        name: 'webhooks',
        columns: webhooks,
        indices: [
          // with the primary key: (organization_id, id), the list's order
          { name: 'ix_webhooks_organization_id', columnNames: ['organization_id'] },
          { name: 'ix_webhooks_active', columnNames: ['active'] },
        ],
      }),
    );
    const deliveries: TableColumnOptions[] = [
      {
        name: 'id',
        type: bigint,
        isPrimary: true,
        isGenerated: true,
        generationStrategy: 'increment',
      },
      { name: 'organization_id', type: int },
      { name: 'webhook_id', type: int },
      // NULL for a ping (webhook.ping is no outbox event)
      { name: 'event_id', type: bigint, isNullable: true },
      { name: 'event_type', type: 'varchar', length: '64' },
      { name: 'state', type: 'varchar', length: '16' },
      { name: 'attempts', type: int, default: 0 },
      { name: 'next_attempt_at', type: 'datetime', precision: 3, isNullable: true },
      { name: 'lease_owner', type: 'varchar', length: '64', isNullable: true },
      { name: 'lease_until', type: 'datetime', precision: 3, isNullable: true },
      { name: 'last_status', type: int, isNullable: true },
      { name: 'last_error', type: 'varchar', length: '255', isNullable: true },
      { name: 'attempt_log', type: 'text', isNullable: true },
      { name: 'created_at', type: 'datetime', precision: 3 },
      { name: 'delivered_at', type: 'datetime', precision: 3, isNullable: true },
    ];
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: deliveries,
        indices: [
          // one delivery per endpoint and event, whichever dispatcher fans it out
          {
            name: 'ux_webhook_deliveries_webhook_id_event_id',
            columnNames: ['webhook_id', 'event_id'],
            isUnique: true,
          },
          // the dispatchers' claim: the pending deliveries that are due
          {
            name: 'ix_webhook_deliveries_state_next_attempt_at',
            columnNames: ['state', 'next_attempt_at'],
          },
          // a claim's re-read of the deliveries it now holds (lease_owner is NULL once recorded)
          { name: 'ix_webhook_deliveries_lease_owner', columnNames: ['lease_owner'] },
          // GET /webhooks/:id/deliveries, newest first
          {
            name: 'ix_webhook_deliveries_organization_id_webhook_id_id',
            columnNames: ['organization_id', 'webhook_id', 'id'],
          },
          // retention (EVENTS_RETENTION)
          {
            name: 'ix_webhook_deliveries_organization_id_created_at',
            columnNames: ['organization_id', 'created_at'],
          },
        ],
      }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhooks');
  }
}
