'use strict';
// npm run bench:scale: the same routes on 10,000 / 100,000 / 1,000,000 workflows (and their
// children in proportion), each size on a fresh MariaDB database seeded with set-based SQL
// (INSERT ... SELECT from the Sequence engine's seq_1_to_N): latency and statements per request
// must stay flat as the tables grow, and the cascade and restore grow with the children only.
// Statements are counted exactly, per service: the service reaches MariaDB through a counting
// proxy in this process (one command packet = one statement), which also keeps the SQL of the
// list routes to EXPLAIN it.
const { execFileSync } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const os = require('node:os');
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');
const mysql = require('mysql2/promise');
const {
  createDatabase,
  dropDatabase,
  freePort,
  median,
  startServer,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
  benchServiceEnv,
} = require('./processes');
const { isStale } = require('../scripts/build-if-stale');

const ROOT = join(__dirname, '..');
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const SIZES = (process.env.SCALE_SIZES || '10000,100000,1000000').split(',').map(Number);
/**
 * Interviews and todos per workflow, each: 2 and 2 make 5,000,000 rows at 1,000,000 workflows,
 * seeded in minutes on 2 shared cores with MariaDB's default 128 MiB buffer pool (10 and 10, as
 * npm run bench has, would be 21,000,000 rows).
 */
const PER_KIND = Number(process.env.SCALE_CHILDREN_PER_KIND || 2);
const CASCADES = [100, 1_000, 10_000];
const CASCADE_REPEATS = Number(process.env.SCALE_CASCADE_REPEATS || 3);
const CONNECTIONS = 10;
const WARMUP = Number(process.env.SCALE_WARMUP || 2);
const DURATION = Number(process.env.SCALE_DURATION || 5);
/** Rows per INSERT ... SELECT: one statement per million keeps each transaction's undo small. */
const CHUNK = 1_000_000;
const JWT_SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;
const log = (...args) => console.error('[scale]', ...args);

/**
 * A TCP proxy to MariaDB that counts the statements its clients send: every client packet that
 * starts a command (sequence id 0) and is a COM_QUERY, COM_STMT_PREPARE or COM_STMT_EXECUTE.
 * The last `keep` COM_QUERY texts are kept, for EXPLAIN.
 */
function countingProxy(target) {
  const COMMANDS = new Set([0x03, 0x16, 0x17]);
  const state = { statements: 0, recent: [] };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 3306), target.hostname);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const header = Buffer.alloc(4);
    let headerLength = 0;
    let remaining = 0; // payload bytes of the current packet still to come
    let starting = false; // the next payload byte is a command's first
    let capture = null; // the COM_QUERY being read, or null
    client.on('data', (chunk) => {
      upstream.write(chunk);
      let at = 0;
      while (at < chunk.length) {
        if (remaining === 0) {
          const take = Math.min(4 - headerLength, chunk.length - at);
          chunk.copy(header, headerLength, at, at + take);
          headerLength += take;
          at += take;
          if (headerLength < 4) break;
          headerLength = 0;
          remaining = header.readUIntLE(0, 3);
          starting = header[3] === 0;
          continue;
        }
        const take = Math.min(remaining, chunk.length - at);
        if (starting) {
          starting = false;
          if (COMMANDS.has(chunk[at])) {
            state.statements += 1;
            if (chunk[at] === 0x03) capture = [];
          }
        }
        if (capture) capture.push(chunk.subarray(at, at + take));
        remaining -= take;
        at += take;
        if (remaining === 0 && capture) {
          state.recent.push(Buffer.concat(capture).subarray(1).toString('utf8'));
          if (state.recent.length > 50) state.recent.shift();
          capture = null;
        }
      }
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  return {
    state,
    listen: () =>
      new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port))),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const now = () => process.hrtime.bigint();
const ms = (from) => Number(now() - from) / 1e6;
const randomId = (max) => 1 + Math.floor(Math.random() * max);

/**
 * `n` workflows of organization 1, PER_KIND interviews and PER_KIND todos each (the children of
 * a workflow contiguous, as rows created together are), in INSERT ... SELECT statements of at
 * most CHUNK rows; answers the seconds per table. The ids are given (seq): an INSERT ... SELECT
 * reserves auto-increment values in growing batches and leaves a gap after itself, and the
 * routes pick ids at random in 1..n.
 */
