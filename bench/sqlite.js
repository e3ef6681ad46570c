'use strict';
// BENCH_DB=sqlite npm run bench: the service on its embedded default (an SQLite file) against a
// raw node:http + better-sqlite3 baseline (bench/baseline-sqlite.js), in one run. One file is
// seeded with set-based SQL (10,000 workflows, 100,000 interviews, 100,000 todos); every server
// below runs on a fresh copy of it, so that one measurement's writes do not reach the next.
//
// Four parts: each route alone; what the optional features cost on the service (Idempotency-Key
// on POST /todos, If-Match on PATCH /todos/:id, as bench/run.js on MariaDB); a mixed load (readers and writers at once, two autocannon
// instances, so that reads queued behind writes would show in the readers' latency); and the
// SQLite settings (journal mode, synchronous, mmap and page cache) on the write route and the
// mixed load: the service with SQLITE_SYNCHRONOUS=full and with SQLITE_MMAP_SIZE, the baseline with each setting.
const { randomBytes, randomUUID } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const Database = require('better-sqlite3');
const jwt = require('jsonwebtoken');
const {
  freePort,
  median,
  perRoundRatio,
  processCpuMs,
  startServer,
  waitForServer,
  whileRunning,
  withTimeout,
  benchServiceEnv,
} = require('./processes');
const { seedRows } = require('./sqlite-seed');
const { todoPatches } = require('./todo-patches');
const { isStale } = require('../scripts/build-if-stale');

const ROOT = join(__dirname, '..');
const DURATION = Number(process.env.BENCH_DURATION || 10);
/** Each route alone is measured this many times, baseline and service in turn. */
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const WARMUP = Number(process.env.BENCH_WARMUP || 3);
const CONNECTIONS = 50;
/** The mixed load: this many of the CONNECTIONS write, the others read. */
const WRITERS = 10;
const RUN_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S || 1800) * 1000;
const log = (...args) => console.error('[bench:sqlite]', ...args);
const JWT_SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;
const JSON_HEADERS = { 'content-type': 'application/json', authorization: AUTHORIZATION };

/** The baseline's settings compared in the settings table; the first is the service's. */
const BASELINE_SETTINGS = [
  ['WAL, synchronous=NORMAL', {}],
  ['WAL, synchronous=FULL', { BASELINE_SQLITE_SYNCHRONOUS: 'full' }],
  [
    'rollback journal (DELETE), synchronous=FULL',
    { BASELINE_SQLITE_JOURNAL: 'delete', BASELINE_SQLITE_SYNCHRONOUS: 'full' },
  ],
  [
    'WAL, synchronous=NORMAL, mmap_size=256 MiB',
    { BASELINE_SQLITE_PRAGMAS: 'mmap_size=268435456' },
  ],
  [
    'WAL, synchronous=NORMAL, mmap_size=256 MiB, cache_size=64 MiB',
    { BASELINE_SQLITE_PRAGMAS: 'mmap_size=268435456;cache_size=-65536' },
  ],
];

/** 10,000 workflows; workflows 1..20 get 1,000 interviews and 1,000 todos each, the rest spread over 21..10000. */
function seed(file) {
  log('seeding 10,000 workflows, 100,000 interviews, 100,000 todos');
  const started = Date.now();
  const db = new Database(file, { fileMustExist: true });
  seedRows(db);
  const version = db.prepare('SELECT sqlite_version() AS v').get().v;
  log(`seeded in ${Date.now() - started} ms`);
  return { db, version };
}

function buildApp() {
  if (isStale()) {
    log('building the service (nest build)');
    execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
}

/** The service or the baseline, in a process of its own, with its peak RSS sampled. */
function startProcess(label, script, file, port, env = {}) {
  const server = startServer({
    label,
    script,
    cwd: ROOT,
    env: benchServiceEnv(
      { databaseUrl: `sqlite:${file}`, port, jwtSecret: JWT_SECRET },
      {
        ...env,
      },
    ),
  });
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmRSS:\s+(\d+)/.exec(status)[1]));
    } catch {
      /* exited */
    }
  }, 200);
  return {
    ...server,
    peakRssMb: () => Math.round(peak / 1024),
    /** CPU time the process has used so far (user + system), in ms. */
    cpuMs: () => processCpuMs(server.child.pid),
    stop: () => {
      clearInterval(sampler);
      return server.stop();
    },
  };
}

