'use strict';
// npm run bench:cascade: DELETE /workflows/:id against the same deletion as one raw SQL
// transaction on a mysql2 connection, feature-matched (the same statements the service issues,
// in the same order: the lock, the deletion record, the workflow's and every kind's UPDATE with
// their version bumps, the record's counts, the outbox INSERT of the two events, the commit), for
// workflows of 100 / 1,000 / 10,000 / 100,000 children, on a fresh MariaDB database seeded with
// set-based SQL. Each side deletes its own workflows, alternately, several times per size: the
// medians are compared. The raw side's statements are timed one by one, to show where the time
// of a delete goes; the service's whole request (HTTP, token, hooks, answer) is timed from here.
const { execFileSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const os = require('node:os');
const jwt = require('jsonwebtoken');
const mysql = require('mysql2/promise');
const {
  benchServiceEnv,
  createDatabase,
  dropDatabase,
  freePort,
  median,
  processCpuMs,
  startServer,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
} = require('./processes');
const { isStale } = require('../scripts/build-if-stale');

const ROOT = join(__dirname, '..');
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
/** Children per workflow, and how many deletes each side runs of that size. */
const SIZES = (process.env.CASCADE_SIZES || '100:9,1000:9,10000:5,100000:3')
  .split(',')
  .map((pair) => pair.split(':').map(Number));
/**
 * Workflows already in the organization, each with ten interviews and ten todos (npm run bench's
 * proportions): the cascade's statements must not depend on how many rows the organization has.
 */
const BACKGROUND = Number(process.env.CASCADE_BACKGROUND ?? 10_000);
const JWT_SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;
const log = (...args) => console.error('[cascade]', ...args);

/** `count` workflows named `name`, each with `children` rows: half interviews, half todos. */
async function seedWorkflows(db, name, count, children) {
  await db.query(
    `INSERT INTO recruitment_processes (organization_id, name, status, created_by, created_at, updated_at)
     SELECT 1, ?, 'active', 1, NOW(6), NOW(6) FROM seq_1_to_${count}`,
    [name],
  );
  const half = children / 2;
  const workflows = `(SELECT id FROM recruitment_processes WHERE organization_id = 1 AND name = ?) w`;
  await db.query(
    `INSERT INTO interviews (organization_id, title, candidate_id, recruiter_id, status, workflow_id, created_at, updated_at)
     SELECT 1, CONCAT('Interview ', s.seq), s.seq, 1, 'scheduled', w.id, NOW(6), NOW(6)
       FROM ${workflows} CROSS JOIN seq_1_to_${half} s`,
    [name],
  );
  await db.query(
    `INSERT INTO todos (organization_id, title, owner_id, status, workflow_id, created_at, updated_at)
     SELECT 1, CONCAT('Todo ', s.seq), 1, 'pending', w.id, NOW(6), NOW(6)
       FROM ${workflows} CROSS JOIN seq_1_to_${half} s`,
    [name],
  );
  const [rows] = await db.query(
    'SELECT id FROM recruitment_processes WHERE organization_id = 1 AND name = ? ORDER BY id',
    [name],
  );
  return rows.map((row) => row.id);
}

const now = () => process.hrtime.bigint();
const ms = (from, to = now()) => Number(to - from) / 1e6;
const stamp = (date) => date.toISOString().slice(0, 23).replace('T', ' ');

/** The service's DELETE, timed from here (the request, the transaction, the answer). */
async function serviceDelete(base, id) {
  const started = now();
  const res = await fetch(`${base}/workflows/${id}`, {
    method: 'DELETE',
    headers: { authorization: AUTHORIZATION },
  });
  const body = await res.json();
  const total = ms(started);
  if (res.status !== 200)
    throw new Error(`DELETE /workflows/${id}: ${res.status} ${JSON.stringify(body)}`);
  return { total, cascaded: body.cascaded.interviews + body.cascaded.todos };
}

/**
 * The same deletion by hand, statement for statement what the service sends (docs/performance.md,
 * "Small cascades"), each statement timed.
 */
async function rawDelete(db, id) {
  const steps = {};
  let mark = now();
  const step = async (name, sql, params) => {
    const [result] = await db.query(sql, params);
    const t = now();
    steps[name] = ms(mark, t);
    mark = t;
    return result;
  };
  const started = mark;
  const at = new Date();
  await step('START TRANSACTION', 'START TRANSACTION');
  const [workflow] = await step(
    'SELECT ... FOR UPDATE (the workflow)',
    'SELECT id, name, description, status, created_by, created_at, updated_at, is_deleted, deleted_at, deleted_by, deletion_id, version FROM recruitment_processes WHERE organization_id = ? AND id = ? AND is_deleted = 0 FOR UPDATE',
    [1, id],
  );
  const record = await step(
    'INSERT INTO deletions',
    'INSERT INTO deletions (organization_id, resource, ids, reason, counts, deleted_at, deleted_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [1, 'workflows', JSON.stringify([id]), null, JSON.stringify({ workflows: 1 }), stamp(at), 1],
  );
  const deletionId = record.insertId;
  await step(
    'UPDATE the workflow',
    'UPDATE recruitment_processes SET is_deleted = 1, deleted_at = ?, deleted_by = ?, updated_at = ?, deletion_id = ?, version = version + 1 WHERE organization_id = ? AND id IN (?) AND is_deleted = 0',
    [stamp(at), 1, stamp(at), deletionId, 1, id],
  );
  const counts = { workflows: 1 };
  for (const table of ['interviews', 'todos']) {
    const result = await step(
      `UPDATE ${table}`,
      `UPDATE ${table} SET is_deleted = 1, deleted_at = ?, deleted_by = ?, updated_at = ?, deletion_id = ?, version = version + 1 WHERE organization_id = ? AND workflow_id IN (?) AND is_deleted = 0`,
      [stamp(at), 1, stamp(at), deletionId, 1, id],
    );
    counts[table] = result.affectedRows;
  }
  await step(
    'UPDATE deletions (counts)',
    'UPDATE deletions SET counts = ? WHERE organization_id = ? AND id = ?',
    [JSON.stringify(counts), 1, deletionId],
  );
  // the two events the service records: the deletion (its counts) and the workflow as deleted
  const deleted = {
    ...workflow,
    isDeleted: true,
    deletedAt: at,
    deletedBy: 1,
    cascaded: counts,
    deletionId,
  };
  await step(
    'INSERT INTO outbox_events',
    'INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)',
    [
      ...[1, 'deletion.created', 1, stamp(at), JSON.stringify({ id: deletionId, counts })],
      ...[1, 'workflow.deleted', 1, stamp(at), JSON.stringify(deleted)],
    ],
  );
  await step('COMMIT', 'COMMIT');
  return { total: ms(started), steps, cascaded: counts.interviews + counts.todos };
}

async function main() {
  if (isStale()) {
    log('building the service (nest build)');
    execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const name = uniqueDatabaseName('cascade');
  const { admin, url } = await createDatabase(SERVER, name);
  const port = await freePort();
  let app;
  let db;
  try {
    log(`starting the service on ${name} (applies the migrations)`);
    app = startServer({
      label: 'the service',
      script: 'dist/src/main.js',
      cwd: ROOT,
      env: benchServiceEnv(
        { databaseUrl: url, port, jwtSecret: JWT_SECRET },
        { LOG_LEVEL: 'warn' },
      ),
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForServer(`${base}/health`, app, 'the service');
    db = await mysql.createConnection({
      host: SERVER.hostname,
      port: Number(SERVER.port || 3306),
      user: decodeURIComponent(SERVER.username) || 'root',
      password: decodeURIComponent(SERVER.password),
      database: name,
      dateStrings: true,
    });
    const results = await whileRunning([app], () => measure(db, base, app.child.pid));
    const [[{ v: version }]] = await db.query('SELECT VERSION() AS v');
    write(results, version);
  } finally {
    await db?.end();
    await app?.stop();
    await dropDatabase(admin, name);
  }
}

/** The service's CPU per request over `n` sequential requests (enough ticks to be precise). */
async function cpuPerRequest(pid, n, request) {
  const before = processCpuMs(pid);
  for (let i = 0; i < n; i++) await request(i);
  return (processCpuMs(pid) - before) / n;
}

/** The organization's other rows, set-based, before the measured workflows (which come last). */
async function seedBackground(db) {
  if (BACKGROUND === 0) return;
  log(`seeding ${BACKGROUND} workflows with 10 interviews and 10 todos each`);
  await db.query(
    `INSERT INTO recruitment_processes (organization_id, name, status, created_by, created_at, updated_at)
     SELECT 1, CONCAT('Workflow ', seq), 'active', 1, NOW(6), NOW(6) FROM seq_1_to_${BACKGROUND}`,
  );
  const workflowOf = '1 + (seq - 1) DIV 10';
  await db.query(
    `INSERT INTO interviews (organization_id, title, candidate_id, recruiter_id, status, workflow_id, created_at, updated_at)
     SELECT 1, CONCAT('Interview ', seq), seq, 1, 'scheduled', ${workflowOf}, NOW(6), NOW(6) FROM seq_1_to_${BACKGROUND * 10}`,
  );
  await db.query(
    `INSERT INTO todos (organization_id, title, owner_id, status, workflow_id, created_at, updated_at)
     SELECT 1, CONCAT('Todo ', seq), 1, 'pending', ${workflowOf}, NOW(6), NOW(6) FROM seq_1_to_${BACKGROUND * 10}`,
  );
  await db.query('ANALYZE TABLE recruitment_processes, interviews, todos');
}

async function measure(db, base, pid) {
  await seedBackground(db);
  // warm both paths (the service's first DELETE compiles its code; the pool opens connections)
  const [a, b] = await seedWorkflows(db, 'warm-up', 2, 100);
  for (let i = 0; i < 3; i++) {
    await serviceDelete(base, a);
    await fetch(`${base}/workflows/${a}/restore`, {
      method: 'POST',
      headers: { authorization: AUTHORIZATION },
    });
  }
  await rawDelete(db, b);
  const results = [];
  for (const [children, repeats] of SIZES) {
    log(`${children} children: seeding ${2 * repeats} workflows`);
    const seeded = now();
    const ids = await seedWorkflows(db, `cascade ${children}`, 2 * repeats, children);
    await db.query('ANALYZE TABLE recruitment_processes, interviews, todos');
    log(`seeded in ${ms(seeded).toFixed(0)} ms; deleting`);
    const service = [];
    const raw = [];
    for (let i = 0; i < repeats; i++) {
      // alternate which side goes first, so that neither always follows the other's commit
      const runs = [
        async () => service.push(await serviceDelete(base, ids[2 * i])),
        async () => raw.push(await rawDelete(db, ids[2 * i + 1])),
      ];
      if (i % 2 === 1) runs.reverse();
      for (const run of runs) await run();
    }
    for (const r of [...service, ...raw]) {
      if (r.cascaded !== children) throw new Error(`cascaded ${r.cascaded}, expected ${children}`);
    }
    const steps = Object.fromEntries(
      Object.keys(raw[0].steps).map((step) => [step, median(raw.map((r) => r.steps[step]))]),
    );
    results.push({
      children,
      repeats,
      service: median(service.map((r) => r.total)),
      raw: median(raw.map((r) => r.total)),
      steps,
    });
    log(
      `${children}: service ${results.at(-1).service.toFixed(1)} ms, raw ${results.at(-1).raw.toFixed(1)} ms`,
    );
  }
  // the cost of any request to the service, as a reference: GET /workflows/:id (one SELECT)
  const [probe] = await seedWorkflows(db, 'probe', 1, 2);
  const gets = [];
  for (let i = 0; i < 30; i++) {
    const started = now();
    const res = await fetch(`${base}/workflows/${probe}`, {
      headers: { authorization: AUTHORIZATION },
    });
    await res.arrayBuffer();
    gets.push(ms(started));
  }
  // what the service's process spends per request, whatever the load of the machine
  const CPU_RUNS = 300;
  const small = await seedWorkflows(db, 'cpu', CPU_RUNS, 2);
  const deleteCpu = await cpuPerRequest(pid, CPU_RUNS, (i) => serviceDelete(base, small[i]));
  const getCpu = await cpuPerRequest(pid, CPU_RUNS, async () => {
    const res = await fetch(`${base}/workflows/${probe}`, {
      headers: { authorization: AUTHORIZATION },
    });
    await res.arrayBuffer();
  });
  return { results, get: median(gets), deleteCpu, getCpu, cpuRuns: CPU_RUNS };
}

function write({ results, get, deleteCpu, getCpu, cpuRuns }, version) {
  const machine = `${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, MariaDB ${version}`;
  const f = (n) => n.toFixed(1);
  const stepNames = Object.keys(results[0].steps);
  const lines = [
    `Machine: ${machine}`,
    `Command: npm run bench:cascade (CASCADE_SIZES=${SIZES.map((s) => s.join(':')).join(',')}: children:deletes per side; CASCADE_BACKGROUND=${BACKGROUND} workflows with 10 interviews and 10 todos each seeded first); medians; the service and the raw transaction alternate, each on its own workflows.`,
    '',
    '| children | service DELETE ms | raw feature-matched transaction ms | ratio | service - raw ms |',
    '|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.children} | ${f(r.service)} | ${f(r.raw)} | ${(r.service / r.raw).toFixed(2)} | ${f(r.service - r.raw)} |`,
    ),
    '',
    `The raw transaction's statements, median ms each (a GET /workflows/:id of the service, one SELECT, took ${f(get)} ms from the same client):`,
    '',
    `| statement | ${results.map((r) => `${r.children}`).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
    ...stepNames.map((step) => `| ${step} | ${results.map((r) => f(r.steps[step])).join(' | ')} |`),
    '',
    `The service's own CPU (its process's user + system time over ${cpuRuns} sequential requests): DELETE /workflows/:id of a workflow with 2 children ${deleteCpu.toFixed(2)} ms per request, GET /workflows/:id ${getCpu.toFixed(2)} ms per request.`,
  ];
  const report = lines.join('\n');
  console.log(report);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'cascade.md'), `${report}\n`);
}

module.exports = { JWT_SECRET, rawDelete, seedBackground, seedWorkflows, serviceDelete };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
