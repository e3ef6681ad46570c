'use strict';
// Instructions per request of builds of the service on one route, counted by valgrind's
// callgrind in the server process: unlike CPU time, the count does not depend on what else the
// machine runs, so two builds can be compared on a shared machine to within a percent or so.
// Same variants, routes and environment as bench/ab.js (read it; AB_IDEMPOTENCY=1 too), and
// AB_IF_MATCH=<header value> sends that If-Match with every request (`*` holds whatever the
// row's version, so that a PATCH of one row can be repeated: what the check costs):
//
//   node bench/instructions.js before=/tmp/old/dist/src/main.js now=dist/src/main.js
//   AB_METHOD=POST AB_PATH=/todos AB_BODY='{"title":"ab","ownerId":1,"workflowId":1}' node bench/instructions.js ...
//
// Each variant runs under `valgrind --tool=callgrind` (about 50 times slower), answers
// IR_WARMUP requests (default 400) so that V8 has optimized the hot code, then its counters are
// zeroed and IR_REQUESTS requests (default 400) are counted, IR_CONNECTIONS (default 4) at a
// time, in IR_WINDOWS windows (default 3) one after the other. A variant's figure is the main
// thread's instructions (callgrind's Ir: JavaScript, the event loop, most of the GC) in the last
// window, divided by requests; the windows before it show whether the count has settled (it
// falls while V8 still optimizes the hot code, slowly under valgrind). All threads' count, with
// V8's compiler and GC helper threads, is shown too: it varies from window to window with when
// the compiler ran. IR_ROUNDS (default 1) runs every variant again in a fresh process. IR_KEEP=1 keeps
// the dumps (for callgrind_annotate); IR_START_S (default 300) bounds a variant's start;
// IR_VALGRIND_ARGS adds options to valgrind's (e.g. `--cache-sim=yes --branch-sim=yes`: the
// dumps then hold cache misses and mispredicted branches too, for callgrind_annotate). Needs valgrind.
//
// BENCH_DB=sqlite runs every variant on one SQLite file instead (DATABASE_URL=sqlite:<file> in a
// fresh temporary directory), migrated and seeded first by the build at dist/src/main.js run
// without valgrind, so that bench/baseline-sqlite.js can be a variant too:
//
//   BENCH_DB=sqlite node bench/instructions.js baseline=bench/baseline-sqlite.js service=dist/src/main.js
//
// IR_WORKFLOWS (default 1) workflows are seeded, so that a list (AB_PATH='/workflows?limit=20')
// has rows to answer; every one after the first is empty.
const { spawn, execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { randomBytes, randomUUID } = require('node:crypto');
const jwt = require('jsonwebtoken');
const {
  createDatabase,
  dropDatabase,
  freePort,
  median,
  startServer,
  waitForServer,
  parseVariant: parseBenchVariant,
  uniqueDatabaseName,
  benchServiceEnv,
} = require('./processes');

const ROOT = join(__dirname, '..');
const PATH = process.env.AB_PATH || '/workflows/1';
const METHOD = process.env.AB_METHOD || 'GET';
const BODY = process.env.AB_BODY;
const IDEMPOTENCY = process.env.AB_IDEMPOTENCY === '1';
const IF_MATCH = process.env.AB_IF_MATCH;
const WARMUP = Number(process.env.IR_WARMUP || 400);
const REQUESTS = Number(process.env.IR_REQUESTS || 400);
const CONNECTIONS = Number(process.env.IR_CONNECTIONS || 4);
const ROUNDS = Number(process.env.IR_ROUNDS || 1);
const WINDOWS = Number(process.env.IR_WINDOWS || 3);
const SQLITE = process.env.BENCH_DB === 'sqlite';
const WORKFLOWS = Number(process.env.IR_WORKFLOWS || 1);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const DATABASE = uniqueDatabaseName('bench_ir');
const OUT = `/tmp/bench-ir-${process.pid}`;
let PORT = 0;
const SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;

function parseVariant(arg) {
  return { ...parseBenchVariant(arg, ROOT), counts: [], all: [] };
}

async function waitFor(url) {
  // a start under valgrind takes minutes on a busy machine: IR_START_S (default 300) bounds it
  const deadline = Date.now() + Number(process.env.IR_START_S || 300) * 1000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

async function request(method, path, body, idempotent = false, ifMatch = undefined) {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
    method,
    headers: {
      authorization: AUTHORIZATION,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotent ? { 'idempotency-key': randomUUID() } : {}),
      ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status} ${text}`);
}

/** Workflow 1, 25 todos and interview 1 linked to it (as bench/ab.js seeds). */
async function seed() {
  const post = (path, body) => request('POST', path, JSON.stringify(body));
  await post('/workflows', { name: 'ab' });
  for (let i = 0; i < 25; i++)
    await post('/todos', { title: `todo ${i}`, ownerId: 1, workflowId: 1 });
  await post('/interviews', { title: 'ab', candidateId: 1, recruiterId: 1, workflowId: 1 });
  for (let i = 1; i < WORKFLOWS; i++) await post('/workflows', { name: `ab ${i}` });
}

/** A migrated, seeded SQLite file: the build run once on it, without valgrind. */
async function sqliteDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ir-sqlite-'));
  const url = `sqlite:${join(dir, 'ir.sqlite')}`;
  const server = startServer({
    label: 'the service (seeding)',
    script: join(ROOT, 'dist/src/main.js'),
    cwd: ROOT,
    env: benchServiceEnv({ databaseUrl: url, port: PORT, jwtSecret: SECRET }),
  });
  try {
    await waitForServer(`http://127.0.0.1:${PORT}/health`, server, 'the service');
    await seed();
  } finally {
    await server.stop();
  }
  return { url, drop: () => rmSync(dir, { recursive: true, force: true }) };
}