async function seed(db, n) {
  const times = {};
  const rows = async (table, total, select) => {
    const started = now();
    for (let from = 1; from <= total; from += CHUNK) {
      const to = Math.min(total, from + CHUNK - 1);
      await db.query(`INSERT INTO ${table} ${select} FROM seq_${from}_to_${to}`);
    }
    times[table] = ms(started) / 1000;
  };
  await rows(
    'recruitment_processes',
    n,
    "(id, organization_id, name, description, status, created_by, created_at, updated_at) SELECT seq, 1, CONCAT('Workflow ', seq), 'Seeded', ELT(1 + seq % 4, 'draft', 'active', 'closed', 'archived'), 1 + seq % 50, NOW(6), NOW(6)",
  );
  const workflowOf = `1 + (seq - 1) DIV ${PER_KIND}`;
  await rows(
    'interviews',
    n * PER_KIND,
    `(id, organization_id, title, candidate_id, recruiter_id, status, workflow_id, created_at, updated_at) SELECT seq, 1, CONCAT('Interview ', seq), seq, 1 + seq % 100, ELT(1 + seq % 4, 'scheduled', 'completed', 'cancelled', 'no_show'), ${workflowOf}, NOW(6), NOW(6)`,
  );
  await rows(
    'todos',
    n * PER_KIND,
    `(id, organization_id, title, owner_id, status, workflow_id, created_at, updated_at) SELECT seq, 1, CONCAT('Todo ', seq), 1 + seq % 500, ELT(1 + seq % 4, 'pending', 'in_progress', 'completed', 'cancelled'), ${workflowOf}, NOW(6), NOW(6)`,
  );
  const analyzed = now();
  await db.query('ANALYZE TABLE recruitment_processes, interviews, todos');
  times.analyze = ms(analyzed) / 1000;
  return times;
}

/** `count` more workflows with `children` rows each (half interviews, half todos): their ids. */
async function cascadeWorkflows(db, count, children) {
  const name = `cascade ${children}`;
  await db.query(
    `INSERT INTO recruitment_processes (organization_id, name, status, created_by, created_at, updated_at) SELECT 1, ?, 'active', 1, NOW(6), NOW(6) FROM seq_1_to_${count}`,
    [name],
  );
  const workflows =
    '(SELECT id FROM recruitment_processes WHERE organization_id = 1 AND name = ?) w';
  const half = children / 2;
  await db.query(
    `INSERT INTO interviews (organization_id, title, candidate_id, recruiter_id, workflow_id, created_at, updated_at) SELECT 1, 'c', s.seq, 1, w.id, NOW(6), NOW(6) FROM ${workflows} CROSS JOIN seq_1_to_${half} s`,
    [name],
  );
  await db.query(
    `INSERT INTO todos (organization_id, title, owner_id, workflow_id, created_at, updated_at) SELECT 1, 'c', 1, w.id, NOW(6), NOW(6) FROM ${workflows} CROSS JOIN seq_1_to_${half} s`,
    [name],
  );
  const [rows] = await db.query(
    'SELECT id FROM recruitment_processes WHERE organization_id = 1 AND name = ? ORDER BY id',
    [name],
  );
  return rows.map((row) => row.id);
}

/** The routes: a name and autocannon's request list, on a database of `n` seeded workflows. */
function routes(n, deepCursor) {
  const json = { 'content-type': 'application/json', authorization: AUTHORIZATION };
  const at = (method, path, body) => [
    {
      setupRequest: (r) => ({
        ...r,
        method,
        path: path(),
        ...(body ? { headers: json, body: JSON.stringify(body()) } : {}),
      }),
    },
  ];
  return [
    ['GET /workflows/:id', at('GET', () => `/workflows/${randomId(n)}`)],
    ['GET /workflows?limit=20', at('GET', () => '/workflows?limit=20')],
    [
      'GET /workflows?limit=20&cursor=(deep)',
      at('GET', () => `/workflows?limit=20&cursor=${deepCursor}`),
    ],
    [
      'GET /workflows/:id?include=interviews,todos',
      at('GET', () => `/workflows/${randomId(n)}?include=interviews,todos`),
    ],
    [
      'POST /todos',
      at(
        'POST',
        () => '/todos',
        () => ({ title: 'Bench todo', ownerId: 7, workflowId: randomId(n) }),
      ),
    ],
    [
      'PATCH /interviews/:id',
      at(
        'PATCH',
        () => `/interviews/${randomId(n * PER_KIND)}`,
        () => ({ status: ['scheduled', 'completed', 'cancelled'][randomId(3) - 1] }),
      ),
    ],
  ];
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

/** One request, timed, with the statements the service sent for it. */
async function request(base, proxy, method, path) {
  const before = proxy.state.statements;
  const started = now();
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: AUTHORIZATION } });
  const body = await res.json();
  const took = ms(started);
  if (res.status >= 300)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return { ms: took, statements: proxy.state.statements - before, body };
}