function cannon(url, requests, duration, connections = CONNECTIONS) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration, requests, headers: { authorization: AUTHORIZATION } },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const randomId = (max) => 1 + Math.floor(Math.random() * max);
const get = (path) => ({ setupRequest: (r) => ({ ...r, method: 'GET', path: path() }) });

const READS = {
  'GET /workflows/:id': get(() => `/workflows/${randomId(10000)}`),
  'GET /workflows?limit=20': get(() => '/workflows?limit=20'),
  'GET /workflows?limit=20&cursor=(deep)': (deepCursor) =>
    get(() => `/workflows?limit=20&cursor=${deepCursor}`),
  'GET /workflows/:id?include=interviews,todos': get(
    () => `/workflows/${20 + randomId(9980)}?include=interviews,todos`,
  ),
};
const WRITES = {
  'POST /todos': {
    setupRequest: (r) => ({
      ...r,
      method: 'POST',
      path: '/todos',
      headers: JSON_HEADERS,
      body: JSON.stringify({ title: 'Bench todo', ownerId: 7, workflowId: 20 + randomId(9980) }),
    }),
  },
  'PATCH /interviews/:id': {
    setupRequest: (r) => ({
      ...r,
      method: 'PATCH',
      path: `/interviews/${20000 + randomId(80000)}`,
      headers: JSON_HEADERS,
      body: JSON.stringify({ status: ['scheduled', 'completed', 'cancelled'][randomId(3) - 1] }),
    }),
  },
};

/** The seeded todos (ids 1..100,000, each at version 1). */
const SEEDED_TODOS = 100_000;

/**
 * What an optional feature costs on the routes it touches, as bench/run.js's features() on
 * MariaDB: the same route on the service without it and with it, in alternating rounds.
 */
