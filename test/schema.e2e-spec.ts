import type { DataSource, Logger } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { describeTable, describeTables } from './setup/schema-snapshot';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './setup/test-database';

const kind = testDatabaseKind();
const TABLES = ['recruitment_processes', 'interviews', 'todos'];

/** Column names in creation order, per docs/schema.md (workflow_id is appended by migration 2). */
const COLUMNS = {
  recruitment_processes: [
    'id',
    'name',
    'description',
    'status',
    'created_by',
    'created_at',
    'updated_at',
    'is_deleted',
    'deleted_at',
    'link_version',
    'deleted_by',
    'organization_id',
    'deletion_id',
    'version',
  ],
  interviews: [
    'id',
    'title',
    'description',
    'candidate_id',
    'recruiter_id',
    'status',
    'scheduled_start',
    'scheduled_end',
    'location',
    'meeting_url',
    'created_at',
    'updated_at',
    'is_deleted',
    'deleted_at',
    'workflow_id',
    'deleted_by',
    'organization_id',
    'deletion_id',
    'version',
  ],
  todos: [
    'id',
    'title',
    'description',
    'owner_id',
    'status',
    'due_date',
    'created_at',
    'updated_at',
    'is_deleted',
    'deleted_at',
    'workflow_id',
    'deleted_by',
    'organization_id',
    'deletion_id',
    'version',
  ],
};

const NULLABLE = new Set([
  'deleted_by',
  'description',
  'created_by',
  'deleted_at',
  'scheduled_start',
  'scheduled_end',
  'location',
  'meeting_url',
  'due_date',
  'workflow_id',
  'deletion_id',
]);

/** MariaDB column types of schema.md; SQLite gets TypeORM's nearest equivalents. */
const TYPES: Record<string, Record<string, string>> = {
  mariadb: { int: 'int(11)', text: 'text', datetime: 'datetime(6)', bool: 'tinyint(1)' },
  sqlite: { int: 'integer', text: 'text', datetime: 'datetime(6)', bool: 'boolean' },
};
const COLUMN_TYPES: Record<string, string> = {
  id: 'int',
  created_by: 'int',
  candidate_id: 'int',
  recruiter_id: 'int',
  owner_id: 'int',
  workflow_id: 'int',
  name: 'varchar(255)',
  title: 'varchar(255)',
  location: 'varchar(255)',
  meeting_url: 'varchar(2048)',
  status: 'varchar(32)',
  description: 'text',
  created_at: 'datetime',
  updated_at: 'datetime',
  deleted_at: 'datetime',
  scheduled_start: 'datetime',
  scheduled_end: 'datetime',
  due_date: 'datetime',
  is_deleted: 'bool',
  deletion_id: 'int',
  link_version: 'int',
  deleted_by: 'int',
  organization_id: 'int',
  version: 'int',
};

/** The migrations after AddOrganizations1759900000000, which its test reverts and re-applies first. */
const AFTER_ORGANIZATIONS = 6;

