'use strict';
// node bench/cascade-timeline.js: where the time of a DELETE /workflows/:id of 1,000 children
// goes in the service, next to bench/cascade.js's feature-matched raw transaction (rawDelete),
// under three ways of running them (TIMELINE_MODES): back-to-back (as npm run bench:cascade
// does), idle-service (one second of idleness before the service's delete only, as bench/run.js's
// cascade section did: its counted() paused 1 s before the service's delete, none before the raw
// one), idle-1s (one second before each). The service runs with
// bench/cascade-trace-hook.js loaded, which stamps each request's arrival, each mysql2 command
// (queued, ended, Query/Prepare/Execute) and the answer's end; the table splits the service's
// time into: before its first statement (HTTP, guard, pipes), its statements (first queued to
// last ended), after them (the answer's serialization and hooks), and the client's side (the
// rest of the fetch). Also the server's Com_stmt_prepare delta per side (server-wide counter).
// Env: TIMELINE_CHILDREN (1000), TIMELINE_REPEATS (15 per side and mode), TIMELINE_MODES
// (back-to-back,idle-service,idle-1s; http-client: back to back, the service's DELETE sent with
// node:http instead of bench/cascade.js's fetch()), TIMELINE_LOAD_S (seconds of autocannon on the service
// before, as bench/run.js has, default 0), TIMELINE_PROFILE (a .cpuprofile), TIMELINE_SCRIPT, CASCADE_BACKGROUND as bench/cascade.js, BENCH_MARIADB_URL.
const { execFileSync } = require('node:child_process');
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const os = require('node:os');
const http = require('node:http');
const mysql = require('mysql2/promise');
const {
  benchServiceEnv,
  createDatabase,
  dropDatabase,
  freePort,
  median,
  processCpuMs,
  quartiles,
  startServer,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
} = require('./processes');
const { isStale } = require('../scripts/build-if-stale');
const {
  JWT_SECRET,
  rawDelete,
  seedBackground,
  seedWorkflows,
  serviceDelete,
} = require('./cascade');

