'use strict';
// npm run bench: the service against two raw node:http + mysql2 baselines, in one run, on one
// fresh MariaDB database seeded with 10,000 workflows, 100,000 interviews and 100,000 todos: the
// feature-matched baseline (bench/baseline-server.js: the same token check, security headers,
// request id and log line) and the bare floor (bench/bare-server.js: none of them). Then what
// the optional features cost on the service (Idempotency-Key, If-Match), and the cascades.
// Before any load it checks that the feature-matched baseline answers what the service answers
// (compareAnswers: status, headers, ETags, bodies, and the rows and outbox events of a POST and a
// PATCH), so that a change to either shows up as a failed run rather than as a ratio.
// BENCH_CASCADE_SIZES (default 1000:31,10000:3,100000:1): children per workflow, deletes per side.
//
// The pieces a run is made of are tables and functions, so that another database or server
// is one more entry: SERVERS and COMPARED (the service and each baseline), routes() (the rows),
// features() (pairs of routes on the service), DATABASES (BENCH_DB).
// BENCH_DB=sqlite: the embedded SQLite default against better-sqlite3 (bench/sqlite.js).
if (process.env.BENCH_DB === 'sqlite' && require.main === module) {
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
const { randomBytes, randomUUID } = require('node:crypto');
const jwt = require('jsonwebtoken');
const os = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const mysql = require('mysql2/promise');
const {
  freePort,
  median,
  perRoundRatio,
  quartiles,
  processCpuMs,
  databaseServerPid,
  startServer,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
  withTimeout,
  benchServiceEnv,
} = require('./processes');
const { isStale } = require('../scripts/build-if-stale');
const { encodeCursor } = require('./baseline-common');
const { rawDelete } = require('./cascade');
const { todoPatches } = require('./todo-patches');

const ROOT = join(__dirname, '..');
const SERVER = process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test';
const DURATION = Number(process.env.BENCH_DURATION || 5);
const WARMUP = Number(process.env.BENCH_WARMUP || 2);
// each route (and feature pair) is measured ROUNDS times on each server, the servers' order
// rotating from round to round so that a drift of the shared machine's load does not always
// fall on the same one; the tables show the medians
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const CONNECTIONS = 50;
/** Children per workflow of the cascades, and how many deletes each side runs of that size. */
const CASCADE_SIZES = (process.env.BENCH_CASCADE_SIZES || '1000:31,10000:3,100000:1')
  .split(',')
  .map((pair) => pair.split(':').map(Number));
const BENCH_DB = process.env.BENCH_DB || 'mariadb';
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
    env: benchServiceEnv({ databaseUrl, port, jwtSecret: JWT_SECRET }),
  });
  const rssKb = () => {
    try {
      return Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))[1],
      );
    } catch {
      return 0; // exited
    }
  };
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb())), 200);
  return {
    ...server,
    label,
    cpuMs: () => processCpuMs(server.child.pid),
    rssMb: () => Math.round(rssKb() / 1024),
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

/** An autocannon request list of one request, `make` giving each request's method, path... */
const each = (make) => [{ setupRequest: (r) => ({ ...r, ...make() }) }];
const json = (body) => ({
  headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
  body: JSON.stringify(body),
});
/** Todos the run seeds (ids 1..100,000), which the If-Match pair PATCHes (bench/todo-patches.js). */
const SEEDED_TODOS = 100_000;

/** The servers of a run: what starts each, and the path that answers once it is ready. */
const SERVERS = {
  service: { label: 'the service', script: 'dist/src/main.js', ready: '/health' },
  matched: {
    label: 'the feature-matched baseline',
    script: 'bench/baseline-server.js',
    ready: '/nothing',
  },
  bare: { label: 'the bare floor', script: 'bench/bare-server.js', ready: '/nothing' },
};
/** Every route of the table runs on these, in this order. */
const COMPARED = ['bare', 'matched', 'service'];

/** The table's routes: a name, and the autocannon request list. */
function routes(deepCursor) {
  return [
    ['GET /workflows/:id', each(() => ({ method: 'GET', path: `/workflows/${randomId(10000)}` }))],
    ['GET /workflows?limit=20', [{ method: 'GET', path: '/workflows?limit=20' }]],
    [
      'GET /workflows?limit=20&cursor=(deep)',
      [{ method: 'GET', path: `/workflows?limit=20&cursor=${deepCursor}` }],
    ],
    [
      'GET /workflows/:id?include=interviews,todos',
      each(() => ({
        method: 'GET',
        path: `/workflows/${20 + randomId(9980)}?include=interviews,todos`,
      })),
    ],
    [
      'POST /todos',
      each(() => ({
        method: 'POST',
        path: '/todos',
        ...json({ title: 'Bench todo', ownerId: 7, workflowId: 20 + randomId(9980) }),
      })),
    ],
    [
      'PATCH /interviews/:id',
      each(() => ({
        method: 'PATCH',
        path: `/interviews/${20000 + randomId(80000)}`,
        ...json({ status: ['scheduled', 'completed', 'cancelled'][randomId(3) - 1] }),
      })),
    ],
  ];
}

/**
 * What an optional feature costs on the routes it touches: the same route on the service
 * without it and with it, one right after the other. (Deletion records are in the cascade
 * table: the raw transaction with and without its record.)
 */
function features() {
  const post = () => ({
    method: 'POST',
    path: '/todos',
    ...json({ title: 'Bench todo', ownerId: 7, workflowId: 20 + randomId(9980) }),
  });
  const patch = (id) => ({
    method: 'PATCH',
    path: `/todos/${id}`,
    ...json({ status: 'in_progress' }),
  });
  // the todos PATCHed without and with If-Match (bench/todo-patches.js)
  const patches = todoPatches(SEEDED_TODOS, patch);
  return [
    {
      feature: 'Idempotency-Key (a new key a request)',
      plain: ['POST /todos', each(post)],
      featured: [
        'POST /todos, Idempotency-Key',
        each(() => {
          const request = post();
          request.headers = { ...request.headers, 'idempotency-key': randomUUID() };
          return request;
        }),
      ],
    },
    {
      feature: 'If-Match (ETag checked under the row lock)',
      plain: ['PATCH /todos/:id', patches.plain],
      featured: ['PATCH /todos/:id, If-Match', patches.matched],
    },
  ];
}

async function timed(work) {
  const started = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

/**
 * The database of a run (BENCH_DB): creates and seeds it, counts the statements it has answered,
 * builds a workflow with children, runs the raw SQL cascade and restore, and drops it. Another
 * database is another entry with the same functions.
 */
const DATABASES = {
  async mariadb() {
    const database = uniqueDatabaseName('bench');
    const admin = await mysql.createConnection(serverConfig(undefined));
    await admin.query(
      `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const db = await mysql.createConnection(serverConfig(database));
    const serverPid = await databaseServerPid(db);
    return {
      name: database,
      url: urlFor(database),
      seed: () => seed(db),
      // on a connection of its own: reading it must not warm the raw transactions' connection
      // just before the one it counts (see counted())
      statements: () => questions(admin),
      query: (sql, params) => db.query(sql, params),
      /** The database server's CPU time so far (ms), when it runs on this machine; else NaN. */
      cpuMs: () => (serverPid ? processCpuMs(serverPid) : NaN),
      version: async () => `MariaDB ${(await db.query('SELECT VERSION() AS v'))[0][0].v}`,
      workflowWithChildren: (children) => workflowWithChildren(db, children),
      cascade: (id, options) => rawCascade(db, id, options),
      matchedCascade: (id) => rawDelete(db, id),
      restore: (deletionId) => rawRestore(db, deletionId),
      async drop() {
        await db.end();
        await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await admin.end();
      },
    };
  },
};

/** The service's DELETE of a workflow; its answer (the counts, the deletion's id). */
async function serviceDelete(base, id) {
  const res = await fetch(`${base}/workflows/${id}`, {
    method: 'DELETE',
    headers: { authorization: AUTHORIZATION },
  });
  const body = await res.json();
  if (res.status !== 200)
    throw new Error(`DELETE /workflows/${id}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** The service's restore of a deletion; its answer (the counts). */
async function serviceRestore(base, deletionId) {
  const res = await fetch(`${base}/deletions/${deletionId}/restore`, {
    method: 'POST',
    headers: { authorization: AUTHORIZATION },
  });
  const body = await res.json();
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`POST /deletions/${deletionId}/restore: ${res.status} ${JSON.stringify(body)}`);
  }
  return body;
}

/**
 * The service's cascade by hand, one transaction: the deletion's record, the workflow, one
 * UPDATE per kind, the counts; `record: false` leaves the record out (what deletion records
 * cost). The deletion's id, or null.
 */
async function rawCascade(db, id, { record = true } = {}) {
  const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
  await db.query('START TRANSACTION');
  let deletionId = null;
  if (record) {
    const [inserted] = await db.query(
      "INSERT INTO deletions (organization_id, resource, ids, counts, deleted_at, deleted_by) VALUES (1, 'workflows', ?, '{}', ?, 1)",
      [JSON.stringify([id]), now],
    );
    deletionId = inserted.insertId;
  }
  await db.query(
    'UPDATE recruitment_processes SET is_deleted = 1, deleted_at = ?, deleted_by = 1, updated_at = ?, deletion_id = ? WHERE organization_id = 1 AND id = ? AND is_deleted = 0',
    [now, now, deletionId, id],
  );
  const counts = { workflows: 1 };
  for (const table of ['interviews', 'todos']) {
    const [result] = await db.query(
      `UPDATE ${table} SET is_deleted = 1, deleted_at = ?, deleted_by = 1, updated_at = ?, deletion_id = ? WHERE organization_id = 1 AND workflow_id = ? AND is_deleted = 0`,
      [now, now, deletionId, id],
    );
    counts[table] = result.affectedRows;
  }
  if (record) {
    await db.query('UPDATE deletions SET counts = ? WHERE organization_id = 1 AND id = ?', [
      JSON.stringify(counts),
      deletionId,
    ]);
  }
  await db.query('COMMIT');
  return deletionId;
}

/** The restore by hand: lock the record, one UPDATE per table, mark the record. */
async function rawRestore(db, deletionId) {
  const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
  await db.query('START TRANSACTION');
  await db.query('SELECT id FROM deletions WHERE organization_id = 1 AND id = ? FOR UPDATE', [
    deletionId,
  ]);
  for (const table of ['recruitment_processes', 'interviews', 'todos']) {
    await db.query(
      `UPDATE ${table} SET is_deleted = 0, deleted_at = NULL, deleted_by = NULL, updated_at = ?, deletion_id = NULL WHERE organization_id = 1 AND deletion_id = ? AND is_deleted = 1`,
      [now, deletionId],
    );
  }
  await db.query(
    'UPDATE deletions SET restored_at = ?, restored_by = 1 WHERE organization_id = 1 AND id = ?',
    [now, deletionId],
  );
  await db.query('COMMIT');
}

/** A request's answer as text: status, headers (but the date and the request id), body. */
async function answer(base, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body
      ? { 'content-type': 'application/json', authorization: AUTHORIZATION }
      : { authorization: AUTHORIZATION },
    body: body && JSON.stringify(body),
  });
  const skipped = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);
  const headers = [...res.headers].filter(([name]) => !skipped.has(name)).sort();
  return [
    res.status,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    await res.text(),
  ].join('\n');
}

