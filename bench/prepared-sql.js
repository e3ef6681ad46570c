'use strict';
// The MariaDB server's CPU a write, as text or as server-side prepared statements, without the
// service: the statements the service sends for `POST /todos` linked to workflow 1 and for
// `PATCH /interviews/:id` {"status":"completed"} (as MariaDB's general log shows them: START
// TRANSACTION, the route's statements, the outbox INSERT with the COMMIT in one compound
// statement), sent by N connections with mysql2's query() (`text`: the values written into the
// SQL by the client, parsed by the server every time) or execute() (`prepared`: the text
// prepared once a connection, the values sent apart; START TRANSACTION as text). It reports, a
// transaction, the CPU time of the connections' own server threads
// (`/proc/<mariadbd>/task/<TID>/schedstat`, TID from information_schema.PROCESSLIST: other
// clients of the server do not count) and of this process (mysql2's side).
//
//   node bench/prepared-sql.js            # POST /todos
//   PS_ROUTE=patch node bench/prepared-sql.js
//
// PS_CONNECTIONS (4), PS_TRANSACTIONS (1500 a connection a round), PS_ROUNDS (4),
// BENCH_MARIADB_URL (mariadb://root@127.0.0.1:3306/test). The two variants run in turn, round
// after round (their order alternating), on tables created by the service's migrations
// (dist/migrations: run `npx nest build` first) in a database of their own, dropped at the end.
// Medians of the rounds.
const mysql = require('mysql2/promise');
const { createdTodo } = require('./baseline-common');
const {
  createDatabase,
  dropDatabase,
  median,
  uniqueDatabaseName,
  databaseServerPid,
  migrateDatabase,
  serverThreadIds,
  threadsCpuMs,
} = require('./processes');

const CONNECTIONS = Number(process.env.PS_CONNECTIONS || 4);
const TRANSACTIONS = Number(process.env.PS_TRANSACTIONS || 1500);
const ROUNDS = Number(process.env.PS_ROUNDS || 4);
const ROUTE = process.env.PS_ROUTE || 'post';
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const DATABASE = uniqueDatabaseName('bench_pssql');

const INTERVIEW =
  'id, workflow_id, title, description, candidate_id, recruiter_id, status, scheduled_start, scheduled_end, location, meeting_url, created_at, updated_at, is_deleted, deleted_at, deleted_by, version';
const toDb = (d) => d.toISOString().slice(0, 23).replace('T', ' ');

/** One transaction of the route; `n` spreads the PATCHes over 4 interviews. */
async function transaction(conn, prepared, n) {
  const run = (sql, params) => (prepared ? conn.execute(sql, params) : conn.query(sql, params));
  const now = new Date();
  await conn.query('START TRANSACTION');
  let data;
  if (ROUTE === 'post') {
    await run(
      'UPDATE recruitment_processes SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE organization_id = ? AND id = ? AND is_deleted = 0',
      [1, 1],
    );
    const [result] = await run(
      'INSERT INTO todos (workflow_id, title, description, owner_id, status, due_date, created_at, updated_at, is_deleted, deleted_at, deleted_by, organization_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [1, 'ab', null, 1, 'pending', null, toDb(now), toDb(now), 0, null, null, 1],
    );
    data = createdTodo(result.insertId, toDb(now));
  } else {
    const id = 1 + (n % 4);
    const [rows] = await run(
      `SELECT ${INTERVIEW} FROM interviews WHERE organization_id = ? AND id = ? AND is_deleted = 0 FOR UPDATE`,
      [1, id],
    );
    await run(
      'UPDATE interviews SET status = ?, updated_at = ?, version = version + 1 WHERE organization_id = ? AND id = ? AND is_deleted = 0',
      ['completed', toDb(now), 1, id],
    );
    data = { ...rows[0], status: 'completed' };
  }
  await run(
    'BEGIN NOT ATOMIC INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data) VALUES (?, ?, ?, ?, ?); COMMIT; END',
    [
      1,
      ROUTE === 'post' ? 'todo.created' : 'interview.updated',
      1,
      toDb(now),
      JSON.stringify(data),
    ],
  );
}

async function main() {
  const { admin, url } = await createDatabase(SERVER, DATABASE);
  const serverPid = await databaseServerPid(admin);
  if (!serverPid) throw new Error('the MariaDB server must run on this machine (its pid file)');
  try {
    await migrateDatabase(url);
    await admin.query(
      `INSERT INTO ${DATABASE}.recruitment_processes (name, organization_id) VALUES ('w', 1)`,
    );
    for (let i = 0; i < 4; i++)
      await admin.query(
        `INSERT INTO ${DATABASE}.interviews (workflow_id, title, candidate_id, recruiter_id, organization_id) VALUES (1, 'i', 1, 1, 1)`,
      );
    // as the service's pool (src/database/data-source-options.ts)
    const connections = await Promise.all(
      Array.from({ length: CONNECTIONS }, () =>
        mysql.createConnection({
          host: url.hostname,
          port: Number(url.port || 3306),
          user: decodeURIComponent(url.username) || 'root',
          password: decodeURIComponent(url.password),
          database: DATABASE,
          charset: 'utf8mb4_unicode_ci',
          timezone: 'Z',
          dateStrings: true,
          supportBigNumbers: true,
        }),
      ),
    );
    const tids = await serverThreadIds(connections);
    const each = (prepared, count) =>
      Promise.all(
        connections.map(async (conn) => {
          for (let n = 0; n < count; n++) await transaction(conn, prepared, n);
        }),
      );
    // warm-up: the statements prepared, the code compiled
    await each(false, 50);
    await each(true, 50);
    const results = { text: { server: [], client: [] }, prepared: { server: [], client: [] } };
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of round % 2 ? ['prepared', 'text'] : ['text', 'prepared']) {
        const serverBefore = threadsCpuMs(serverPid, tids) * 1e6;
        const clientBefore = process.cpuUsage();
        await each(variant === 'prepared', TRANSACTIONS);
        const client = process.cpuUsage(clientBefore);
        const server = threadsCpuMs(serverPid, tids) * 1e6 - serverBefore;
        const transactions = TRANSACTIONS * CONNECTIONS;
        results[variant].server.push(server / 1000 / transactions);
        results[variant].client.push((client.user + client.system) / transactions);
        console.error(
          `[ps] round ${round + 1} ${variant}: MariaDB ${results[variant].server.at(-1).toFixed(0)} us, mysql2 ${results[variant].client.at(-1).toFixed(0)} us a transaction`,
        );
      }
    }
    await Promise.all(connections.map((conn) => conn.end()));
    console.log(
      `${ROUTE === 'post' ? 'POST /todos' : 'PATCH /interviews/:id'}'s statements, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${TRANSACTIONS} transactions each; medians`,
    );
    console.log(
      '| variant | MariaDB connection threads, us a transaction | this process (mysql2), us a transaction |\n|---|---:|---:|',
    );
    for (const [variant, r] of Object.entries(results))
      console.log(
        `| ${variant} | ${median(r.server).toFixed(0)} | ${median(r.client).toFixed(0)} |`,
      );
  } finally {
    await dropDatabase(admin, DATABASE);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
