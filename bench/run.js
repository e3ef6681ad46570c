'use strict';
// npm run bench: the service against a raw node:http + mysql2 baseline, in one run, on one
// fresh MariaDB database seeded with 10,000 workflows, 100,000 interviews and 100,000 todos.
// BENCH_DB=sqlite: the same on the embedded SQLite default, against better-sqlite3 (sqlite.js).
if (process.env.BENCH_DB === 'sqlite') {
  require('./sqlite')
    .main()
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
  return;
}
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const jwt = require('jsonwebtoken');
const os = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const mysql = require('mysql2/promise');
const {
  freePort,
  startServer,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
  withTimeout,
} = require('./processes');
const { isStale } = require('../scripts/build-if-stale');

const ROOT = join(__dirname, '..');
const SERVER = process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test';
const DURATION = Number(process.env.BENCH_DURATION || 10);
const WARMUP = Number(process.env.BENCH_WARMUP || 3);
const CONNECTIONS = 50;
// the whole run, and each autocannon run, are bounded: a stuck server fails the bench
const RUN_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S || 1800) * 1000;
const log = (...args) => console.error('[bench]', ...args);
// both servers verify this HS256 token on every request; its organization (the seeded rows' 1)
// scopes every statement on both sides
const JWT_SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;

function serverConfig(database) {
  const url = new URL(SERVER);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
    multipleStatements: false,
    dateStrings: true,
  };
}

function urlFor(database) {
  const url = new URL(SERVER);
  url.pathname = `/${database}`;
  return url.toString();
}

async function seed(db) {
  log('seeding 10,000 workflows, 100,000 interviews, 100,000 todos');
  const started = Date.now();
  await db.query(
    "INSERT INTO recruitment_processes (name, description, status, created_by, created_at, updated_at) SELECT CONCAT('Workflow ', seq), 'Seeded', ELT(1 + seq % 4, 'draft', 'active', 'closed', 'archived'), 1 + seq % 50, NOW(6), NOW(6) FROM seq_1_to_10000",
  );
  // workflows 1..20 get 1,000 interviews and 1,000 todos each; the rest spread over 21..10000
  const workflowOf = 'IF(seq <= 20000, 1 + (seq - 1) DIV 1000, 21 + seq % 9980)';
  await db.query(
    `INSERT INTO interviews (title, candidate_id, recruiter_id, status, workflow_id, created_at, updated_at) SELECT CONCAT('Interview ', seq), seq, 1 + seq % 100, ELT(1 + seq % 4, 'scheduled', 'completed', 'cancelled', 'no_show'), ${workflowOf}, NOW(6), NOW(6) FROM seq_1_to_100000`,
  );
  await db.query(
    `INSERT INTO todos (title, owner_id, status, workflow_id, created_at, updated_at) SELECT CONCAT('Todo ', seq), 1 + seq % 500, ELT(1 + seq % 4, 'pending', 'in_progress', 'completed', 'cancelled'), ${workflowOf}, NOW(6), NOW(6) FROM seq_1_to_100000`,
  );
  await db.query('ANALYZE TABLE recruitment_processes, interviews, todos');
  log(`seeded in ${Date.now() - started} ms`);
}

/** A workflow with `children` linked rows, half interviews, half todos. */
async function workflowWithChildren(db, children) {
  const [w] = await db.query(
    "INSERT INTO recruitment_processes (name, created_at, updated_at) VALUES ('cascade', NOW(6), NOW(6))",
  );
  const id = w.insertId;
  const half = children / 2;
  await db.query(
    `INSERT INTO interviews (title, candidate_id, recruiter_id, workflow_id, created_at, updated_at) SELECT 'c', seq, 1, ?, NOW(6), NOW(6) FROM seq_1_to_${half}`,
    [id],
  );
  await db.query(
    `INSERT INTO todos (title, owner_id, workflow_id, created_at, updated_at) SELECT 'c', 1, ?, NOW(6), NOW(6) FROM seq_1_to_${half}`,
    [id],
  );
  return id;
}

async function questions(db) {
  const [[row]] = await db.query("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number(row.Value);
}

function buildApp() {
  if (isStale()) {
    log('building the service (nest build)');
    execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
}

/** The service or the baseline, each in a process of its own (the load generator has this one). */
function startProcess(label, script, databaseUrl, port) {
  const server = startServer({
    label,
    script,
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      JWT_SECRET,
      // the load comes from one address: rate limiting would measure itself
      RATE_LIMIT_PER_MINUTE: '0',
    },
  });
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      const kb = Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))[1],
      );
      peak = Math.max(peak, kb);
    } catch {
      /* exited */
    }
  }, 200);
  return {
    ...server,
    peakRssMb: () => Math.round(peak / 1024),
    stop: () => {
      clearInterval(sampler);
      return server.stop();
    },
  };
}

