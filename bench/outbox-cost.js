'use strict';
// What the transactional outbox costs (issue 12: POST /todos and the 100,000-child cascade with
// the outbox within 10% of without): one build of the service with its outbox and the same
// build without it (bench/without-outbox.js, preloaded: no event recorded, no outbox INSERT), in
// one run, on one MariaDB database. Each round starts each variant in a fresh process, in turn
// (the order alternating from round to round), and measures
//   - POST /todos (linked to workflow 1) under autocannon, 50 connections: req/s, and the CPU
//     time of the server process a request (/proc/<pid>/stat), after 2 s of warm-up;
//   - DELETE /workflows/:id of a workflow with OUTBOX_COST_CHILDREN linked rows (half
//     interviews, half todos, inserted in SQL): the answer's time.
// Medians over the rounds, and with / without.
//
//   node bench/outbox-cost.js                       # dist/src/main.js
//   node bench/outbox-cost.js /tmp/other/dist/src/main.js
//
// OUTBOX_COST_ROUNDS (5), OUTBOX_COST_SECONDS (5 s of POST /todos a round), OUTBOX_COST_CHILDREN
// (100000), BENCH_MARIADB_URL (mariadb://root@127.0.0.1:3306/test).
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
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { randomBytes } = require('node:crypto');
const os = require('node:os');
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');
const mysql = require('mysql2/promise');

const ROOT = join(__dirname, '..');
const SCRIPT = resolve(ROOT, process.argv[2] || 'dist/src/main.js');
const ROUNDS = Number(process.env.OUTBOX_COST_ROUNDS || 5);
const SECONDS = Number(process.env.OUTBOX_COST_SECONDS || 5);
const CHILDREN = Number(process.env.OUTBOX_COST_CHILDREN || 100_000);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const DATABASE = uniqueDatabaseName('bench_outbox');
const SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;
const TODO = JSON.stringify({ title: 'outbox cost', ownerId: 1, workflowId: 1 });

const variants = [
  { label: 'with the outbox', env: {}, rps: [], cpu: [], cascadeMs: [] },
  {
    label: 'without',
    env: { NODE_OPTIONS: `--require ${join(__dirname, 'without-outbox.js')}` },
    rps: [],
    cpu: [],
    cascadeMs: [],
  },
];

/** user + system CPU time of a process, in clock ticks (10 ms). */
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function request(port, method, path, body) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(600_000),
  });
  const answer = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}`);
  return answer;
}

/** A workflow with CHILDREN linked rows, half interviews, half todos, inserted in SQL. */
async function workflowWithChildren(db) {
  const [w] = await db.query(
    "INSERT INTO recruitment_processes (organization_id, name, created_at, updated_at) VALUES (1, 'cascade', NOW(6), NOW(6))",
  );
  const half = CHILDREN / 2;
  await db.query(
    `INSERT INTO interviews (organization_id, title, candidate_id, recruiter_id, workflow_id, created_at, updated_at) SELECT 1, 'c', seq, 1, ?, NOW(6), NOW(6) FROM seq_1_to_${half}`,
    [w.insertId],
  );
  await db.query(
    `INSERT INTO todos (organization_id, title, owner_id, workflow_id, created_at, updated_at) SELECT 1, 'c', seq, ?, NOW(6), NOW(6) FROM seq_1_to_${half}`,
    [w.insertId],
  );
  return w.insertId;
}

async function measure(variant, port, pid, db) {
  const load = {
    url: `http://127.0.0.1:${port}/todos`,
    method: 'POST',
    connections: 50,
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
    body: TODO,
  };
  await autocannon({ ...load, duration: 2 });
  const before = cpuTicks(pid);
  const result = await autocannon({ ...load, duration: SECONDS });
  if (result.non2xx > 0) throw new Error(`${variant.label}: ${result.non2xx} answers not 2xx`);
  variant.rps.push(Math.round(result.requests.average));
  variant.cpu.push(((cpuTicks(pid) - before) * 10_000) / result.requests.total);

  const id = await workflowWithChildren(db);
  const started = performance.now();
  const deleted = await request(port, 'DELETE', `/workflows/${id}`);
  variant.cascadeMs.push(performance.now() - started);
  const cascaded = deleted.cascaded.interviews + deleted.cascaded.todos;
  if (cascaded !== CHILDREN) throw new Error(`the cascade reached ${cascaded} rows`);
}

async function main() {
  const load = os.loadavg()[0];
  const port = await freePort();
  const { admin, url } = await createDatabase(new URL(SERVER), DATABASE);
  const db = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database: DATABASE,
  });
  let seeded = false;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? variants : [...variants].reverse();
      for (const variant of order) {
        const server = startServer({
          label: variant.label,
          script: SCRIPT,
          cwd: ROOT,
          env: benchServiceEnv(
            { databaseUrl: url.toString(), port, jwtSecret: SECRET },
            {
              ...variant.env,
            },
          ),
        });
        try {
          await waitForServer(`http://127.0.0.1:${port}/health`, server, variant.label);
          await whileRunning([server], async () => {
            if (!seeded) {
              await request(port, 'POST', '/workflows', { name: 'outbox cost' });
              seeded = true;
            }
            await measure(variant, port, server.child.pid, db);
          });
          console.error(
            `[outbox-cost] round ${round} ${variant.label}: POST /todos ${variant.rps.at(-1)} req/s, ${variant.cpu.at(-1).toFixed(0)} us CPU a request; cascade of ${CHILDREN} ${variant.cascadeMs.at(-1).toFixed(0)} ms`,
          );
        } finally {
          await server.stop();
        }
      }
    }
    const [events] = await db.query('SELECT COUNT(*) AS n FROM outbox_events');
    console.error(`[outbox-cost] events written by the runs with the outbox: ${events[0].n}`);
  } finally {
    await db.end();
    await dropDatabase(admin, DATABASE);
  }
  const [withOutbox, without] = variants;
  const ratio = (a, b) => (median(a) / median(b)).toFixed(2);
  console.log(
    `Node.js ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'CPU'}, load average ${load.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end; ${ROUNDS} rounds (medians), POST /todos ${SECONDS} s at 50 connections, cascade of ${CHILDREN} children`,
  );
  console.log('');
  console.log('| measure | with the outbox | without | with / without |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| POST /todos: CPU us a request | ${median(withOutbox.cpu).toFixed(0)} | ${median(without.cpu).toFixed(0)} | ${ratio(withOutbox.cpu, without.cpu)} |`,
  );
  console.log(
    `| POST /todos: req/s | ${median(withOutbox.rps)} | ${median(without.rps)} | ${ratio(withOutbox.rps, without.rps)} |`,
  );
  console.log(
    `| DELETE /workflows/:id, ${CHILDREN} children: ms | ${median(withOutbox.cascadeMs).toFixed(0)} | ${median(without.cascadeMs).toFixed(0)} | ${ratio(withOutbox.cascadeMs, without.cascadeMs)} |`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