async function load(count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await request(METHOD, PATH, BODY, IDEMPOTENCY, IF_MATCH);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

/** Sends a command to the callgrind of pid; throws unless it answered OK. */
function callgrindControl(command, pid) {
  const answer = execFileSync(
    'callgrind_control',
    [`--vgdb-prefix=${OUT}/vgdb`, command, String(pid)],
    // vgdb finds the server's pipes by the HOST variable valgrind saw, the service's listen address
    { encoding: 'utf8', env: { ...process.env, HOST: '127.0.0.1' } },
  );
  if (!/OK/.test(answer)) throw new Error(`callgrind_control ${command} ${pid}: ${answer}`);
}

/**
 * Instructions in the newest callgrind dump of pid: the main thread's (JavaScript, the event
 * loop, most of the GC) and all threads' (with V8's compiler and GC helpers and libuv's pool).
 * Dumps are one file per thread (--separate-threads=yes): cg.<pid>.<dump>-<thread>.
 */
function dumpedInstructions(pid) {
  const dumps = readdirSync(OUT)
    .map((name) => /^cg\.(\d+)\.(\d+)-(\d+)$/.exec(name))
    .filter((match) => match && Number(match[1]) === pid);
  if (dumps.length === 0) throw new Error(`no dump of ${pid} in ${readdirSync(OUT).join(' ')}`);
  const newest = Math.max(...dumps.map((match) => Number(match[2])));
  let main = 0;
  let all = 0;
  for (const [name, , dump, thread] of dumps) {
    if (Number(dump) !== newest) continue;
    const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(OUT, name), 'utf8'));
    if (!totals) throw new Error(`no totals in ${name}`);
    all += Number(totals[1]);
    if (Number(thread) === 1) main = Number(totals[1]);
  }
  return { main, all };
}

async function main() {
  PORT = await freePort();
  const variants = process.argv.slice(2).map(parseVariant);
  if (variants.length === 0)
    throw new Error('usage: node bench/instructions.js <label>=<script>[,ENV=value...] ...');
  rmSync(OUT, { recursive: true, force: true });
  require('node:fs').mkdirSync(OUT);
  const database = SQLITE
    ? await sqliteDatabase()
    : await createDatabase(new URL(SERVER), DATABASE).then(({ admin, url }) => ({
        url,
        drop: () => dropDatabase(admin, DATABASE),
      }));
  const { url } = database;
  let seeded = SQLITE;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const variant of variants) {
        const child = spawn(
          'valgrind',
          [
            '--tool=callgrind',
            `--callgrind-out-file=${OUT}/cg.%p`,
            `--vgdb-prefix=${OUT}/vgdb`,
            '--separate-threads=yes',
            ...(process.env.IR_VALGRIND_ARGS ?? '').split(' ').filter(Boolean),
            variant.node,
            ...variant.startArgs,
            variant.script,
          ],
          {
            cwd: ROOT,
            env: benchServiceEnv(
              { databaseUrl: url.toString(), port: PORT, jwtSecret: SECRET },
              {
                ...variant.env,
              },
            ),
            // valgrind's and the service's errors, should the server die
            stdio: [
              'ignore',
              'ignore',
              require('node:fs').openSync(`${OUT}/${variant.label}.log`, 'a'),
            ],
          },
        );
        try {
          await waitFor(`http://127.0.0.1:${PORT}/health`);
          if (!seeded) {
            await seed();
            seeded = true;
          }
          await load(WARMUP);
          const windows = [];
          for (let window = 0; window < WINDOWS; window++) {
            callgrindControl('-z', child.pid);
            await load(REQUESTS);
            callgrindControl('-d', child.pid);
            const { main, all } = dumpedInstructions(child.pid);
            windows.push({ main: main / REQUESTS, all: all / REQUESTS });
          }
          // the last window: the main thread's count falls while V8 still optimizes
          variant.counts.push(windows.at(-1).main);
          variant.all.push(windows.at(-1).all);
          const k = (n) => `${Math.round(n / 1000)}k`;
          console.error(
            `[ir] round ${round} ${variant.label}: main thread ${windows.map((w) => k(w.main)).join(' ')}, all threads ${windows.map((w) => k(w.all)).join(' ')} instructions a request`,
          );
        } finally {
          child.kill();
          await new Promise((r) => child.once('exit', r));
        }
      }
    }
  } finally {
    await database.drop();
    if (process.env.IR_KEEP) console.error(`[ir] callgrind dumps kept in ${OUT}`);
    else rmSync(OUT, { recursive: true, force: true });
  }
  const base = variants[0].counts;
  console.log(
    `${METHOD} ${PATH}${IDEMPOTENCY ? ' (a new Idempotency-Key a request)' : ''}${IF_MATCH === undefined ? '' : ` (If-Match: ${IF_MATCH})`}: ${WARMUP} requests to warm up, then ${WINDOWS} windows of ${REQUESTS}, ${CONNECTIONS} at a time; the last window; ${ROUNDS} round(s), medians`,
  );
  console.log(
    `| variant | main thread: instructions a request | vs ${variants[0].label} | all threads |\n|---|---:|---:|---:|`,
  );
  for (const v of variants)
    console.log(
      `| ${v.label} | ${Math.round(median(v.counts) / 1000)}k | x${(median(v.counts) / median(base)).toFixed(3)} | ${Math.round(median(v.all) / 1000)}k |`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