/** EXPLAIN of the SELECT from `table` the service sent for one request, alone. */
async function explain(db, base, proxy, path, table) {
  proxy.state.recent.length = 0;
  await request(base, proxy, 'GET', path);
  const sql = proxy.state.recent.find(
    (text) => text.startsWith('SELECT') && text.includes(`FROM ${table} `),
  );
  if (!sql) throw new Error(`GET ${path} sent no SELECT from ${table}`);
  const [plan] = await db.query(`EXPLAIN ${sql}`);
  return { sql, plan };
}

async function measureSize(n, base, proxy, db) {
  const { encodeCursor } = require('../dist/src/common/pagination/cursor');
  const deepCursor = encodeCursor(n - 100, { list: 'recruitment_processes', filter: {} });
  const rows = [];
  for (const [route, requests] of routes(n, deepCursor)) {
    log(`${n}: ${route}`);
    await cannon(base, requests, WARMUP);
    const before = proxy.state.statements;
    const result = await cannon(base, requests, DURATION);
    const total = result.requests.total;
    rows.push({
      route,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.non2xx + result.errors,
      // which: the status codes other than 2xx, and the requests with no answer (timeouts)
      failures: Object.entries(result.statusCodeStats ?? {})
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, { count }]) => `${count}x${code}`)
        .concat(result.errors > 0 ? [`${result.errors} errors/${result.timeouts} timeouts`] : [])
        .join(' '),
      statements: (proxy.state.statements - before) / total,
    });
  }
  // the list queries' plans, once the load's last requests are answered
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const plans = {
    'GET /workflows?limit=20': await explain(
      db,
      base,
      proxy,
      '/workflows?limit=20',
      'recruitment_processes',
    ),
    'GET /workflows?cursor=(deep)': await explain(
      db,
      base,
      proxy,
      `/workflows?limit=20&cursor=${deepCursor}`,
      'recruitment_processes',
    ),
    'GET /workflows/:id?include=interviews': await explain(
      db,
      base,
      proxy,
      `/workflows/${randomId(n)}?include=interviews`,
      'interviews',
    ),
  };

  const cascades = [];
  for (const children of CASCADES) {
    log(`${n}: cascade and restore of ${children} children`);
    const ids = await cascadeWorkflows(db, CASCADE_REPEATS, children);
    const deletes = [];
    const restores = [];
    for (const id of ids) {
      const deleted = await request(base, proxy, 'DELETE', `/workflows/${id}`);
      const cascaded = deleted.body.cascaded.interviews + deleted.body.cascaded.todos;
      if (cascaded !== children) throw new Error(`cascaded ${cascaded}, expected ${children}`);
      deletes.push(deleted);
      const restored = await request(base, proxy, 'POST', `/workflows/${id}/restore`);
      const back = restored.body.restored.interviews + restored.body.restored.todos;
      if (back !== children) throw new Error(`restored ${back}, expected ${children}`);
      restores.push(restored);
    }
    cascades.push({
      children,
      deleteMs: median(deletes.map((d) => d.ms)),
      deleteStatements: median(deletes.map((d) => d.statements)),
      restoreMs: median(restores.map((r) => r.ms)),
      restoreStatements: median(restores.map((r) => r.statements)),
    });
  }
  return { rows, plans, cascades };
}

