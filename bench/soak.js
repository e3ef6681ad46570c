'use strict';
// npm run soak: the built service on its embedded default (SQLite under data/ of a fresh working
// directory) under a mixed write load for several minutes, with a full garbage collection forced
// every 500 ms inside the service (node --expose-gc, bench/soak-gc.js). Load comes in bursts
// with idle pauses between them, so that statements are also finalised while nothing runs. It
// fails when the service dies (better-sqlite3 12 on Node >= 24.19 aborts here: SIGABRT), when an
// answer is not the one expected, or when the service's RSS keeps growing.
//
//   npm run soak                          5 minutes
//   SOAK_SECONDS=180 npm run soak
//
// SOAK_SECONDS (300), SOAK_CONNECTIONS (16 clients, each running the scenario in a loop),
// SOAK_BURST (20 s of load) and SOAK_IDLE (5 s idle), SOAK_GC_MS (500), SOAK_RSS_GROWTH_MB (16):
// the RSS growth allowed after warm-up (the first third of the run: malloc arenas, SQLite's page
// cache and V8's heap grow to their working size), from the first idle pause after it to the last.
const { spawn, execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync } = require('node:fs');
const { writeFileSync, mkdirSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:net');
const os = require('node:os');
const { join } = require('node:path');
const jwt = require('jsonwebtoken');

const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.SOAK_SECONDS || 300);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS || 16);
const BURST = Number(process.env.SOAK_BURST || 20);
const IDLE = Number(process.env.SOAK_IDLE || 5);
const GC_MS = Number(process.env.SOAK_GC_MS || 500);
const RSS_GROWTH_MB = Number(process.env.SOAK_RSS_GROWTH_MB || 16);
let BASE; // http://127.0.0.1:<a free port>
const JWT_SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '2h' })}`;
const log = (...args) => console.error('[soak]', ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes) => Math.round(bytes / 1048576);

function buildApp() {
  const dist = join(ROOT, 'dist/src/main.js');
  const newest = (dir) =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile())
        .map((e) => statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs),
    );
  if (
    !existsSync(dist) ||
    statSync(dist).mtimeMs < Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'migrations')))
  ) {
    log('building the service (nest build)');
    execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
}

function withoutDatabaseUrl(env) {
  const copy = { ...env };
  delete copy.DATABASE_URL;
  return copy;
}

/** A TCP port nothing listens on right now (other runs may share the machine). */
function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

const counts = new Map(); // "POST /workflows 201" -> n
const unexpected = [];
let requests = 0;

async function call(method, path, body, expected) {
  const res = await fetch(BASE + path, {
    method,
    headers: {
      authorization: AUTHORIZATION,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  requests++;
  const route = `${method} ${path.replace(/\/\d+/g, '/:id').replace(/\?.*/, '')}`;
  const key = `${route} ${res.status}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  if (res.status !== expected) {
    if (unexpected.length < 20) unexpected.push(`${method} ${path}: ${res.status} ${text}`);
    throw new Error(`${method} ${path} answered ${res.status}, expected ${expected}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** One client's unit of work: a workflow with linked rows, updates, reads, a cascade, a restore. */
async function scenario(n) {
  const workflow = await call(
    'POST',
    '/workflows',
    { name: `soak ${n}`, description: 'd'.repeat(n % 300), status: 'active' },
    201,
  );
  const id = workflow.id;
  const interviews = [];
  const todos = [];
  for (let i = 0; i < 2; i++) {
    interviews.push(
      await call(
        'POST',
        '/interviews',
        { title: `interview ${n}.${i}`, candidateId: n + 1, recruiterId: 7, workflowId: id },
        201,
      ),
    );
    todos.push(
      await call('POST', '/todos', { title: `todo ${n}.${i}`, ownerId: 7, workflowId: id }, 201),
    );
  }
  await call('PATCH', `/todos/${todos[0].id}`, { status: 'in_progress' }, 200);
  await call('PATCH', `/interviews/${interviews[0].id}`, { location: `room ${n % 10}` }, 200);
  await call('PATCH', `/workflows/${id}`, { description: `updated ${n}` }, 200);
  await call('DELETE', `/todos/${todos[1].id}`, undefined, 200);
  await call('GET', `/workflows/${id}?include=interviews,todos`, undefined, 200);
  await call('GET', `/todos?workflowId=${id}`, undefined, 200);
  await call('GET', '/workflows?limit=20', undefined, 200);
  const deleted = await call('DELETE', `/workflows/${id}`, undefined, 200);
  if (deleted.cascaded.interviews !== 2 || deleted.cascaded.todos !== 1)
    throw new Error(`DELETE /workflows/${id} cascaded ${JSON.stringify(deleted.cascaded)}`);
  if (n % 2 === 0) {
    await call('POST', `/workflows/${id}/restore`, undefined, 200);
    await call('DELETE', `/workflows/${id}`, undefined, 200);
  }
}

async function main() {
  buildApp();
  const cwd = mkdtempSync(join(os.tmpdir(), 'soak_'));
  const statsFile = join(cwd, 'memory.jsonl');
  const betterSqlite = require('better-sqlite3/package.json').version;
  const port = await freePort();
  BASE = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--require', join(__dirname, 'soak-gc.js'), join(ROOT, 'dist/src/main.js')],
    {
      cwd, // no DATABASE_URL: the default, SQLite in data/app.sqlite of this directory
      env: {
        ...withoutDatabaseUrl(process.env),
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        JWT_SECRET,
        RATE_LIMIT_PER_MINUTE: '0',
        SOAK_GC_MS: String(GC_MS),
        SOAK_STATS: statsFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // the last lines it wrote (log on stdout, a crash's trace on stderr), told when it dies
  let output = '';
  const keep = (chunk) => (output = (output + chunk).slice(-6000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let stopping = false;
  let died;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) died = `the service died during the soak: ${signal ?? `exit code ${code}`}`;
      resolve(signal ?? code);
    }),
  );

  for (let i = 0; !died; i++) {
    if (i > 600) throw new Error('the service did not answer /health within 60 s');
    if ((await fetch(`${BASE}/health`).catch(() => undefined))?.ok) break;
    await sleep(100);
  }
  log(
    `Node ${process.version}, better-sqlite3 ${betterSqlite}: ${SECONDS} s, ${CONNECTIONS} clients, ${BURST} s load / ${IDLE} s idle, gc every ${GC_MS} ms`,
  );

  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  let paused = false;
  let failure;
  let next = 0;
  const clients = Array.from({ length: CONNECTIONS }, async () => {
    while (!died && !failure && Date.now() < deadline) {
      if (paused) {
        await sleep(50);
        continue;
      }
      await scenario(next++).catch((err) => {
        if (!died) failure ??= err.message;
      });
    }
  });

  // after each burst, an idle pause: garbage collections with no load, then an RSS sample
  const samples = [];
  const purges = [];
  const control = (async () => {
    while (!died && !failure && Date.now() < deadline) {
      await sleep(Math.min(BURST * 1000, deadline - Date.now()));
      paused = true;
      await sleep(IDLE * 1000);
      if (died) break;
      const rss = rssOf(child.pid);
      samples.push({ at: Math.round((Date.now() - started) / 1000), rss, requests });
      log(`${samples.at(-1).at} s: ${requests} requests, RSS ${mib(rss)} MiB`);
      // retention too: rows soft-deleted over a minute ago go for good (keeps the file bounded)
      if (samples.length % 3 === 0 && Date.now() < deadline) {
        purges.push(await call('POST', '/admin/purge', { olderThan: '1m' }, 200).catch(() => null));
      }
      paused = false;
    }
  })();
  await Promise.all([...clients, control]);
  await Promise.race([exited, sleep(1000)]);

  let exitCode;
  if (!died) {
    stopping = true;
    child.kill('SIGTERM');
    exitCode = await exited;
  }
  const memory = existsSync(statsFile)
    ? readFileSync(statsFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
  rmSync(cwd, { recursive: true, force: true });

  const seconds = (Date.now() - started) / 1000;
  const rss = samples.map((s) => s.rss);
  const warm = samples.find((s) => s.at >= SECONDS / 3) ?? samples.at(-1);
  const growth = warm ? samples.at(-1).rss - warm.rss : 0;
  const heap = memory.map((m) => m.heapUsed);
  const problems = [];
  if (died) problems.push(died);
  if (failure) problems.push(`a request failed: ${failure}`);
  if (!died && exitCode !== 0) problems.push(`SIGTERM ended the service with ${exitCode}, not 0`);
  if (rss.length < 3) problems.push(`only ${rss.length} idle samples: run longer`);
  if (mib(growth) > RSS_GROWTH_MB)
    problems.push(`RSS grew by ${mib(growth)} MiB after warm-up (more than ${RSS_GROWTH_MB} MiB)`);
  const purged = purges.filter(Boolean).reduce((sum, p) => sum + p.workflows, 0);

  const lines = [
    `Machine: ${os.cpus()[0].model.split(' ').slice(0, 2).join(' ')}, ${os.cpus().length} cores, Node ${process.version}, better-sqlite3 ${betterSqlite}`,
    `Soak: ${seconds.toFixed(0)} s of the built service on its default SQLite file, ${CONNECTIONS} clients, ${BURST} s load / ${IDLE} s idle, a forced full GC every ${GC_MS} ms`,
    `Requests: ${requests} (${Math.round(requests / seconds)}/s over the whole run), ${next} scenarios, ${purged} workflows purged`,
    `RSS after each idle pause (s: MiB): ${samples.map((s) => `${s.at}: ${mib(s.rss)}`).join(', ')}`,
    rss.length
      ? `RSS: first pause ${mib(rss[0])} MiB, after warm-up (${warm.at} s) ${mib(warm.rss)} MiB, last ${mib(rss.at(-1))} MiB (${growth >= 0 ? '+' : ''}${mib(growth)} after warm-up), min ${mib(Math.min(...rss))}, max ${mib(Math.max(...rss))}`
      : 'RSS: no sample',
    heap.length
      ? `After a forced GC: heap used first ${mib(heap[0])} MiB, last ${mib(heap.at(-1))} MiB, max ${mib(Math.max(...heap))} MiB; heap total first ${mib(memory[0].heapTotal)}, last ${mib(memory.at(-1).heapTotal)} MiB; external first ${mib(memory[0].external)}, last ${mib(memory.at(-1).external)} MiB (${heap.length} GCs)`
      : 'Heap: no sample',
    `Answers: ${[...counts]
      .sort()
      .map(([k, v]) => `${k} x${v}`)
      .join(', ')}`,
    problems.length
      ? `FAILED: ${problems.join('; ')}`
      : 'PASSED: no crash, every answer as expected, RSS flat',
  ];
  for (const u of unexpected) lines.push(`unexpected: ${u}`);
  if (died) lines.push(`the service's last output:\n${output}`);
  console.log(lines.join('\n'));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/soak.md'), `${lines.join('\n\n')}\n`);
  process.exit(problems.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
