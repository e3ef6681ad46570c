'use strict';
// What a read costs in garbage collection, service against baseline, on MariaDB: each variant
// (`label=script`, as bench/instructions.js) in a fresh process on one database seeded as
// bench/instructions.js seeds it (IR_WORKFLOWS workflows, default 30; workflow 1 with 25 todos and
// an interview), GC_REQUESTS / 2 requests of AB_PATH (default /workflows?limit=20) to warm up,
// then GC_REQUESTS (default 20,000) at GC_CONNECTIONS (default 10) counted: V8's heap allocation
// and collections by kind (bench/gc-stats-preload.js: count, and main-thread pause a request) and
// the process's CPU time a request, the main thread's and the other threads' (V8's GC and compiler
// helpers, libuv's pool) apart (/proc/<pid>/task/*/schedstat).
//
//   node bench/gc-reads.js base=/work/base/dist/src/main.js now=dist/src/main.js matched=bench/baseline-server.js
//
// AB_METHOD and AB_BODY send a write instead (AB_METHOD=POST AB_PATH=/todos AB_BODY='{...}').
//
// GC_PRELOAD=<file> preloads another script instead of gc-stats-preload.js (one that writes
// HEAP_SAMPLE_OUT on the second SIGUSR2, e.g. bench/heap-sample-preload.js's sampling heap
// profile, which bench/heap-sample-summary.js sums by function), and prints where it went and
// over how many requests: bench/promise-count-preload.js (the promises a request creates, by the
// code that creates them), bench/gc-survival-preload.js (what the scavenges kept and promoted),
// bench/survivors-preload.js (what survived a scavenge, by where it was allocated). With
// BENCH_SERVER_STDOUT=<prefix> (bench/processes.js) and a variant's NODE_ARGS=--trace-gc-nvp, V8's
// line for every collection (bytes promoted, survived, the pause) goes to <prefix><label>.
const autocannon = require('autocannon');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const jwt = require('jsonwebtoken');
const P = require('./processes');
const ROOT = join(__dirname, '..');
const PATH = process.env.AB_PATH || '/workflows?limit=20';
// AB_METHOD and AB_BODY (JSON) as in bench/ab.js: a write, e.g. AB_METHOD=POST AB_PATH=/todos
const METHOD = process.env.AB_METHOD || 'GET';
const BODY = process.env.AB_BODY;
const N = Number(process.env.GC_REQUESTS || 20000);
const CONN = Number(process.env.GC_CONNECTIONS || 10);
const WORKFLOWS = Number(process.env.IR_WORKFLOWS || 30);
const SECRET = randomBytes(32).toString('hex');
const AUTH = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;
const { readdirSync } = require('node:fs');
const threads = (pid) => {
  const o = {};
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      o[t] = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
    } catch {
      /* the thread ended */
    }
  }
  return o;
};
const run = (port, amount) =>
  new Promise((res, rej) =>
    autocannon(
      {
        url: `http://127.0.0.1:${port}${PATH}`,
        connections: CONN,
        amount,
        method: METHOD,
        headers: {
          authorization: AUTH,
          ...(BODY === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(BODY === undefined ? {} : { body: BODY }),
      },
      (e, r) => (e ? rej(e) : res(r)),
    ),
  );
(async () => {
  const server = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
  const name = P.uniqueDatabaseName('gc_reads');
  const { admin, url } = await P.createDatabase(server, name);
  let seeded = false;
  try {
    for (const arg of process.argv.slice(2)) {
      const v = P.parseVariant(arg, ROOT);
      const port = await P.freePort();
      const out = `/tmp/gc-reads-${process.pid}-${v.label}.json`;
      const s = P.startServer({
        label: v.label,
        script: v.script,
        cwd: ROOT,
        startArgs: v.startArgs,
        nodeArgs: ['-r', process.env.GC_PRELOAD || join(__dirname, 'gc-stats-preload.js')],
        env: {
          ...P.benchServiceEnv({ databaseUrl: url, port, jwtSecret: SECRET }),
          ...v.env,
          GC_STATS_OUT: out,
          HEAP_SAMPLE_OUT: out + '.heap',
        },
      });
      try {
        await P.waitForServer(`http://127.0.0.1:${port}/health`, s, v.label);
        if (!seeded) {
          const post = (p, b) =>
            fetch(`http://127.0.0.1:${port}${p}`, {
              method: 'POST',
              headers: { authorization: AUTH, 'content-type': 'application/json' },
              body: JSON.stringify(b),
            }).then((r) => r.text());
          await post('/workflows', { name: 'ab' });
          for (let i = 0; i < 25; i++)
            await post('/todos', { title: `todo ${i}`, ownerId: 1, workflowId: 1 });
          await post('/interviews', { title: 'ab', candidateId: 1, recruiterId: 1, workflowId: 1 });
          for (let i = 1; i < WORKFLOWS; i++) await post('/workflows', { name: `ab ${i}` });
          seeded = true;
        }
        await run(port, N / 2);
        s.child.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 200));
        const t0 = threads(s.child.pid);
        const r = await run(port, N);
        const t1 = threads(s.child.pid);
        s.child.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, process.env.GC_PRELOAD ? 3000 : 500));
        let main = 0,
          other = 0;
        for (const [t, us] of Object.entries(t1)) {
          if (Number(t) === s.child.pid) main += us - (t0[t] ?? 0);
          else other += us - (t0[t] ?? 0);
        }
        if (process.env.GC_PRELOAD) {
          console.log(
            v.label,
            'heap sample in',
            out + '.heap',
            'over',
            r.requests.total,
            'requests',
          );
          continue;
        }
        const st = JSON.parse(readFileSync(out, 'utf8'));
        const n = r.requests.total;
        const kinds = Object.entries(st.byType)
          .map(([k, x]) => `type${k}: ${x.count} (${(x.us / n).toFixed(1)} µs/req)`)
          .join(', ');
        console.log(
          `${v.label}: ${n} req, non2xx ${r.non2xx}, ${(st.allocated / n / 1024).toFixed(1)} KiB/req, cpu ${((st.cpu.user + st.cpu.system) / n).toFixed(0)} µs/req (main ${(main / n).toFixed(0)}, others ${(other / n).toFixed(0)}), ${kinds}`,
        );
      } finally {
        await s.stop();
      }
    }
  } finally {
    await P.dropDatabase(admin, name);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
