'use strict';
// What the restore of a todo's deletion reads and locks on MariaDB, on a table of many workflows:
// the statement the service sent before (an UPDATE of the workflows `WHERE id IN (SELECT
// workflow_id FROM todos ...)`, whose subquery MariaDB 10.11 runs once per workflow of a scan)
// against the service's statements now (LinkedRowsRepository.lockWorkflowsOfDeletion: the
// deletion's rows, their workflows by primary key, the UPDATE of those). Each is run RL_RUNS
// times in a transaction that is rolled back; per run: its time, the rows its transaction locked
// (information_schema.INNODB_TRX, read after its 0.1 s cache has expired), and whether a write
// to a workflow of the other organization, from another connection, waits for it (given up
// after a second).
//
//   npx nest build && RL_WORKFLOWS=200000 node bench/restore-locks.js
//
// A database of its own on BENCH_MARIADB_URL's server (default mariadb://root@127.0.0.1:3306),
// migrated by the service's migrations (dist/migrations), then dropped. The workflows alternate
// between organizations 1 and 2.
const mysql = require('mysql2/promise');
const {
  createDatabase,
  dropDatabase,
  migrateDatabase,
  uniqueDatabaseName,
} = require('./processes');

const N = Number(process.env.RL_WORKFLOWS || 200000);
const RUNS = Number(process.env.RL_RUNS || 3);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const DATABASE = uniqueDatabaseName('bench_restore_locks');

/** The workflow the deleted todo links to (organization 1's), and one of organization 2. */
const LINKED = 2;
const OTHER = N % 2 === 1 ? N : N - 1; // the last odd id: organization 1 + id % 2 = 2

const BEFORE = `UPDATE recruitment_processes SET link_version = link_version + 1, updated_at = updated_at, version = version + 1
    WHERE organization_id = 1 AND is_deleted = 0
      AND id IN (SELECT workflow_id FROM todos WHERE organization_id = 1 AND deletion_id = 1 AND workflow_id IS NOT NULL)`;

async function now(c) {
  const [rows] = await c.query(
    'SELECT workflow_id FROM todos WHERE organization_id = 1 AND deletion_id = 1 AND workflow_id IS NOT NULL FOR UPDATE',
  );
  const ids = [...new Set(rows.map((row) => Number(row.workflow_id)))];
  const list = ids.map(() => '?').join(', ');
  await c.query(
    `SELECT id, is_deleted, deletion_id FROM recruitment_processes WHERE organization_id = 1 AND id IN (${list}) ORDER BY id FOR UPDATE`,
    ids,
  );
  await c.query(
    `UPDATE recruitment_processes SET link_version = link_version + 1, updated_at = updated_at, version = version + 1
      WHERE organization_id = 1 AND id IN (${list}) AND is_deleted = 0`,
    ids,
  );
}

async function measure(url, c, label, run) {
  for (let i = 0; i < RUNS; i++) {
    await c.query('START TRANSACTION');
    const t0 = process.hrtime.bigint();
    await run();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await new Promise((resolve) => setTimeout(resolve, 250));
    const [[trx]] = await c.query(
      'SELECT trx_rows_locked FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()',
    );
    const other = await mysql.createConnection({ uri: String(url) });
    await other.query('SET SESSION innodb_lock_wait_timeout = 1');
    const waited = await other
      .query('UPDATE recruitment_processes SET version = version + 1 WHERE id = ?', [OTHER])
      .then(
        () => 'no',
        (err) => `yes (${err.code})`,
      );
    await other.end();
    await c.query('ROLLBACK');
    console.log(
      `${label}: ${ms.toFixed(1)} ms, rows locked ${trx.trx_rows_locked}, a write to organization 2's workflow ${OTHER} waited: ${waited}`,
    );
  }
}

(async () => {
  const { admin, url } = await createDatabase(SERVER, DATABASE);
  try {
    await migrateDatabase(url);
    const c = await mysql.createConnection({ uri: String(url) });
    const at = '2026-11-27 12:00:00';
    await c.query(
      `INSERT INTO recruitment_processes (name, status, created_by, created_at, updated_at, is_deleted, organization_id)
       SELECT 'w', 'draft', 1, ?, ?, 0, 1 + seq % 2 FROM seq_1_to_${N}`,
      [at, at],
    );
    await c.query(
      `INSERT INTO deletions (organization_id, resource, ids, counts, deleted_at, deleted_by) VALUES (1, 'todos', '[1]', '{"todos":1}', ?, 1)`,
      [at],
    );
    await c.query(
      `INSERT INTO todos (workflow_id, title, owner_id, status, created_at, updated_at, is_deleted, deleted_at, deleted_by, organization_id, deletion_id)
       VALUES (?, 'deleted alone', 1, 'pending', ?, ?, 1, ?, 1, 1, 1)`,
      [LINKED, at, at, at],
    );
    await c.query('ANALYZE TABLE recruitment_processes, todos');
    const [plan] = await c.query(`EXPLAIN ${BEFORE}`);
    console.log(
      `${N.toLocaleString('en')} workflows; MariaDB's plan of the statement before: ${plan.map((p) => `${p.table} ${p.type} ${p.key} (${p.rows} rows)`).join(', then ')}`,
    );
    await measure(url, c, 'before (UPDATE ... IN (SELECT ...))', () => c.query(BEFORE));
    await measure(url, c, 'now (the rows, their workflows by key, the UPDATE)', () => now(c));
    await c.end();
  } finally {
    await dropDatabase(admin, DATABASE);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
