'use strict';
// npm run soak: the built service on its embedded default (SQLite under data/ of a fresh working
// directory) under a mixed write load for several minutes, in a process started with
// --expose-gc and bench/soak-gc.js preloaded: every 500 ms in turn a full garbage collection
// forced from Node.js's main context (then a memory sample) and an allocation burst inside a
// node:vm context, so that V8's own collections also run while a vm context is current, as they
// do under Jest. That is what better-sqlite3 12 does not survive on Node.js >= 24.19 (SIGABRT in
// node::RemoveEnvironmentCleanupHook: see bench/soak-gc.js). Load comes in bursts with idle
// pauses between them. It fails when the service dies, when an answer is not the one expected,
// or when the service's RSS keeps growing after warm-up.
//
//   npm run soak                          5 minutes
//   SOAK_SECONDS=600 npm run soak
//   SOAK_BETTER_SQLITE3=/tmp/bs12/node_modules/better-sqlite3 npm run soak   another binding
//
// SOAK_SECONDS (300), SOAK_CONNECTIONS (16 clients, each running the scenario in a loop),
// SOAK_BURST (20 s of load) and SOAK_IDLE (5 s idle), SOAK_GC_MS (500), SOAK_WARMUP (a third of
// the run: V8's heap, SQLite's page caches and malloc's arenas grow to their working size),
// SOAK_RSS_SLOPE (1): the RSS growth allowed after warm-up, in MiB a minute (least squares over
// the samples taken after each forced GC), SOAK_VM_AFTER_MS (0): no vm-context collection before
// then, SOAK_REPORT (bench/results/soak.md).
const { spawn, execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { writeFileSync, mkdirSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:net');
const os = require('node:os');
const { join } = require('node:path');
const jwt = require('jsonwebtoken');
const { isStale } = require('../scripts/build-if-stale');
const { SERVICE_NODE_ARGS } = require('./processes');

const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.SOAK_SECONDS || 300);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS || 16);
const BURST = Number(process.env.SOAK_BURST || 20);
const IDLE = Number(process.env.SOAK_IDLE || 5);
const GC_MS = Number(process.env.SOAK_GC_MS || 500);
const RSS_SLOPE = Number(process.env.SOAK_RSS_SLOPE || 1);
const REPORT = process.env.SOAK_REPORT || join(ROOT, 'bench/results/soak.md');
let BASE; // http://127.0.0.1:<a free port>
const JWT_SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '2h' })}`;
const log = (...args) => console.error('[soak]', ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes) => Math.round(bytes / 1048576);

function buildApp() {
  if (isStale()) {
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

/** The better-sqlite3 version the service loaded (bench/soak-gc.js writes it first). */
function loadedBetterSqlite3(statsFile) {
  try {
    return JSON.parse(readFileSync(statsFile, 'utf8').split('\n')[0]).betterSqlite3;
  } catch {
    return 'unknown';
  }
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

const WORKFLOW_CHANGES = {
  description: (n) => `updated ${n}`,
  name: (n) => `soak ${n} renamed`,
  status: (n) => (n % 3 ? 'active' : 'draft'),
};
const INTERVIEW_CHANGES = {
  location: (n) => `room ${n % 10}`,
  title: (n) => `interview ${n} moved`,
  description: (n) => `notes ${n}`,
  recruiterId: (n) => 7 + (n % 5),
  candidateId: (n) => n + 2,
};
const TODO_CHANGES = {
  status: (n) => (n % 2 ? 'in_progress' : 'pending'),
  title: (n) => `todo ${n} renamed`,
  description: (n) => `todo notes ${n}`,
  ownerId: (n) => 7 + (n % 3),
};

/** A non-empty subset of the fields, in an order of its own, chosen by n. */
function shape(n, fields) {
  const names = Object.keys(fields);
  let pick = names.filter((_, i) => ((n * 2654435761) >>> (i * 3)) & 1);
  if (pick.length === 0) pick = [names[n % names.length]];
  for (let i = pick.length - 1; i > 0; i--) {
    const j = (n >>> i) % (i + 1);
    [pick[i], pick[j]] = [pick[j], pick[i]];
  }
  return Object.fromEntries(pick.map((name) => [name, fields[name](n)]));
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
  // PATCH bodies with a different subset of fields, in a different order, each time: every shape
  // is its own SQL text, so TypeORM's statement cache (100 statements, first in first out)
  // keeps preparing statements and dropping others, as a service with more than 100 distinct
  // statements does; the dropped ones are finalised by garbage collection
  await call('PATCH', `/todos/${todos[0].id}`, shape(n, TODO_CHANGES), 200);
  await call('PATCH', `/interviews/${interviews[0].id}`, shape(n, INTERVIEW_CHANGES), 200);
  await call('PATCH', `/workflows/${id}`, shape(n, WORKFLOW_CHANGES), 200);
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
  const port = await freePort();
  BASE = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...SERVICE_NODE_ARGS, // as npm start runs it
      '--expose-gc',
      '--require',
      join(__dirname, 'soak-gc.js'),
      join(ROOT, 'dist/src/main.js'),
    ],
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
    `Node ${process.version}, better-sqlite3 ${loadedBetterSqlite3(statsFile)}: ${SECONDS} s, ${CONNECTIONS} clients, ${BURST} s load / ${IDLE} s idle, gc every ${GC_MS} ms`,
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
  const stats = existsSync(statsFile)
    ? readFileSync(statsFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
  const betterSqlite = stats[0]?.betterSqlite3 ?? 'unknown';
  const memory = stats.filter((m) => m.t).map((m) => ({ ...m, at: (m.t - started) / 1000 }));
  rmSync(cwd, { recursive: true, force: true });

  const seconds = (Date.now() - started) / 1000;
  const warmUp = Number(process.env.SOAK_WARMUP || SECONDS / 3);
  const after = memory.filter((m) => m.at >= warmUp);
  // least-squares slope over the samples after warm-up, in MiB a minute
  const slope = (field) => {
    if (after.length < 10) return NaN;
    const xs = after.map((m) => m.at / 60);
    const ys = after.map((m) => m[field] / 1048576);
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < xs.length; i++) {
      num += (xs[i] - mx) * (ys[i] - my);
      den += (xs[i] - mx) ** 2;
    }
    return num / den;
  };
  const native = (m) => m.rssAnon - m.heapTotal - m.external;
  for (const m of memory) m.native = native(m);
  const fields = ['rss', 'rssAnon', 'rssFile', 'heapTotal', 'heapUsed', 'external', 'native'];
  const slopes = Object.fromEntries(fields.map((f) => [f, slope(f)]));
  const fmt = (x) => (Number.isNaN(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(2)}`);
  const problems = [];
  if (died) problems.push(died);
  if (failure) problems.push(`a request failed: ${failure}`);
  if (!died && exitCode !== 0) problems.push(`SIGTERM ended the service with ${exitCode}, not 0`);
  if (after.length < 10)
    problems.push(`only ${after.length} memory samples after warm-up: run longer`);
  else if (slopes.rss > RSS_SLOPE)
    problems.push(
      `RSS grew by ${fmt(slopes.rss)} MiB/min after warm-up (more than ${RSS_SLOPE} MiB/min)`,
    );
  const purged = purges.filter(Boolean).reduce((sum, p) => sum + p.workflows, 0);
  const first = after[0];
  const last = memory.at(-1);
  const row = (label, m) =>
    `| ${label} | ${Math.round(m.at)} | ${mib(m.rss)} | ${mib(m.rssAnon)} | ${mib(m.rssFile)} | ${mib(m.heapTotal)} | ${mib(m.heapUsed)} | ${mib(m.external)} | ${mib(m.native)} |`;

  const lines = [
    `Machine: ${os.cpus()[0].model.split(' ').slice(0, 2).join(' ')}, ${os.cpus().length} cores, Node ${process.version}, better-sqlite3 ${betterSqlite}`,
    `Soak: ${seconds.toFixed(0)} s of the built service on its default SQLite file, ${CONNECTIONS} clients, ${BURST} s load / ${IDLE} s idle; every ${GC_MS} ms in turn a full GC forced from the main context and an allocation burst in a node:vm context`,
    `Requests: ${requests} (${Math.round(requests / seconds)}/s over the whole run), ${next} scenarios, ${purged} workflows purged`,
    `RSS after each idle pause (s: MiB): ${samples.map((s) => `${s.at}: ${mib(s.rss)}`).join(', ')}`,
    memory.length && first
      ? [
          `Memory after a forced full GC (MiB; native = anonymous RSS - V8 heap - external), ${memory.length} samples, warm-up ${Math.round(warmUp)} s:`,
          '',
          '| sample | s | RSS | anon | file | heap total | heap used | external | native |',
          '| ------ | -: | --: | ---: | ---: | ---------: | --------: | -------: | -----: |',
          row('first', memory[0]),
          row('after warm-up', first),
          row('last', last),
          '',
          `Slope after warm-up (least squares over ${after.length} samples, MiB/min): ${fields.map((f) => `${f} ${fmt(slopes[f])}`).join(', ')}`,
        ].join('\n')
      : 'Memory: no sample after warm-up',
    `Answers: ${[...counts]
      .sort()
      .map(([k, v]) => `${k} x${v}`)
      .join(', ')}`,
    problems.length
      ? `FAILED: ${problems.join('; ')}`
      : `PASSED: no crash, every answer as expected, RSS flat (${fmt(slopes.rss)} MiB/min after warm-up, at most ${RSS_SLOPE})`,
  ];
  for (const u of unexpected) lines.push(`unexpected: ${u}`);
  if (died)
    lines.push(
      `the service's last output:\n\n\`\`\`\n${output.slice(output.indexOf('\n') + 1)}\n\`\`\``,
    );
  console.log(lines.join('\n'));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(REPORT, `${lines.join('\n\n')}\n`);
  process.exit(problems.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