function cannon(url, requests, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        requests,
        headers: { authorization: AUTHORIZATION },
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const randomId = (max) => 1 + Math.floor(Math.random() * max);

/** The benchmarked routes: a name, and the autocannon request list. */
function routes(deepCursor) {
  return [
    [
      'GET /workflows/:id',
      [{ setupRequest: (r) => ({ ...r, method: 'GET', path: `/workflows/${randomId(10000)}` }) }],
    ],
    ['GET /workflows?limit=20', [{ method: 'GET', path: '/workflows?limit=20' }]],
    [
      'GET /workflows?limit=20&cursor=(deep)',
      [{ method: 'GET', path: `/workflows?limit=20&cursor=${deepCursor}` }],
    ],
    [
      'GET /workflows/:id?include=interviews,todos',
      [
        {
          setupRequest: (r) => ({
            ...r,
            method: 'GET',
            path: `/workflows/${20 + randomId(9980)}?include=interviews,todos`,
          }),
        },
      ],
    ],
    [
      'POST /todos',
      [
        {
          setupRequest: (r) => ({
            ...r,
            method: 'POST',
            path: '/todos',
            headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
            body: JSON.stringify({
              title: 'Bench todo',
              ownerId: 7,
              workflowId: 20 + randomId(9980),
            }),
          }),
        },
      ],
    ],
    [
      'PATCH /interviews/:id',
      [
        {
          setupRequest: (r) => ({
            ...r,
            method: 'PATCH',
            path: `/interviews/${20000 + randomId(80000)}`,
            headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
            body: JSON.stringify({
              status: ['scheduled', 'completed', 'cancelled'][randomId(3) - 1],
            }),
          }),
        },
      ],
    ],
  ];
}

async function measure(db, base, requests) {
  await cannon(base, requests, WARMUP);
  const before = await questions(db);
  const result = await cannon(base, requests, DURATION);
  const after = await questions(db);
  const total = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
    statements: total > 0 ? (after - before - 1) / total : NaN,
  };
}