function features() {
  const post = () => ({
    method: 'POST',
    path: '/todos',
    headers: JSON_HEADERS,
    body: JSON.stringify({ title: 'Bench todo', ownerId: 7, workflowId: 20 + randomId(9980) }),
  });
  const patch = (id) => ({
    method: 'PATCH',
    path: `/todos/${id}`,
    headers: JSON_HEADERS,
    body: JSON.stringify({ status: 'in_progress' }),
  });
  // the todos PATCHed without and with If-Match (bench/todo-patches.js)
  const patches = todoPatches(SEEDED_TODOS, patch);
  const each = (make) => [{ setupRequest: (r) => ({ ...r, ...make() }) }];
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

function routes(deepCursor) {
  return [
    ...Object.entries(READS).map(([route, request]) => [
      route,
      [typeof request === 'function' ? request(deepCursor) : request],
    ]),
    ...Object.entries(WRITES).map(([route, request]) => [route, [request]]),
  ];
}

const summary = (result) => ({
  rps: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  failed: result.non2xx + result.errors,
  total: result.requests.total,
});

/**
 * The load of `run` on one server, and the server's CPU time per request: on a shared machine,
 * throughput swings with what else runs, CPU time per request much less.
 */
async function withCpu({ server }, run) {
  const before = server.cpuMs();
  const result = await run();
  const used = server.cpuMs() - before;
  const total = result.total ?? result.reads.total + result.writes.total;
  return { ...result, cpuUs: (used * 1000) / total };
}

async function measure(target, requests) {
  await cannon(target.base, requests, WARMUP);
  return withCpu(target, async () => summary(await cannon(target.base, requests, DURATION)));
}

/** Each figure's median over the rounds (for an even count, the upper one). */
function medians(rounds) {
  return Object.fromEntries(
    Object.keys(rounds[0]).map((key) => [key, median(rounds.map((r) => r[key]))]),
  );
}

/** Readers (every read route, in turn) and writers (POST and PATCH, in turn) at once. */
async function measureMixed(target, deepCursor) {
  const reads = routes(deepCursor)
    .slice(0, 4)
    .map(([, [request]]) => request);
  const writes = Object.values(WRITES);
  const run = (duration) =>
    Promise.all([
      cannon(target.base, reads, duration, CONNECTIONS - WRITERS),
      cannon(target.base, writes, duration, WRITERS),
    ]);
  await run(WARMUP);
  return withCpu(target, async () => {
    const [r, w] = await run(DURATION);
    return { reads: summary(r), writes: summary(w) };
  });
}

/** The answers both give to the same requests, which must match (but for the clock). */
async function compareAnswers(servicePort, basePort, deepCursor) {
  const requests = [
    ['GET', '/workflows/25'],
    ['GET', '/workflows?limit=20'],
    ['GET', `/workflows?limit=20&cursor=${deepCursor}`],
    ['GET', '/workflows/30?include=interviews,todos'],
    ['POST', '/todos', { title: 'Same', ownerId: 7, workflowId: 40 }],
    ['PATCH', '/interviews/20001', { status: 'cancelled' }],
    ['GET', '/workflows/40?include=todos'],
  ];
  const clockless = (text) =>
    text.replace(/"(createdAt|updatedAt)":"[^"]*"/g, '"$1":"…"').replace(/"\d+-[\w-]{22}"/, '');
  for (const [method, path, body] of requests) {
    const answers = [];
    for (const port of [servicePort, basePort]) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: body ? JSON_HEADERS : { authorization: AUTHORIZATION },
        body: body && JSON.stringify(body),
      });
      answers.push(`${res.status} ${res.headers.get('etag')} ${clockless(await res.text())}`);
    }
    if (answers[0] !== answers[1]) {
      throw new Error(
        `${method} ${path}: the baseline answers differently\n  service:  ${answers[0].slice(0, 400)}\n  baseline: ${answers[1].slice(0, 400)}`,
      );
    }
  }
}

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-sqlite-'));
  const running = new Set();
  const start = async (label, script, env) => {
    const file = join(dir, `${running.size}-${Date.now()}.sqlite`);
    seeded.db.exec(`VACUUM INTO '${file}'`);
    const port = await freePort();
    const server = startProcess(label, script, file, port, env);
    running.add(server);
    await waitForServer(`http://127.0.0.1:${port}/health`, server, label);
    return { server, base: `http://127.0.0.1:${port}`, port };
  };
  const stop = async (server) => {
    running.delete(server);
    await server.stop();
  };
  let seeded;
  try {
    buildApp();
    const file = join(dir, 'seed.sqlite');
    log('starting the service once, to apply the migrations');
    const port = await freePort();
    const migrate = startProcess('the service', 'dist/src/main.js', file, port);
    running.add(migrate);
    await waitForServer(`http://127.0.0.1:${port}/health`, migrate, 'the service');
    await stop(migrate);
    seeded = seed(file);
    await withTimeout(measureAll(), RUN_TIMEOUT_MS, 'the measurements');
  } finally {
    for (const server of running) await server.stop();
    seeded?.db.close();
    rmSync(dir, { recursive: true, force: true });
  }

  async function measureAll() {
    // other work on the machine moves every figure: say how busy it was
    const loadAtStart = os.loadavg()[0].toFixed(1);
    const service = await start('the service', 'dist/src/main.js');
    const baseline = await start('the baseline', 'bench/baseline-sqlite.js');
    const first = await (
      await fetch(`${service.base}/workflows?limit=20`, {
        headers: { authorization: AUTHORIZATION },
      })
    ).json();
    const tag = Buffer.from(first.nextCursor, 'base64url').toString().split(':')[2];
    const deepCursor = Buffer.from(`c1:9000:${tag}`).toString('base64url');
    await compareAnswers(service.port, baseline.port, deepCursor);

    const rows = [];
    const costs = [];
    await whileRunning([service.server, baseline.server], async () => {
      for (const [route, requests] of routes(deepCursor)) {
        // ROUNDS alternations, the median of each figure kept: a burst of other work on the
        // machine then spoils one round, not the ratio; which side goes first rotates from round
        // to round, so that neither always meets the other's leftovers (a WAL checkpoint, GC)
        const rounds = { a: [], b: [] };
        const sides = [
          ['baseline', baseline, rounds.b],
          ['service', service, rounds.a],
        ];
        for (let round = 0; round < ROUNDS; round++) {
          for (const [label, target, into] of sides.map((_, i) => sides[(i + round) % 2])) {
            log(`${route}: ${label} (round ${round + 1} of ${ROUNDS})`);
            into.push(await measure(target, requests));
          }
        }
        rows.push({
          route,
          a: medians(rounds.a),
          b: medians(rounds.b),
          perRound: perRoundRatio(rounds.a, rounds.b),
        });
      }
      // the features on the service alone, without and with in turn, which first rotating from
      // round to round (as bench/run.js)
      for (const { feature, plain, featured } of features()) {
        const sides = [
          ['without', plain],
          ['withIt', featured],
        ];
        const rounds = { without: [], withIt: [] };
        for (let round = 0; round < ROUNDS; round++) {
          for (const [key, [label, requests]] of sides.map((_, i) => sides[(i + round) % 2])) {
            log(`${feature}: ${label} (round ${round + 1} of ${ROUNDS})`);
            rounds[key].push(await measure(service, requests));
          }
        }
        costs.push({
          feature,
          plain: plain[0],
          without: medians(rounds.without),
          withIt: medians(rounds.withIt),
          perRound: perRoundRatio(rounds.withIt, rounds.without),
          failed: [rounds.without, rounds.withIt].map((rs) =>
            rs.reduce((sum, r) => sum + r.failed, 0),
          ),
        });
      }
    });
    await stop(service.server);
    await stop(baseline.server);
    const rss = { service: service.server.peakRssMb(), baseline: baseline.server.peakRssMb() };

    // each load of the mixed and settings tables on fresh copies, one server at a time
    const loads = [
      ['POST /todos', (target) => measure(target, [WRITES['POST /todos']])],
      ['mixed', (target) => measureMixed(target, deepCursor)],
    ];
    const settings = [];
    const variants = [
      ['service', 'default (SQLITE_SYNCHRONOUS=normal)', 'dist/src/main.js', {}],
      ['service', 'SQLITE_SYNCHRONOUS=full', 'dist/src/main.js', { SQLITE_SYNCHRONOUS: 'full' }],
      [
        'service',
        'SQLITE_MMAP_SIZE=268435456 (256 MiB)',
        'dist/src/main.js',
        { SQLITE_MMAP_SIZE: '268435456' },
      ],
      ...BASELINE_SETTINGS.map(([name, env]) => [
        'baseline',
        name,
        'bench/baseline-sqlite.js',
        env,
      ]),
    ];
    for (const [who, name, script, env] of variants) {
      const results = {};
      for (const [load, run] of loads) {
        log(`${load}: ${who}, ${name}`);
        const s = await start(`the ${who}`, script, env);
        results[load] = await whileRunning([s.server], () => run(s));
        await stop(s.server);
      }
      settings.push({ who, name, results });
    }

    const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
    const of = (who, name) => settings.find((s) => s.who === who && s.name === name).results;
    const serviceMixed = of('service', variants[0][1]).mixed;
    const baselineMixed = of('baseline', BASELINE_SETTINGS[0][0]).mixed;
    const machine = `${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, SQLite ${seeded.version} (better-sqlite3 ${require('better-sqlite3/package.json').version}); load average ${loadAtStart} at the start, ${os.loadavg()[0].toFixed(1)} at the end`;
    const mixedRow = (label, m, ratioTo) =>
      `| ${label} | ${fmt(m.reads.rps)} | ${m.reads.p50} / ${m.reads.p99} | ${fmt(m.writes.rps)} | ${m.writes.p50} / ${m.writes.p99} | ${fmt((100 * m.writes.rps) / (m.reads.rps + m.writes.rps))} % | ${ratioTo ? `${fmt(m.reads.rps / ratioTo.reads.rps, 2)} / ${fmt(m.writes.rps / ratioTo.writes.rps, 2)}` : ''} | ${fmt(m.cpuUs)} | ${m.reads.failed + m.writes.failed} |`;
    const settingRow = ({ who, name, results }, reference) =>
      `| ${who}: ${name} | ${fmt(results['POST /todos'].rps)} | ${fmt(results['POST /todos'].rps / reference['POST /todos'].rps, 2)} | ${fmt(results['POST /todos'].cpuUs)} | ${fmt(results.mixed.reads.rps)} / ${fmt(results.mixed.writes.rps)} | ${fmt(results.mixed.reads.rps / reference.mixed.reads.rps, 2)} / ${fmt(results.mixed.writes.rps / reference.mixed.writes.rps, 2)} | ${results.mixed.reads.p99} / ${results.mixed.writes.p99} |`;
    const lines = [
      `Machine: ${machine}`,
      `Load: autocannon (in the runner's process; service and baseline each in its own), ${CONNECTIONS} connections, ${WARMUP} s warm-up, ${DURATION} s measured; each route ${ROUNDS} rounds of baseline and service, which goes first rotating from round to round, medians shown; each server on its own copy of one seeded file (10,000 workflows, 100,000 interviews, 100,000 todos); the statements are those of test/statement-counts.e2e-spec.ts, the same on both sides (bench/baseline-sqlite.js). CPU µs/request: the server process's user + system time over the measured seconds / its requests.`,
      '',
      '| route | baseline req/s | service req/s | ratio | the same, round by round: median (lowest to highest) | CPU µs/request baseline / service | CPU ratio (baseline / service) | service p50 / p99 ms | baseline p50 / p99 ms | non-2xx service / baseline |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        ({ route, a, b, perRound }) =>
          `| ${route} | ${fmt(b.rps)} | ${fmt(a.rps)} | ${fmt(a.rps / b.rps, 2)} | ${perRound} | ${fmt(b.cpuUs)} / ${fmt(a.cpuUs)} | ${fmt(b.cpuUs / a.cpuUs, 2)} | ${a.p50} / ${a.p99} | ${b.p50} / ${b.p99} | ${a.failed} / ${b.failed} |`,
      ),
      '',
      `Peak RSS: service ${rss.service} MiB, baseline ${rss.baseline} MiB`,
      '',
      '| feature (service only, rounds of without and with alternating) | without: req/s (p50 / p99 ms) | with: req/s (p50 / p99 ms) | with / without | the same, round by round: median (lowest to highest) | CPU µs/request without / with | CPU ratio without / with | non-2xx without / with |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...costs.map(
        (c) =>
          `| ${c.feature}: ${c.plain} | ${fmt(c.without.rps)} (${c.without.p50} / ${c.without.p99}) | ${fmt(c.withIt.rps)} (${c.withIt.p50} / ${c.withIt.p99}) | ${fmt(c.withIt.rps / c.without.rps, 2)} | ${c.perRound} | ${fmt(c.without.cpuUs)} / ${fmt(c.withIt.cpuUs)} | ${fmt(c.without.cpuUs / c.withIt.cpuUs, 2)} | ${c.failed[0]} / ${c.failed[1]} |`,
      ),
      '',
      `Mixed load: ${CONNECTIONS - WRITERS} connections reading (the four GET routes in turn) and ${WRITERS} writing (POST /todos, PATCH /interviews/:id in turn) at once, fresh copies, both at their defaults.`,
      '',
      '| server | reads req/s | reads p50 / p99 ms | writes req/s | writes p50 / p99 ms | writes share | ratio to the baseline, reads / writes | CPU µs/request | non-2xx |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      mixedRow('baseline', baselineMixed),
      mixedRow('service', serviceMixed, baselineMixed),
      '',
      'Settings: POST /todos alone and the mixed load, each on a fresh copy; ratios to the first row of the same server.',
      '',
      '| server: setting | POST /todos req/s | ratio | POST /todos CPU µs/request | mixed reads / writes req/s | ratio | mixed p99 ms reads / writes |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...settings.map((s) =>
        settingRow(
          s,
          s.who === 'service'
            ? of('service', variants[0][1])
            : of('baseline', BASELINE_SETTINGS[0][0]),
        ),
      ),
    ];
    const report = lines.join('\n');
    console.log(report);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'sqlite-latest.md'), `${report}\n`);
  }
}

module.exports = { main };