const ROOT = join(__dirname, '..');
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const CHILDREN = Number(process.env.TIMELINE_CHILDREN ?? 1000);
const REPEATS = Number(process.env.TIMELINE_REPEATS ?? 15);
const MODES = (process.env.TIMELINE_MODES || 'back-to-back,idle-service,idle-1s').split(',');
const TRACE = join(os.tmpdir(), `cascade-trace-${process.pid}.jsonl`);
/** TIMELINE_PROFILE=<file>: V8's CPU profile of the service over the deletes (bench/cpu-profile-preload.js). */
const PROFILE = process.env.TIMELINE_PROFILE;
/** TIMELINE_SCRIPT: the build to run (default dist/src/main.js; another build's main.js for an A/B). */
const SCRIPT = process.env.TIMELINE_SCRIPT || 'dist/src/main.js';
/** TIMELINE_LOAD_S: seconds of autocannon on the service before the deletes (0: none). */
/** TIMELINE_GETS: GET /workflows/:id sent with each client, alternating (default 300). */
const GETS = Number(process.env.TIMELINE_GETS ?? 300);
const LOAD_S = Number(process.env.TIMELINE_LOAD_S ?? 0);
const AUTHORIZATION = `Bearer ${require('jsonwebtoken').sign({ sub: '1', role: 'admin', org: 1 }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;
const log = (...args) => console.error('[timeline]', ...args);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function prepares(db) {
  const [[row]] = await db.query("SHOW GLOBAL STATUS LIKE 'Com_stmt_prepare'");
  return Number(row.Value);
}

/** The service's requests traced since `from` (line count), DELETEs only. */
function tracedDeletes(from) {
  return readFileSync(TRACE, 'utf8')
    .trim()
    .split('\n')
    .slice(from)
    .map((line) => JSON.parse(line))
    .filter((t) => t.method === 'DELETE');
}

const lines = () => {
  try {
    return readFileSync(TRACE, 'utf8').trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

const agent = new http.Agent({ keepAlive: true });

/** One request through node:http on a keep-alive agent: { status, body } (JSON). */
function httpRequest(url, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The service's DELETE sent with node:http instead of fetch(): the same request. */
async function httpDelete(base, id) {
  const started = process.hrtime.bigint();
  const res = await httpRequest(`${base}/workflows/${id}`, {
    method: 'DELETE',
    headers: { authorization: AUTHORIZATION },
  });
  const total = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 200) throw new Error(`DELETE ${id}: ${res.status}`);
  return { total, cascaded: res.body.cascaded.interviews + res.body.cascaded.todos };
}

async function run(db, base, mode, round) {
  const remove = mode === 'http-client' ? httpDelete : serviceDelete;
  const ids = await seedWorkflows(db, `timeline ${round} ${mode}`, 2 * REPEATS, CHILDREN);
  await db.query('ANALYZE TABLE recruitment_processes, interviews, todos');
  // idle-1s: one second of idleness before each delete, the service's and the raw one;
  // idle-service: before the service's only, as bench/run.js's counted() does
  const idleService = mode === 'idle-1s' || mode === 'idle-service' ? 1000 : 0;
  const idleRaw = mode === 'idle-1s' ? 1000 : 0;
  const service = [];
  const raw = [];
  let servicePrepares = 0;
  let rawPrepares = 0;
  const from = lines();
  for (let i = 0; i < REPEATS; i++) {
    const runs = [
      async () => {
        if (idleService) await pause(idleService);
        const before = await prepares(db);
        service.push(await remove(base, ids[2 * i]));
        servicePrepares += (await prepares(db)) - before - 0;
      },
      async () => {
        if (idleRaw) await pause(idleRaw);
        const before = await prepares(db);
        raw.push(await rawDelete(db, ids[2 * i + 1]));
        rawPrepares += (await prepares(db)) - before;
      },
    ];
    if (i % 2 === 1) runs.reverse();
    for (const r of runs) await r();
  }
  await pause(200); // the hook writes each trace 50 ms after its answer
  const byUrl = new Map(tracedDeletes(from).map((t) => [t.url, t]));
  const traces = ids.filter((_, k) => k % 2 === 0).map((id) => byUrl.get(`/workflows/${id}`));
  const split = traces.map((t, i) => {
    const tx = t.commands.filter((c) => c.queued <= t.finished);
    const first = tx[0]?.queued ?? NaN;
    const last = Math.max(...tx.map((c) => c.ended ?? NaN));
    return {
      before: first,
      statements: last - first,
      after: t.finished - last,
      client: service[i].total - t.finished,
      prepares: tx.filter((c) => c.kind === 'Prepare').length,
      prepareMs: tx
        .filter((c) => c.kind === 'Prepare')
        .reduce((sum, c) => sum + (c.ended - c.queued), 0),
      connections: new Set(tx.map((c) => c.connection)).size,
      afterAnswer: t.commands.filter((c) => c.queued > t.finished).length,
    };
  });
  const mid = (key) => median(split.map((s) => s[key]));
  // each statement the service sent (a Query or an Execute; a Prepare answered from mysql2's
  // cache sends nothing), median ms from queued to ended, next to the raw side's step
  const sent = traces.map((t) =>
    t.commands.filter((c) => c.queued <= t.finished && c.kind !== 'Prepare'),
  );
  const perStatement = sent[0].map((c, k) => ({
    sql: c.sql.slice(0, 40),
    ms: median(sent.map((cs) => (cs[k] ? cs[k].ended - cs[k].queued : NaN))),
  }));
  const rawSteps = Object.keys(raw[0].steps).map((step) => ({
    step,
    ms: median(raw.map((r) => r.steps[step])),
  }));
  return {
    mode,
    service: median(service.map((r) => r.total)),
    serviceSpread: [
      Math.min(...service.map((r) => r.total)),
      Math.max(...service.map((r) => r.total)),
    ],
    raw: median(raw.map((r) => r.total)),
    rawSpread: [Math.min(...raw.map((r) => r.total)), Math.max(...raw.map((r) => r.total))],
    before: mid('before'),
    statements: mid('statements'),
    after: mid('after'),
    client: mid('client'),
    preparesTraced: median(split.map((s) => s.prepares)),
    prepareMs: Math.max(...split.map((s) => s.prepareMs)),
    servicePrepares: servicePrepares / REPEATS,
    rawPrepares: rawPrepares / REPEATS,
    // service - raw of each pair (the two deletes run one right after the other): what the
    // service adds, with the machine's drifts of load mostly cancelled
    paired: median(service.map((r, k) => r.total - raw[k].total)),
    pairedSpread: quartiles(service.map((r, k) => r.total - raw[k].total)),
    sample: traces.at(-1),
    perStatement,
    rawSteps,
  };
}

async function main() {
  if (isStale()) execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'inherit' });
  rmSync(TRACE, { force: true });
  const name = uniqueDatabaseName('timeline');
  const { admin, url } = await createDatabase(SERVER, name);
  const port = await freePort();
  let app;
  let db;
  try {
    app = startServer({
      label: 'the service',
      script: SCRIPT,
      cwd: ROOT,
      nodeArgs: [
        '--require',
        join(__dirname, 'cascade-trace-hook.js'),
        ...(PROFILE ? ['--require', join(__dirname, 'cpu-profile-preload.js')] : []),
      ],
      env: benchServiceEnv(
        { databaseUrl: url, port, jwtSecret: JWT_SECRET },
        {
          LOG_LEVEL: 'warn',
          CASCADE_TRACE_FILE: TRACE,
          ...(PROFILE ? { CPU_PROFILE_OUT: PROFILE } : {}),
        },
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
    const results = await whileRunning([app], async () => {
      await seedBackground(db);
      const [a, b] = await seedWorkflows(db, 'warm-up', 2, 100);
      for (let i = 0; i < 3; i++) {
        await serviceDelete(base, a);
        await httpRequest(`${base}/workflows/${a}/restore`, {
          method: 'POST',
          headers: { authorization: AUTHORIZATION },
        });
      }
      await rawDelete(db, b);
      // the two clients on the same GET /workflows/:id, alternating: what fetch() adds
      const [probe] = await seedWorkflows(db, 'probe', 1, 2);
      const gets = { fetch: [], http: [] };
      for (let i = 0; i < 2 * GETS; i++) {
        const started = process.hrtime.bigint();
        if (i % 2 === 0) {
          await (
            await fetch(`${base}/workflows/${probe}`, { headers: { authorization: AUTHORIZATION } })
          ).json();
        } else {
          await httpRequest(`${base}/workflows/${probe}`, {
            headers: { authorization: AUTHORIZATION },
          });
        }
        gets[i % 2 === 0 ? 'fetch' : 'http'].push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      if (GETS > 0)
        log(
          `GET /workflows/:id, ${GETS} each, medians: fetch() ${median(gets.fetch.slice(GETS / 10)).toFixed(2)} ms, node:http ${median(gets.http.slice(GETS / 10)).toFixed(2)} ms`,
        );
      if (LOAD_S > 0) {
        // as bench/run.js before its cascades: the service (and this process) under a load first
        log(`${LOAD_S} s of autocannon (50 connections) on GET /workflows?limit=20`);
        const result = await require('autocannon')({
          url: `${base}/workflows?limit=20`,
          connections: 50,
          duration: LOAD_S,
          headers: { authorization: AUTHORIZATION },
        });
        if (result.non2xx > 0) throw new Error(`${result.non2xx} answers not 2xx`);
      }
      const out = [];
      const cpuBefore = processCpuMs(app.child.pid);
      if (PROFILE) process.kill(app.child.pid, 'SIGUSR2');
      for (const [round, mode] of MODES.entries()) {
        log(`${mode}: ${REPEATS} deletes of ${CHILDREN} children per side`);
        out.push(await run(db, base, mode, round));
      }
      if (PROFILE) {
        process.kill(app.child.pid, 'SIGUSR2');
        await pause(2000);
      }
      log(
        `the service's CPU (user + system) per DELETE: ${((processCpuMs(app.child.pid) - cpuBefore) / (MODES.length * REPEATS)).toFixed(2)} ms`,
      );
      return out;
    });
    const f = (n) => n.toFixed(1);
    console.log(
      `| mode | service ms (min-max) | raw ms (min-max) | ratio | service: before 1st statement | statements | after last | client side | service - raw, paired: median (quartiles) | Prepare commands per service delete (traced, mostly mysql2 cache hits); server Com_stmt_prepare delta; the most ms a delete spent in them | server Com_stmt_prepare delta per raw delete |`,
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const r of results) {
      console.log(
        `| ${r.mode} | ${f(r.service)} (${f(r.serviceSpread[0])}-${f(r.serviceSpread[1])}) | ${f(r.raw)} (${f(r.rawSpread[0])}-${f(r.rawSpread[1])}) | ${(r.service / r.raw).toFixed(2)} | ${f(r.before)} | ${f(r.statements)} | ${f(r.after)} | ${f(r.client)} | ${f(r.paired)} (${f(r.pairedSpread[0])} to ${f(r.pairedSpread[1])}) | ${r.preparesTraced}; ${r.servicePrepares.toFixed(1)}; ${r.prepareMs.toFixed(2)} | ${r.rawPrepares.toFixed(1)} |`,
      );
    }
    for (const r of results) {
      console.log(`\n${r.mode}: the service's statements, median ms each (queued to ended)`);
      for (const s of r.perStatement) console.log(`  ${s.ms.toFixed(2)}  ${s.sql}`);
      console.log(`${r.mode}: the raw transaction's steps, median ms each`);
      for (const s of r.rawSteps) console.log(`  ${s.ms.toFixed(2)}  ${s.step}`);
    }
    if (process.env.TIMELINE_SAMPLE) {
      for (const r of results) console.log(r.mode, JSON.stringify(r.sample, null, 1));
    }
  } finally {
    await db?.end();
    await app?.stop();
    await dropDatabase(admin, name);
    rmSync(TRACE, { force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