async function timed(work) {
  const started = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

async function main() {
  const database = uniqueDatabaseName('bench');
  const appPort = await freePort();
  const basePort = await freePort();
  const admin = await mysql.createConnection(serverConfig(undefined));
  await admin.query(
    `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  let app;
  let baseline;
  const db = await mysql.createConnection(serverConfig(database));
  try {
    buildApp();
    log(`starting the service on ${database} (applies the migrations)`);
    app = startProcess('the service', 'dist/src/main.js', urlFor(database), appPort);
    await waitForServer(`http://127.0.0.1:${appPort}/health`, app, 'the service');
    await whileRunning([app], () => seed(db));
    baseline = startProcess('the baseline', 'bench/baseline-server.js', urlFor(database), basePort);
    await waitForServer(`http://127.0.0.1:${basePort}/nothing`, baseline, 'the baseline');
    await whileRunning([app, baseline], () =>
      withTimeout(measureAll(), RUN_TIMEOUT_MS, 'the measurements'),
    );
  } finally {
    if (baseline) await baseline.stop();
    if (app) await app.stop();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  }

  async function measureAll() {
    const deepCursor = Buffer.from('id:9000').toString('base64url');

    const rows = [];
    for (const [route, requests] of routes(deepCursor)) {
      log(`${route}: baseline`);
      const b = await measure(db, `http://127.0.0.1:${basePort}`, requests);
      log(`${route}: service`);
      const a = await measure(db, `http://127.0.0.1:${appPort}`, requests);
      rows.push({ route, b, a });
    }

    const cascades = [];
    for (const children of [1_000, 10_000, 100_000]) {
      log(`cascade of ${children} children`);
      const viaApp = await workflowWithChildren(db, children);
      const viaSql = await workflowWithChildren(db, children);
      // let the last load test's connections go quiet: the status counter is server-wide
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const before = await questions(db);
      const appRun = await timed(() =>
        fetch(`http://127.0.0.1:${appPort}/workflows/${viaApp}`, {
          method: 'DELETE',
          headers: { authorization: AUTHORIZATION },
        }).then((r) => r.json()),
      );
      const after = await questions(db);
      const cascaded = appRun.result.cascaded.interviews + appRun.result.cascaded.todos;
      // the same deletion by hand: the record, the workflow, one UPDATE per kind, the counts
      let sqlDeletion;
      const sqlRun = await timed(async () => {
        const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
        await db.query('START TRANSACTION');
        const [record] = await db.query(
          "INSERT INTO deletions (organization_id, resource, ids, counts, deleted_at, deleted_by) VALUES (1, 'workflows', ?, '{}', ?, 1)",
          [JSON.stringify([viaSql]), now],
        );
        sqlDeletion = record.insertId;
        await db.query(
          'UPDATE recruitment_processes SET is_deleted = 1, deleted_at = ?, deleted_by = 1, updated_at = ?, deletion_id = ? WHERE organization_id = 1 AND id = ? AND is_deleted = 0',
          [now, now, sqlDeletion, viaSql],
        );
        const counts = { workflows: 1 };
        for (const table of ['interviews', 'todos']) {
          const [result] = await db.query(
            `UPDATE ${table} SET is_deleted = 1, deleted_at = ?, deleted_by = 1, updated_at = ?, deletion_id = ? WHERE organization_id = 1 AND workflow_id = ? AND is_deleted = 0`,
            [now, now, sqlDeletion, viaSql],
          );
          counts[table] = result.affectedRows;
        }
        await db.query('UPDATE deletions SET counts = ? WHERE organization_id = 1 AND id = ?', [
          JSON.stringify(counts),
          sqlDeletion,
        ]);
        await db.query('COMMIT');
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const beforeRestore = await questions(db);
      const appRestore = await timed(() =>
        fetch(`http://127.0.0.1:${appPort}/deletions/${appRun.result.deletionId}/restore`, {
          method: 'POST',
          headers: { authorization: AUTHORIZATION },
        }).then((r) => r.json()),
      );
      const afterRestore = await questions(db);
      const restored = appRestore.result.restored.interviews + appRestore.result.restored.todos;
      // the same restore by hand: lock the record, one UPDATE per table, mark the record
      const sqlRestore = await timed(async () => {
        const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
        await db.query('START TRANSACTION');
        await db.query('SELECT id FROM deletions WHERE organization_id = 1 AND id = ? FOR UPDATE', [
          sqlDeletion,
        ]);
        for (const table of ['recruitment_processes', 'interviews', 'todos']) {
          await db.query(
            `UPDATE ${table} SET is_deleted = 0, deleted_at = NULL, deleted_by = NULL, updated_at = ?, deletion_id = NULL WHERE organization_id = 1 AND deletion_id = ? AND is_deleted = 1`,
            [now, sqlDeletion],
          );
        }
        await db.query(
          'UPDATE deletions SET restored_at = ?, restored_by = 1 WHERE organization_id = 1 AND id = ?',
          [now, sqlDeletion],
        );
        await db.query('COMMIT');
      });
      cascades.push({
        children,
        cascaded,
        appMs: appRun.ms,
        sqlMs: sqlRun.ms,
        statements: after - before - 1,
        restored,
        restoreAppMs: appRestore.ms,
        restoreSqlMs: sqlRestore.ms,
        restoreStatements: afterRestore - beforeRestore - 1,
      });
    }

    const mysqlVersion = (await db.query('SELECT VERSION() AS v'))[0][0].v;
    const machine = `${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, MariaDB ${mysqlVersion}`;
    const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
    const lines = [
      `Machine: ${machine}`,
      `Load: autocannon (in the runner's process; service and baseline each in its own), ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${DURATION} s measured, baseline first then service; statements = MariaDB 'Questions' delta / requests; peak RSS of the service process.`,
      '',
      '| route | baseline req/s | service req/s | ratio | service p50 / p99 ms | baseline p50 / p99 ms | statements/request service (baseline) | non-2xx |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        ({ route, a, b }) =>
          `| ${route} | ${fmt(b.rps)} | ${fmt(a.rps)} | ${fmt(a.rps / b.rps, 2)} | ${a.p50} / ${a.p99} | ${b.p50} / ${b.p99} | ${fmt(a.statements, 2)} (${fmt(b.statements, 2)}) | ${a.non2xx} / ${b.non2xx} |`,
      ),
      '',
      `Peak RSS: service ${app.peakRssMb()} MiB, baseline ${baseline.peakRssMb()} MiB`,
      '',
      '| cascade: linked children | service DELETE ms | one raw SQL transaction ms | ratio | statements issued by the service |',
      '|---:|---:|---:|---:|---:|',
      ...cascades.map(
        (c) =>
          `| ${c.children} (cascaded ${c.cascaded}) | ${fmt(c.appMs, 1)} | ${fmt(c.sqlMs, 1)} | ${fmt(c.appMs / c.sqlMs, 2)} | ${c.statements} |`,
      ),
      '',
      '| restore by deletion: linked children | service POST /deletions/:id/restore ms | one raw SQL transaction ms | ratio | statements issued by the service |',
      '|---:|---:|---:|---:|---:|',
      ...cascades.map(
        (c) =>
          `| ${c.children} (restored ${c.restored}) | ${fmt(c.restoreAppMs, 1)} | ${fmt(c.restoreSqlMs, 1)} | ${fmt(c.restoreAppMs / c.restoreSqlMs, 2)} | ${c.restoreStatements} |`,
      ),
    ];
    const report = lines.join('\n');
    console.log(report);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'latest.md'), `${report}\n`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