async function runSize(n) {
  const name = uniqueDatabaseName('scale');
  const { admin, url } = await createDatabase(SERVER, name);
  const proxy = countingProxy(SERVER);
  const proxyPort = await proxy.listen();
  const port = await freePort();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxyPort);
  let app;
  let db;
  try {
    db = await mysql.createConnection({
      host: SERVER.hostname,
      port: Number(SERVER.port || 3306),
      user: decodeURIComponent(SERVER.username) || 'root',
      password: decodeURIComponent(SERVER.password),
      database: name,
      dateStrings: true,
    });
    log(`${n}: starting the service on ${name} (applies the migrations)`);
    app = startServer({
      label: 'the service',
      script: 'dist/src/main.js',
      cwd: ROOT,
      env: benchServiceEnv({ databaseUrl: proxied.toString(), port, jwtSecret: JWT_SECRET }),
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForServer(`${base}/health`, app, 'the service');
    log(`${n}: seeding ${n} workflows, ${n * PER_KIND} interviews, ${n * PER_KIND} todos`);
    const started = now();
    const seedTimes = await whileRunning([app], () => seed(db, n));
    const seedSeconds = ms(started) / 1000;
    log(`${n}: seeded in ${seedSeconds.toFixed(1)} s`);
    const measured = await whileRunning([app], () => measureSize(n, base, proxy, db));
    const [[{ v: version }]] = await db.query('SELECT VERSION() AS v');
    return { n, seedSeconds, seedTimes, version, ...measured };
  } finally {
    await db?.end();
    await app?.stop();
    await proxy.close();
    await dropDatabase(admin, name);
  }
}

function report(results) {
  const machine = `${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, MariaDB ${results[0].version}`;
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const sizes = results.map((r) => r.n.toLocaleString('en-US'));
  const lines = [
    `Machine: ${machine}`,
    `Command: npm run bench:scale (SCALE_SIZES=${SIZES.join(',')}); ${PER_KIND} interviews and ${PER_KIND} todos per workflow; autocannon ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${DURATION} s measured per route; statements counted exactly by a proxy between the service and MariaDB; cascade and restore: medians of ${CASCADE_REPEATS} sequential DELETE /workflows/:id then POST /workflows/:id/restore.`,
    '',
    '| workflows | interviews + todos | seed s (workflows / interviews / todos / ANALYZE) |',
    '|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.n.toLocaleString('en-US')} | ${(2 * r.n * PER_KIND).toLocaleString('en-US')} | ${f(r.seedSeconds)} (${f(r.seedTimes.recruitment_processes)} / ${f(r.seedTimes.interviews)} / ${f(r.seedTimes.todos)} / ${f(r.seedTimes.analyze)}) |`,
    ),
    '',
    `Latency p50 / p99 ms, req/s and statements per request, by route and size (${sizes.join(' / ')} workflows):`,
    '',
    `| route | ${sizes.map((s) => `${s}: p50 / p99 ms`).join(' | ')} | req/s | statements/request | errors |`,
    `|---|${sizes.map(() => '---:').join('|')}|---:|---:|---:|`,
    ...results[0].rows.map(({ route }) => {
      const of = results.map((r) => r.rows.find((row) => row.route === route));
      return `| ${route} | ${of.map((x) => `${x.p50} / ${x.p99}`).join(' | ')} | ${of.map((x) => f(x.rps, 0)).join(' / ')} | ${of.map((x) => f(x.statements, 2)).join(' / ')} | ${of.map((x) => (x.errors ? `${x.errors} (${x.failures})` : '0')).join(' / ')} |`;
    }),
    '',
    `Cascade and restore, median ms (statements), by children and size (${sizes.join(' / ')} workflows):`,
    '',
    '| children | DELETE /workflows/:id ms | statements | POST /workflows/:id/restore ms | statements |',
    '|---:|---:|---:|---:|---:|',
    ...CASCADES.map((children) => {
      const of = results.map((r) => r.cascades.find((c) => c.children === children));
      return `| ${children.toLocaleString('en-US')} | ${of.map((c) => f(c.deleteMs)).join(' / ')} | ${of.map((c) => c.deleteStatements).join(' / ')} | ${of.map((c) => f(c.restoreMs)).join(' / ')} | ${of.map((c) => c.restoreStatements).join(' / ')} |`;
    }),
    '',
    `The list queries' plans (EXPLAIN of the statement the service sent), at ${sizes.at(-1)} workflows:`,
    '',
    '| query | table | type | key | rows | Extra |',
    '|---|---|---|---|---:|---|',
    ...Object.entries(results.at(-1).plans).flatMap(([query, { plan }]) =>
      plan.map(
        (p) => `| ${query} | ${p.table} | ${p.type} | ${p.key} | ${p.rows} | ${p.Extra ?? ''} |`,
      ),
    ),
    '',
    ...Object.entries(results.at(-1).plans).map(
      ([query, { sql }]) => `- ${query}: \`${sql.replace(/\s+/g, ' ')}\``,
    ),
  ];
  return lines.join('\n');
}

async function main() {
  if (isStale()) {
    log('building the service (nest build)');
    execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const results = [];
  for (const n of SIZES) results.push(await runSize(n));
  const text = report(results);
  console.log(text);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'scale.md'), `${text}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
