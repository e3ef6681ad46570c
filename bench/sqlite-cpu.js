'use strict';
// Where a read's CPU time goes under load on SQLite, service against baseline: each variant in a
// fresh process on a fresh copy of one seeded file (bench/sqlite.js's data: 10,000 workflows,
// 100,000 interviews, 100,000 todos, ANALYZE), warmed up, then SQLITE_CPU_SECONDS (5) of
// autocannon at SQLITE_CPU_CONNECTIONS (50) on one route; per request: the process's CPU time
// (user, system), each thread's (from /proc/<pid>/task: the main thread, V8's workers, libuv's),
// the main thread's GC pauses by kind and the bytes allocated on V8's heap
// (bench/gc-stats-preload.js), the answer's bytes, and the peak RSS. SQLITE_CPU_ROUNDS (3)
// rounds, the variants in turn; medians at the end.
//
//   node bench/sqlite-cpu.js baseline=bench/baseline-sqlite.js service=dist/src/main.js
//   SQLITE_CPU_ROUTE=list node bench/sqlite-cpu.js base=/tmp/old/dist/src/main.js now=dist/src/main.js
//
// SQLITE_CPU_ROUTE: include (GET /workflows/:id?include=interviews,todos, a random workflow with
// about 8 of each, as bench/sqlite.js), list (GET /workflows?limit=20), get (GET /workflows/:id),
// deep (the list after id 9000). A variant is label=script[,ENV=value...]; a build of the service
// runs with npm start's Node.js options (bench/processes.js). SQLITE_CPU_SEED=<file> keeps the
// seeded file there and reuses it in later runs.
const { createHash } = require('node:crypto');
const { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join, resolve } = require('node:path');
const autocannon = require('autocannon');
const Database = require('better-sqlite3');
const jwt = require('jsonwebtoken');
const {
  SERVICE_NODE_ARGS,
  benchServiceEnv,
  freePort,
  median,
  startServer,
  waitForServer,
} = require('./processes');
const { seedRows } = require('./sqlite-seed');