/** Records every statement TypeORM sends, so that the migration order can be checked. */
class StatementLog implements Logger {
  statements: string[] = [];
  logQuery(query: string): void {
    this.statements.push(query.trim());
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Asserts that each pattern matches a statement after the one the previous pattern matched. */
function expectInOrder(statements: string[], patterns: RegExp[]): void {
  let position = -1;
  for (const pattern of patterns) {
    const next = statements.findIndex((s, i) => i > position && pattern.test(s));
    if (next === -1) {
      throw new Error(
        `no statement after #${position} matches ${pattern}:\n${statements.join('\n')}`,
      );
    }
    position = next;
  }
}

const q = (name: string) => (kind === 'sqlite' ? `"${name}"` : `\`${name}\``);

/** The migration guide's order going up (docs/schema.md): column, index, foreign key; interviews, then todos. */
const UP_ORDER: Record<string, (table: string) => RegExp[]> = {
  mariadb: (t) => [
    new RegExp(`ALTER TABLE ${q(t)} ADD ${q('workflow_id')} int`),
    new RegExp(`CREATE INDEX ${q(`ix_${t}_workflow_id`)} ON ${q(t)}`),
    new RegExp(
      `ALTER TABLE ${q(t)} ADD CONSTRAINT ${q(`fk_${t}_workflow_id`)} FOREIGN KEY .* ON DELETE SET NULL`,
    ),
  ],
  // SQLite rebuilds the table for a new column or foreign key
  sqlite: (t) => [
    new RegExp(`^CREATE TABLE "temporary_${t}" \\((?!.*CONSTRAINT).*"workflow_id" integer\\)$`),
    new RegExp(`^CREATE INDEX "ix_${t}_workflow_id" ON "${t}"`),
    new RegExp(
      `^CREATE TABLE "temporary_${t}" .*CONSTRAINT "fk_${t}_workflow_id" FOREIGN KEY .* ON DELETE SET NULL`,
    ),
  ],
};

/** The migration guide's order going down (docs/schema.md): foreign key, index, column; todos, then interviews. */
const DOWN_ORDER: Record<string, (table: string) => RegExp[]> = {
  mariadb: (t) => [
    new RegExp(`ALTER TABLE ${q(t)} DROP FOREIGN KEY ${q(`fk_${t}_workflow_id`)}`),
    new RegExp(`DROP INDEX ${q(`ix_${t}_workflow_id`)} ON ${q(t)}`),
    new RegExp(`ALTER TABLE ${q(t)} DROP COLUMN ${q('workflow_id')}`),
  ],
  sqlite: (t) => [
    new RegExp(`^CREATE TABLE "temporary_${t}" \\((?!.*CONSTRAINT).*"workflow_id" integer\\)$`),
    new RegExp(`^DROP INDEX "ix_${t}_workflow_id"$`),
    new RegExp(`^CREATE TABLE "temporary_${t}" \\((?!.*workflow_id)`),
  ],
};

describe(`Schema and migrations on ${kind} (e2e)`, () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('schema');
    db = await database.connect();
    await db.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  /** A workflow named label with one interview and one todo titled label, in SQL; answers its id. */
  async function insertWorkflowWithChildren(label: string): Promise<number> {
    await db.query('INSERT INTO recruitment_processes (name) VALUES (?)', [label]);
    const [{ id }] = await db.query('SELECT id FROM recruitment_processes WHERE name = ?', [label]);
    await db.query(
      'INSERT INTO interviews (title, candidate_id, recruiter_id, workflow_id) VALUES (?, 1, 2, ?)',
      [label, id],
    );
    await db.query('INSERT INTO todos (title, owner_id, workflow_id) VALUES (?, 1, ?)', [
      label,
      id,
    ]);
    return Number(id);
  }

  it('applies the base schema (revision 3caefaa119d8), then the workflow relationships (e936f1f184f8)', async () => {
    const rows = await db.query('SELECT name FROM migrations ORDER BY id');
    expect(rows.map((r: { name: string }) => r.name)).toEqual([
      'BaseSchema1759300000000',
      'AddWorkflowRelationshipsToInterviewsAndTodos1759399000000',
      'RecordDeletesWithWorkflow1759500000000',
      'AddListFilterIndexes1759600000000',
      'AddWorkflowLinkVersion1759700000000',
      'AddDeletedBy1759800000000',
      'AddOrganizations1759900000000',
      'AddDeletions1760000000000',
      'AddIdempotencyKeys1760500000000',
      'AddRowVersions1760600000000',
      'AddOutbox1760700000000',
      'AddWebhooks1760800000000',
      'IndexLinksWithOrganization1760850000000',
    ]);
  });

  it('puts every existing row in organization 1, leads the list indexes with organization_id, and reverts and re-applies keeping every row', async () => {
    for (let i = 0; i <= AFTER_ORGANIZATIONS; i++)
      await db.undoLastMigration({ transaction: 'each' });
    const id = await insertWorkflowWithChildren('orgs');
    await db.runMigrations({ transaction: 'each' });
    for (const table of TABLES) {
      expect(
        await db.query(
          `SELECT organization_id FROM ${table} WHERE ${table === 'recruitment_processes' ? 'id' : 'workflow_id'} = ?`,
          [id],
        ),
      ).toEqual([{ organization_id: 1 }]);
      const { indexes } = await describeTable(db, table);
      expect(indexes[`ix_${table}_organization_id`]).toEqual(['organization_id']);
    }
    expect((await describeTable(db, 'recruitment_processes')).indexes).toEqual({
      ix_recruitment_processes_organization_id: ['organization_id'],
      ix_recruitment_processes_organization_id_deletion_id: ['organization_id', 'deletion_id'],
      ix_recruitment_processes_organization_id_status: ['organization_id', 'status'],
    });
    expect((await describeTable(db, 'todos')).indexes).toEqual({
      ix_todos_organization_id: ['organization_id'],
      ix_todos_organization_id_deletion_id: ['organization_id', 'deletion_id'],
      ix_todos_organization_id_owner_id: ['organization_id', 'owner_id'],
      ix_todos_organization_id_status: ['organization_id', 'status'],
      ix_todos_workflow_id: ['workflow_id', 'organization_id'],
    });
    await db.query('UPDATE todos SET organization_id = 2 WHERE workflow_id = ?', [id]);

    for (let i = 0; i <= AFTER_ORGANIZATIONS; i++)
      await db.undoLastMigration({ transaction: 'each' });
    for (const table of TABLES) {
      const info = await describeTable(db, table);
      expect(info.columns.map((c) => c.name)).not.toContain('organization_id');
      expect(Object.keys(info.indexes).filter((name) => name.includes('organization'))).toEqual([]);
    }
    expect((await describeTable(db, 'todos')).indexes).toMatchObject({
      ix_todos_owner_id: ['owner_id'],
      ix_todos_status: ['status'],
    });
    expect(await db.query('SELECT COUNT(*) AS n FROM todos WHERE workflow_id = ?', [id])).toEqual([
      { n: 1 },
    ]);

    await db.runMigrations({ transaction: 'each' });
    // what down() forgot comes back as organization 1, links kept
    expect(
      await db.query('SELECT organization_id, workflow_id FROM todos WHERE title = ?', ['orgs']),
    ).toEqual([{ organization_id: 1, workflow_id: id }]);
    const pending = await db.driver.createSchemaBuilder().log();
    expect(pending.upQueries).toEqual([]);
  });

  it.each(TABLES)(
    'gives %s exactly the columns, types and nullability of schema.md',
    async (table) => {
      const { columns } = await describeTable(db, table);
      expect(columns.map((c) => c.name)).toEqual(COLUMNS[table as keyof typeof COLUMNS]);
      for (const column of columns) {
        const type = COLUMN_TYPES[column.name];
        expect([column.name, column.type]).toEqual([column.name, TYPES[kind][type] ?? type]);
        expect([column.name, column.nullable]).toEqual([column.name, NULLABLE.has(column.name)]);
      }
    },
  );

  it.each(['interviews', 'todos'])(
    'adds %s.workflow_id as a nullable INT with the index of docs/schema.md and ON DELETE SET NULL foreign key',
    async (table) => {
      const info = await describeTable(db, table);
      const column = info.columns.find((c) => c.name === 'workflow_id');
      expect(column).toMatchObject({ nullable: true });
      expect(column?.default === null || column?.default === 'NULL').toBe(true);
      // the guide's ix_<table>_workflow_id, widened by IndexLinksWithOrganization (below)
      expect(info.indexes[`ix_${table}_workflow_id`]).toEqual(['workflow_id', 'organization_id']);
      expect(info.foreignKeys).toEqual([
        {
          name: `fk_${table}_workflow_id`,
          column: 'workflow_id',
          referencedTable: 'recruitment_processes',
          referencedColumn: 'id',
          onDelete: 'SET NULL',
        },
      ]);
    },
  );

  it("adds the link index (workflow_id, organization_id) beside the guide's ix_<table>_workflow_id, keeping every link; reverts and re-applies", async () => {
    const id = await insertWorkflowWithChildren('link index');
    await db.undoLastMigration({ transaction: 'each' });
    for (const table of ['interviews', 'todos']) {
      const { indexes, foreignKeys } = await describeTable(db, table);
      expect(indexes[`ix_${table}_workflow_id`]).toEqual(['workflow_id']);
      expect(indexes[`ix_${table}_workflow_id_organization_id`]).toBeUndefined();
      expect(foreignKeys.map((fk) => fk.name)).toEqual([`fk_${table}_workflow_id`]);
    }
    await db.runMigrations({ transaction: 'each' });
    for (const table of ['interviews', 'todos']) {
      const { indexes, foreignKeys } = await describeTable(db, table);
      expect(indexes[`ix_${table}_workflow_id`]).toEqual(['workflow_id', 'organization_id']);
      expect(indexes[`ix_${table}_workflow_id_organization_id`]).toBeUndefined();
      expect(foreignKeys.map((fk) => fk.name)).toEqual([`fk_${table}_workflow_id`]);
      expect(
        await db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE workflow_id = ?`, [id]),
      ).toEqual([{ n: 1 }]);
    }
    const pending = await db.driver.createSchemaBuilder().log();
    expect(pending.upQueries).toEqual([]);
  });

  it('creates idempotency_keys scoped by organization, its unique key (organization, subject, key) byte for byte, and version 1 on every existing row; reverts and re-applies', async () => {
    // link index, webhooks, outbox, row versions, idempotency keys
    for (let i = 0; i < 5; i++) await db.undoLastMigration({ transaction: 'each' });
    const id = await insertWorkflowWithChildren('versions');
    await db.runMigrations({ transaction: 'each' });
    for (const table of TABLES) {
      expect(
        await db.query(
          `SELECT version FROM ${table} WHERE ${table === 'recruitment_processes' ? 'id' : 'workflow_id'} = ?`,
          [id],
        ),
      ).toEqual([{ version: 1 }]);
    }
    const keys = await describeTable(db, 'idempotency_keys');
    expect(keys.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['organization_id', false],
      ['subject_id', false],
      ['idempotency_key', false],
      ['request_hash', false],
      ['lock_id', false],
      ['locked_at', false],
      ['response_status', true],
      ['response_body', true],
      ['response_etag', true],
      ['created_at', false],
    ]);
    expect(keys.indexes).toEqual({
      ix_idempotency_keys_organization_id_created_at: ['organization_id', 'created_at'],
      ux_idempotency_keys_organization_id_subject_id_idempotency_key: [
        'organization_id',
        'subject_id',
        'idempotency_key',
      ],
    });
    const insert = (key: string) =>
      db.query(
        `INSERT INTO idempotency_keys (organization_id, subject_id, idempotency_key, request_hash, lock_id, locked_at, created_at)
         VALUES (1, 7, ?, 'h', 'l', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')`,
        [key],
      );
    await insert('abc');
    await insert('ABC');
    await expect(insert('abc')).rejects.toThrow(/UNIQUE|Duplicate/i);
    for (let i = 0; i < 5; i++) await db.undoLastMigration({ transaction: 'each' });
    expect(await db.query('SELECT COUNT(*) AS n FROM todos WHERE title = ?', ['versions'])).toEqual(
      [{ n: 1 }],
    );
    await db.runMigrations({ transaction: 'each' });
    const pending = await db.driver.createSchemaBuilder().log();
    expect(pending.upQueries).toEqual([]);
  });

  it('creates outbox_events scoped by organization from its first migration, with org-leading indexes; reverts and re-applies', async () => {
    const events = await describeTable(db, 'outbox_events');
    expect(events.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['organization_id', false],
      ['type', false],
      ['actor_id', true],
      ['occurred_at', false],
      ['data', false],
      ['recorded_at', false],
    ]);
    expect(events.indexes).toEqual({
      ix_outbox_events_organization_id: ['organization_id'],
      ix_outbox_events_organization_id_occurred_at: ['organization_id', 'occurred_at'],
    });
    // the link index, webhooks, then the outbox
    for (let i = 0; i < 3; i++) await db.undoLastMigration({ transaction: 'each' });
    try {
      await expect(db.query('SELECT COUNT(*) AS n FROM outbox_events')).rejects.toThrow(
        /outbox_events/,
      );
    } finally {
      await db.runMigrations({ transaction: 'each' });
    }
    expect((await describeTable(db, 'outbox_events')).columns).toHaveLength(7);
  });

  it('creates webhooks and webhook_deliveries scoped by organization from their first migration, with the claim, list, retention and one-per-event indexes; reverts and re-applies', async () => {
    const webhooks = await describeTable(db, 'webhooks');
    expect(webhooks.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['organization_id', false],
      ['url', false],
      ['types', true],
      ['description', true],
      ['secret', false],
      ['active', false],
      ['disabled_at', true],
      ['disabled_reason', true],
      ['failing_since', true],
      ['fanned_out_to', false],
      ['created_by', true],
      ['created_at', false],
      ['updated_at', false],
    ]);
    expect(webhooks.indexes).toEqual({
      ix_webhooks_active: ['active'],
      ix_webhooks_organization_id: ['organization_id'],
    });
    const deliveries = await describeTable(db, 'webhook_deliveries');
    expect(deliveries.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['id', false],
      ['organization_id', false],
      ['webhook_id', false],
      ['event_id', true],
      ['event_type', false],
      ['state', false],
      ['attempts', false],
      ['next_attempt_at', true],
      ['lease_owner', true],
      ['lease_until', true],
      ['last_status', true],
      ['last_error', true],
      ['attempt_log', true],
      ['created_at', false],
      ['delivered_at', true],
    ]);
    expect(deliveries.indexes).toEqual({
      ix_webhook_deliveries_lease_owner: ['lease_owner'],
      ix_webhook_deliveries_organization_id_created_at: ['organization_id', 'created_at'],
      ix_webhook_deliveries_organization_id_webhook_id_id: ['organization_id', 'webhook_id', 'id'],
      ix_webhook_deliveries_state_next_attempt_at: ['state', 'next_attempt_at'],
      ux_webhook_deliveries_webhook_id_event_id: ['webhook_id', 'event_id'],
    });
    const delivery = (eventId: number) =>
      db.query(
        `INSERT INTO webhook_deliveries (organization_id, webhook_id, event_id, event_type, state, created_at)
         VALUES (1, 1, ?, 'todo.created', 'pending', '2026-01-01 00:00:00.000')`,
        [eventId],
      );
    await delivery(7);
    await expect(delivery(7)).rejects.toThrow(/UNIQUE|Duplicate/i);
    // the link index, then webhooks
    for (let i = 0; i < 2; i++) await db.undoLastMigration({ transaction: 'each' });
    try {
      await expect(db.query('SELECT COUNT(*) AS n FROM webhooks')).rejects.toThrow(/webhooks/);
      await expect(db.query('SELECT COUNT(*) AS n FROM webhook_deliveries')).rejects.toThrow(
        /webhook_deliveries/,
      );
    } finally {
      await db.runMigrations({ transaction: 'each' });
    }
    expect((await describeTable(db, 'webhook_deliveries')).columns).toHaveLength(15);
  });

  it('has no drift: TypeORM would generate no statement to make the schema match the entities', async () => {
    const pending = await db.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('stores and returns 4-byte UTF-8 text unchanged', async () => {
    const title = 'Interview 🚀 with 😀 and 𝄞';
    await db.query('INSERT INTO todos (title, owner_id) VALUES (?, ?)', [title, 1]);
    const rows = await db.query('SELECT title FROM todos WHERE title = ?', [title]);
    expect(rows).toEqual([{ title }]);
  });

  if (kind === 'mariadb') {
    it('creates every table in utf8mb4', async () => {
      const rows = await db.query(
        `SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?, ?) ORDER BY TABLE_NAME`,
        TABLES,
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.collation).toMatch(/^utf8mb4_/);
    });
  }

  it('leaves interviews and todos with workflow_id NULL when a workflow row is hard-deleted in SQL', async () => {
    const id = await insertWorkflowWithChildren('hd');

    await db.query('DELETE FROM recruitment_processes WHERE id = ?', [id]);

    expect(
      await db.query("SELECT workflow_id, is_deleted FROM interviews WHERE title = 'hd'"),
    ).toEqual([{ workflow_id: null, is_deleted: 0 }]);
    expect(await db.query("SELECT workflow_id, is_deleted FROM todos WHERE title = 'hd'")).toEqual([
      { workflow_id: null, is_deleted: 0 },
    ]);
  });

  it("reverts the later migrations, the relationships in the migration guide's reverse order, and re-applies them in its order, keeping every row", async () => {
    const schemaAfterOneUp = await describeTables(db, TABLES);
    await insertWorkflowWithChildren('rt');
    const count = async () =>
      Promise.all(
        TABLES.map(async (t) => Number((await db.query(`SELECT COUNT(*) AS n FROM ${t}`))[0].n)),
      );
    const before = await count();

    const log = new StatementLog();
    const logger = db.logger;
    Object.assign(db, { logger: log });
    try {
      // the later migrations first, then the migration guide's
      const later = MIGRATIONS.length - 2;
      for (let i = 0; i < later; i++) await db.undoLastMigration({ transaction: 'each' });
      for (const table of ['interviews', 'todos']) {
        const info = await describeTable(db, table);
        expect(info.columns.map((c) => c.name)).not.toContain('deleted_with_workflow');
        // no later migration may lose a link (rebuilding the parent table on SQLite would)
        expect(
          await db.query(
            `SELECT COUNT(*) AS n FROM ${table} WHERE workflow_id IS NOT NULL AND title = 'rt'`,
          ),
        ).toEqual([{ n: 1 }]);
      }
      log.statements.splice(0);
      await db.undoLastMigration({ transaction: 'each' });
      const down = log.statements.splice(0);
      expectInOrder(down, [...DOWN_ORDER[kind]('todos'), ...DOWN_ORDER[kind]('interviews')]);

      for (const table of ['interviews', 'todos']) {
        const info = await describeTable(db, table);
        expect(info.columns.map((c) => c.name)).not.toContain('workflow_id');
        expect(info.indexes).toEqual({});
        expect(info.foreignKeys).toEqual([]);
      }
      expect(await count()).toEqual(before);

      await db.runMigrations({ transaction: 'each' });
      expectInOrder(log.statements, [...UP_ORDER[kind]('interviews'), ...UP_ORDER[kind]('todos')]);
    } finally {
      Object.assign(db, { logger });
    }

    expect(await describeTables(db, TABLES)).toEqual(schemaAfterOneUp);
    expect(await count()).toEqual(before);
    const pending = await db.driver.createSchemaBuilder().log();
    expect(pending.upQueries).toEqual([]);
  });
});