/**
 * The feature-matched baseline must answer what the service answers, and leave the same rows:
 * the four reads compared byte for byte (but the date and the request id), a POST /todos and a
 * PATCH /interviews/:id with the clock and the new row's id aside. Both servers share the run's
 * database, so the interview is put back as it was between the two PATCHes.
 */
async function compareAnswers(database, serviceBase, matchedBase, deepCursor) {
  const clockless = (text) =>
    text
      .replace(/"(createdAt|updatedAt|occurredAt)":"[^"]*"/g, '"$1":"…"')
      .replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?/g, '…');
  const differ = (what, a, b) => {
    const [as, bs] = [a.split('\n'), b.split('\n')];
    const at = as.findIndex((line, k) => line !== bs[k]);
    return new Error(
      `${what}: the feature-matched baseline differs, line ${at + 1}\n  service:  ${as[at]?.slice(0, 800)}\n  baseline: ${bs[at]?.slice(0, 800)}`,
    );
  };
  const reads = [
    '/workflows/25',
    '/workflows?limit=20',
    `/workflows?limit=20&cursor=${deepCursor}`,
    '/workflows/30?include=interviews,todos',
  ];
  for (const path of reads) {
    const [a, b] = [await answer(serviceBase, 'GET', path), await answer(matchedBase, 'GET', path)];
    if (a !== b) throw differ(`GET ${path}`, a, b);
  }
  const lastEvent = async () => {
    const [[row]] = await database.query(
      'SELECT organization_id, type, actor_id, data FROM outbox_events ORDER BY id DESC LIMIT 1',
    );
    const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
    return JSON.stringify({ ...row, data });
  };
  // POST /todos: a new todo on each side, the same but for its id
  const todo = { title: 'Same', ownerId: 7, workflowId: 40 };
  const created = [];
  for (const base of [serviceBase, matchedBase]) {
    const text = await answer(base, 'POST', '/todos', todo);
    const id = /"id":(\d+)/.exec(text)?.[1];
    const [[row]] = await database.query('SELECT * FROM todos WHERE id = ?', [id]);
    const masked = (t) =>
      clockless(t.replaceAll(`/todos/${id}`, '/todos/<id>').replaceAll(`"id":${id}`, '"id":<id>'));
    created.push(
      [
        masked(text),
        masked(JSON.stringify({ ...row, id: '<id>' })),
        masked(await lastEvent()),
      ].join('\n'),
    );
  }
  if (created[0] !== created[1]) throw differ('POST /todos', ...created);
  // PATCH /interviews/20001 from the same row on each side
  const [[before]] = await database.query('SELECT * FROM interviews WHERE id = 20001');
  const patched = [];
  for (const base of [serviceBase, matchedBase]) {
    const text = await answer(base, 'PATCH', '/interviews/20001', { status: 'cancelled' });
    const [[row]] = await database.query('SELECT * FROM interviews WHERE id = 20001');
    patched.push(
      [clockless(text), clockless(JSON.stringify(row)), clockless(await lastEvent())].join('\n'),
    );
    const columns = Object.keys(before);
    await database.query(
      `UPDATE interviews SET ${columns.map((c) => `\`${c}\` = ?`).join(', ')} WHERE id = 20001`,
      columns.map((c) => before[c]),
    );
  }
  if (patched[0] !== patched[1]) throw differ('PATCH /interviews/20001', ...patched);
  log('the feature-matched baseline answers as the service does (4 reads, POST, PATCH)');
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  if (!DATABASES[BENCH_DB]) {
    throw new Error(`BENCH_DB=${BENCH_DB}: one of ${Object.keys(DATABASES).join(', ')}`);
  }
  buildApp();
  const database = await DATABASES[BENCH_DB]();
  const running = {};
  try {
    /** Starts one of SERVERS on a free port: its process, base URL and idle RSS once ready. */
    const start = async (key) => {
      const { label, script, ready } = SERVERS[key];
      const port = await freePort();
      const server = startProcess(label, script, database.url, port);
      running[key] = server;
      const base = `http://127.0.0.1:${port}`;
      await waitForServer(`${base}${ready}`, server, label);
      await pause(1000);
      return { ...server, base, idleRssMb: server.rssMb() };
    };
    log(`starting the service on ${database.name} (applies the migrations)`);
    const servers = { service: await start('service') };
    await whileRunning([servers.service], () => database.seed());
    for (const key of COMPARED) if (!servers[key]) servers[key] = await start(key);
    const all = Object.values(servers);
    await whileRunning(all, () =>
      withTimeout(measureAll(servers), RUN_TIMEOUT_MS, 'the measurements'),
    );
  } finally {
    for (const server of Object.values(running)) await server.stop();
    await database.drop();
  }

  /** One round of the load on one server: req/s, latency, its CPU time a request, statements. */
  async function measureOnce(server, requests) {
    await cannon(server.base, requests, WARMUP);
    const before = await database.statements();
    const cpuBefore = server.cpuMs();
    const dbCpuBefore = database.cpuMs();
    const result = await cannon(server.base, requests, DURATION);
    const cpuUsed = server.cpuMs() - cpuBefore;
    const dbCpuUsed = database.cpuMs() - dbCpuBefore;
    const after = await database.statements();
    const total = result.requests.total;
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx + result.errors,
      cpuUs: total > 0 ? (cpuUsed * 1000) / total : NaN,
      dbCpuUs: total > 0 ? (dbCpuUsed * 1000) / total : NaN,
      statements: total > 0 ? (after - before - 1) / total : NaN,
    };
  }

  /**
   * ROUNDS rounds of each of `runs` ([key, server, requests]), the order rotating by one each
   * round; for each key the median of every figure over its rounds (non-2xx: their sum).
   */
  async function measureRounds(runs, describe) {
    const seen = Object.fromEntries(runs.map(([key]) => [key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = runs.map((_, i) => runs[(i + round) % runs.length]);
      for (const [key, server, requests] of order) {
        log(`${describe(key)} (round ${round + 1} of ${ROUNDS})`);
        seen[key].push(await measureOnce(server, requests));
      }
    }
    return Object.fromEntries(
      Object.entries(seen).map(([key, results]) => [
        key,
        {
          rps: median(results.map((r) => r.rps)),
          p50: median(results.map((r) => r.p50)),
          p99: median(results.map((r) => r.p99)),
          cpuUs: median(results.map((r) => r.cpuUs)),
          dbCpuUs: median(results.map((r) => r.dbCpuUs)),
          statements: median(results.map((r) => r.statements)),
          non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
          rounds: results,
        },
      ]),
    );
  }

  /** Statements the service issued for `work` (the counter is server-wide: let others settle). */
  async function counted(work) {
    await pause(1000);
    const before = await database.statements();
    const run = await timed(work);
    const after = await database.statements();
    return { ...run, statements: after - before - 1 };
  }

  async function measureAll(servers) {
    // the cursor the service gives for the page after workflow 9,000
    const deepCursor = encodeCursor(9000);
    const service = servers.service.base;
    await compareAnswers(database, service, servers.matched.base, deepCursor);

    const rows = [];
    for (const [route, requests] of routes(deepCursor)) {
      const measured = await measureRounds(
        COMPARED.map((key) => [key, servers[key], requests]),
        (key) => `${route}: ${SERVERS[key].label}`,
      );
      rows.push({ route, ...measured });
    }
    // peak RSS under the same load for every server (the cascades below run on the service only)
    const peaks = Object.fromEntries(COMPARED.map((key) => [key, servers[key].peakRssMb()]));

    const costs = [];
    for (const { feature, plain, featured } of features()) {
      const { without, withIt } = await measureRounds(
        [
          ['without', servers.service, plain[1]],
          ['withIt', servers.service, featured[1]],
        ],
        (key) => `${feature}: ${key === 'without' ? plain[0] : featured[0]}`,
      );
      costs.push({ feature, plain: plain[0], featured: featured[0], without, withIt });
    }

    // each size CASCADE_REPEATS[size] times, on workflows of its own each time: the service's
    // DELETE, the same deletion as the feature-matched raw transaction (bench/cascade.js, the
    // service's statements one for one), alternating which goes first; then the raw transaction
    // of this file with and without the deletion's record (what the record costs); medians
    const cascades = [];
    for (const [children, repeats] of CASCADE_SIZES) {
      log(`cascade of ${children} children, ${repeats} times each`);
      const seen = {
        app: [],
        matched: [],
        sql: [],
        sqlNoRecord: [],
        restoreApp: [],
        restoreSql: [],
      };
      let cascaded;
      let restored;
      let statements;
      let restoreStatements;
      for (let i = 0; i < repeats; i++) {
        const ids = [];
        for (let k = 0; k < 4; k++) ids.push(await database.workflowWithChildren(children));
        const [viaApp, viaMatched, viaSql, viaSqlNoRecord] = ids;
        const runs = [
          async () => {
            const run = await counted(() => serviceDelete(service, viaApp));
            seen.app.push(run);
            cascaded = run.result.cascaded.interviews + run.result.cascaded.todos;
            statements = run.statements;
          },
          async () => {
            // measured as the service's delete is (counted(): one second of idleness, the
            // statement counter read on another connection, then the delete), so that neither
            // side alone starts from an idle server or on a connection fresh from another
            // statement (docs/performance.md, "The cascade's fixed cost, measured")
            const run = await counted(() => database.matchedCascade(viaMatched));
            if (run.result.cascaded !== children) {
              throw new Error(`the raw transaction cascaded ${run.result.cascaded} of ${children}`);
            }
            seen.matched.push(run);
          },
        ];
        if (i % 2 === 1) runs.reverse();
        for (const run of runs) await run();
        seen.sql.push(await timed(() => database.cascade(viaSql)));
        seen.sqlNoRecord.push(
          await timed(() => database.cascade(viaSqlNoRecord, { record: false })),
        );
        const appDeletion = seen.app.at(-1).result.deletionId;
        const sqlDeletion = seen.sql.at(-1).result;
        const restores = [
          async () => {
            const run = await counted(() => serviceRestore(service, appDeletion));
            seen.restoreApp.push(run);
            restored = run.result.restored.interviews + run.result.restored.todos;
            restoreStatements = run.statements;
          },
          async () => seen.restoreSql.push(await timed(() => database.restore(sqlDeletion))),
        ];
        if (i % 2 === 1) restores.reverse();
        for (const run of restores) await run();
      }
      const mid = (key) => median(seen[key].map((r) => r.ms));
      // the service's delete over the feature-matched one of the same pair (the two run one
      // right after the other, so that the machine's drifts of load mostly cancel)
      const paired = seen.app.map((run, k) => run.ms / seen.matched[k].ms);
      cascades.push({
        paired: { median: median(paired), quartiles: quartiles(paired) },
        children,
        repeats,
        cascaded,
        appMs: mid('app'),
        matchedMs: mid('matched'),
        sqlMs: mid('sql'),
        sqlNoRecordMs: mid('sqlNoRecord'),
        statements,
        restored,
        restoreAppMs: mid('restoreApp'),
        restoreSqlMs: mid('restoreSql'),
        restoreStatements,
      });
    }

    const machine = `${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${await database.version()}, ${new Date().toISOString().slice(0, 16)}Z, load average ${os.loadavg()[0].toFixed(1)} at the end`;
    const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
    const memory = (key) => `${servers[key].idleRssMb} / ${peaks[key]}`;
    const lines = [
      `Machine: ${machine}`,
      `Load: autocannon (in the runner's process; each server in its own), ${CONNECTIONS} connections; per route and server ${ROUNDS} rounds of ${WARMUP} s warm-up and ${DURATION} s measured, the servers' order rotating from round to round; medians shown. CPU µs/request: the server process's user + system time over the measured seconds / its requests; the database server's, when it runs on this machine, is the next column (on 2 cores shared by both, req/s is about the CPU there is over the two together). Statements = the database's statement counter delta / requests (MariaDB 'Questions', server-wide: other clients of a shared server add to it).`,
      '',
      '| route | bare floor req/s | feature-matched req/s | service req/s | service / feature-matched | the same, round by round: median (lowest to highest) | service / bare | CPU µs/request service / feature-matched / bare | CPU ratio feature-matched / service | database server CPU µs/request service / feature-matched / bare | service p50 / p99 ms | feature-matched p50 / p99 ms | bare p50 / p99 ms | statements/request service (feature-matched) | non-2xx service / matched / bare |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        ({ route, service: a, matched: b, bare: f }) =>
          `| ${route} | ${fmt(f.rps)} | ${fmt(b.rps)} | ${fmt(a.rps)} | ${fmt(a.rps / b.rps, 2)} | ${perRoundRatio(a.rounds, b.rounds)} | ${fmt(a.rps / f.rps, 2)} | ${fmt(a.cpuUs)} / ${fmt(b.cpuUs)} / ${fmt(f.cpuUs)} | ${fmt(b.cpuUs / a.cpuUs, 2)} | ${fmt(a.dbCpuUs)} / ${fmt(b.dbCpuUs)} / ${fmt(f.dbCpuUs)} | ${a.p50} / ${a.p99} | ${b.p50} / ${b.p99} | ${f.p50} / ${f.p99} | ${fmt(a.statements, 2)} (${fmt(b.statements, 2)}) | ${a.non2xx} / ${b.non2xx} / ${f.non2xx} |`,
      ),
      '',
      `RSS, idle after start / peak under the load (MiB): service ${memory('service')}, feature-matched baseline ${memory('matched')}, bare floor ${memory('bare')}; service peak / feature-matched peak ${fmt(peaks.service / peaks.matched, 2)}; service peak over the whole run, cascades of 100,000 rows included, ${servers.service.peakRssMb()} MiB`,
      '',
      '| feature (service only, rounds of without and with alternating) | without: req/s (p50 / p99 ms) | with: req/s (p50 / p99 ms) | with / without | the same, round by round: median (lowest to highest) | CPU µs/request without / with | CPU ratio without / with | database server CPU µs/request without / with | statements/request without / with | non-2xx |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...costs.map(
        (c) =>
          `| ${c.feature}: ${c.plain} | ${fmt(c.without.rps)} (${c.without.p50} / ${c.without.p99}) | ${fmt(c.withIt.rps)} (${c.withIt.p50} / ${c.withIt.p99}) | ${fmt(c.withIt.rps / c.without.rps, 2)} | ${perRoundRatio(c.withIt.rounds, c.without.rounds)} | ${fmt(c.without.cpuUs)} / ${fmt(c.withIt.cpuUs)} | ${fmt(c.without.cpuUs / c.withIt.cpuUs, 2)} | ${fmt(c.without.dbCpuUs)} / ${fmt(c.withIt.dbCpuUs)} | ${fmt(c.without.statements, 2)} / ${fmt(c.withIt.statements, 2)} | ${c.without.non2xx} / ${c.withIt.non2xx} |`,
      ),
      '',
      `Cascades and restores: medians of the deletes of each size, and the median of the pairs' ratios with its quartiles (per side: ${CASCADE_SIZES.map(([n, r]) => `${r} of ${n.toLocaleString('en')} children`).join(', ')}), each on a workflow of its own, the service and the raw transaction alternating which goes first, each after one second of idleness. The feature-matched raw transaction is bench/cascade.js's: the service's statements one for one (the lock, the record, the UPDATEs with their version bumps, the counts, the two outbox events). The plain one (bench/run.js) leaves out the lock, the version bumps and the outbox, and runs with and without the deletion's record.`,
      '',
      "| cascade: linked children | service DELETE ms | feature-matched raw SQL transaction ms | service / feature-matched | the same, paired: median (quartiles) of each pair's ratio | plain raw SQL transaction ms | plain without the deletion record ms | the record's share of the plain transaction | statements issued by the service |",
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...cascades.map(
        (c) =>
          `| ${c.children} (cascaded ${c.cascaded}) | ${fmt(c.appMs, 1)} | ${fmt(c.matchedMs, 1)} | ${fmt(c.appMs / c.matchedMs, 2)} | ${fmt(c.paired.median, 2)} (${c.paired.quartiles.map((q) => fmt(q, 2)).join(' to ')}) | ${fmt(c.sqlMs, 1)} | ${fmt(c.sqlNoRecordMs, 1)} | ${fmt(1 - c.sqlNoRecordMs / c.sqlMs, 2)} | ${c.statements} |`,
      ),
      '',
      '| restore by deletion: linked children | service POST /deletions/:id/restore ms | plain raw SQL transaction ms | ratio | statements issued by the service |',
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

// bench/memory.js loads the same routes on the same seeded rows
module.exports = { AUTHORIZATION, JWT_SECRET, routes, seed, serverConfig, urlFor };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