const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.SQLITE_CPU_SECONDS || 5);
const WARMUP = Number(process.env.SQLITE_CPU_WARMUP || 3);
const ROUNDS = Number(process.env.SQLITE_CPU_ROUNDS || 3);
const CONNECTIONS = Number(process.env.SQLITE_CPU_CONNECTIONS || 50);
const DIR = mkdtempSync(join(os.tmpdir(), 'bench-sqlite-cpu-'));
const SEED = process.env.SQLITE_CPU_SEED || join(DIR, 'seed.sqlite');
const JWT_SECRET = createHash('sha256').update(String(process.pid)).digest('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '3h' })}`;
const CLOCK_TICKS = 100;
const randomId = (max) => 1 + Math.floor(Math.random() * max);
const LIST_TAG = createHash('sha256')
  .update(JSON.stringify(['recruitment_processes', []]))
  .digest('base64url')
  .slice(0, 8);
const ROUTES = {
  include: () => `/workflows/${20 + randomId(9980)}?include=interviews,todos`,
  list: () => '/workflows?limit=20',
  get: () => `/workflows/${randomId(10000)}`,
  deep: () =>
    `/workflows?limit=20&cursor=${Buffer.from(`c1:9000:${LIST_TAG}`).toString('base64url')}`,
};
const route = ROUTES[process.env.SQLITE_CPU_ROUTE || 'include'];
const log = (...args) => console.error('[sqlite-cpu]', ...args);

/** bench/sqlite.js's seed, on a file the service has migrated. */
async function seed() {
  if (existsSync(SEED)) return;
  const port = await freePort();
  const server = startServer({
    label: 'the service (migrating)',
    script: join(ROOT, 'dist/src/main.js'),
    cwd: ROOT,
    env: benchServiceEnv({ databaseUrl: `sqlite:${SEED}`, port, jwtSecret: JWT_SECRET }),
  });
  await waitForServer(`http://127.0.0.1:${port}/health`, server, 'the service');
  await server.stop();
  const db = new Database(SEED, { fileMustExist: true });
  seedRows(db);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** CPU time of each thread of pid so far (ms), by name: main, V8 workers, libuv's pool... */
function threadsMs(pid) {
  const byName = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        .split(') ')[1]
        .split(' ');
      const name = tid === String(pid) ? 'main' : comm.replace(/\d+$/, '');
      byName[name] =
        (byName[name] ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      /* the thread ended */
    }
  }
  return byName;
}

const cannon = (url, duration) =>
  new Promise((done, fail) =>
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        headers: { authorization: AUTHORIZATION },
        requests: [{ setupRequest: (r) => ({ ...r, method: 'GET', path: route() }) }],
      },
      (err, result) => (err ? fail(err) : done(result)),
    ),
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(variant, round) {
  const at = variant.indexOf('=');
  const label = variant.slice(0, at);
  const [script, ...pairs] = variant.slice(at + 1).split(',');
  const env = Object.fromEntries(
    pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
  const file = join(DIR, `${label}-${round}.sqlite`);
  const source = new Database(SEED, { readonly: true });
  source.exec(`VACUUM INTO '${file}'`);
  source.close();
  const port = await freePort();
  const out = join(DIR, `gc-${label}-${round}.json`);
  const resolved = resolve(ROOT, script);
  const server = startServer({
    label,
    script: resolved,
    cwd: ROOT,
    nodeArgs: ['-r', join(__dirname, 'gc-stats-preload.js')],
    startArgs: /dist\/src\/main\.js$/.test(resolved) ? SERVICE_NODE_ARGS : [],
    env: {
      ...benchServiceEnv({ databaseUrl: `sqlite:${file}`, port, jwtSecret: JWT_SECRET }),
      GC_STATS_OUT: out,
      ...env,
    },
  });
  try {
    await waitForServer(`http://127.0.0.1:${port}/health`, server, label);
    const url = `http://127.0.0.1:${port}`;
    await cannon(url, WARMUP);
    const before = threadsMs(server.child.pid);
    server.child.kill('SIGUSR2');
    await sleep(50);
    const result = await cannon(url, SECONDS);
    server.child.kill('SIGUSR2');
    const after = threadsMs(server.child.pid);
    for (let i = 0; i < 100 && !existsSync(out); i++) await sleep(100);
    const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
    const gc = JSON.parse(readFileSync(out, 'utf8'));
    const n = result.requests.total;
    const perRequest = (ms) => Math.round((ms * 1000) / n);
    const row = {
      label,
      round,
      rps: Math.round(result.requests.average),
      failed: result.non2xx + result.errors,
      cpuUs: Math.round((gc.cpu.user + gc.cpu.system) / n),
      userUs: Math.round(gc.cpu.user / n),
      sysUs: Math.round(gc.cpu.system / n),
      threadsUs: Object.fromEntries(
        Object.keys(after)
          .map((name) => [name, perRequest(after[name] - (before[name] ?? 0))])
          .filter(([, us]) => us > 0),
      ),
      gcPauseUs: Math.round(Object.values(gc.byType).reduce((sum, k) => sum + k.us, 0) / n),
      gcs: Object.fromEntries(
        Object.entries(gc.byType).map(([kind, k]) => [
          kind,
          `${k.count} x ${Math.round(k.us / k.count)} µs`,
        ]),
      ),
      allocatedKiB: Math.round(gc.allocated / n / 1024),
      answerBytes: Math.round(result.throughput.total / n),
      peakRssMiB: Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024),
      loadAverage: Number(os.loadavg()[0].toFixed(1)),
    };
    console.log(JSON.stringify(row));
    return row;
  } finally {
    await server.stop();
  }
}

async function main() {
  const variants = process.argv.slice(2);
  if (variants.length === 0)
    throw new Error('usage: node bench/sqlite-cpu.js <label>=<script> ...');
  try {
    log('seeding (or reusing)', SEED);
    await seed();
    const rows = [];
    for (let round = 1; round <= ROUNDS; round++)
      for (const variant of variants) rows.push(await measure(variant, round));
    console.log(
      '| variant | req/s | CPU µs/request | main thread µs | GC pause µs | allocated KiB/request | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const variant of variants) {
      const mine = rows.filter((r) => r.label === variant.slice(0, variant.indexOf('=')));
      const m = (pick) => median(mine.map(pick));
      console.log(
        `| ${mine[0].label} | ${m((r) => r.rps)} | ${m((r) => r.cpuUs)} | ${m((r) => r.threadsUs.main ?? 0)} | ${m((r) => r.gcPauseUs)} | ${m((r) => r.allocatedKiB)} | ${m((r) => r.peakRssMiB)} |`,
      );
    }
  } finally {
    rmSync(DIR, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
