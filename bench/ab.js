'use strict';
// A/B of builds of the service (or the baseline) on one route, for changes too small for the
// noise of req/s on a shared machine: it also reports the CPU time the server process spent per
// request. Variants run in turn, round after round, each in a fresh process.
//
//   node bench/ab.js <label>=<script>[,ENV=value...] ...
//   node bench/ab.js now=dist/src/main.js before=/tmp/old/dist/src/main.js after-a-write=/tmp/old/dist/src/main.js,WRITE_FIRST=1
//
// WRITE_FIRST=1 makes one POST before the measurement; NODE_BIN=<path> runs that variant on
// another Node.js binary (the default is the one running ab.js). AB_PATH (default /workflows/1),
// AB_METHOD (GET) and AB_BODY (a JSON body, for POST and PATCH), AB_ROUNDS (3), AB_SECONDS (5),
// BENCH_MARIADB_URL (mariadb://root@127.0.0.1:3306/test). AB_IDEMPOTENCY=1 sends a new
// Idempotency-Key with every request (the feature's cost: a key is claimed and answered each
// time, never replayed). The database is seeded once, through the first variant: workflow 1 with
// 25 todos and interview 1 linked to it. Each variant's MariaDB log syncs a request are the
// server's `Innodb_data_fsyncs` counter over the measured seconds divided by the requests: the
// counter is global, so whatever else the server runs meanwhile counts too (a quiet server
// answers it to within a few percent). AB_WORKFLOWS=<n> (default 1) adds workflows 2 to n by one
// set-based INSERT after that seed, so that a list and its cursors have pages to read
// (`AB_PATH='/workflows?limit=20&cursor=...'`, a cursor from bench/baseline-common.js's
// encodeCursor). The server's CPU a request is shown whole, and user and system apart (system:
// the socket's reads and writes, mostly).
//
//   AB_PATH='/todos?limit=20' node bench/ab.js ...
//   AB_METHOD=POST AB_PATH=/todos AB_BODY='{"title":"ab","ownerId":1,"workflowId":1}' node bench/ab.js ...
//   AB_METHOD=PATCH AB_PATH=/interviews/1 AB_BODY='{"title":"renamed"}' node bench/ab.js ...
//   AB_IDEMPOTENCY=1 AB_METHOD=POST AB_PATH=/todos AB_BODY='{"title":"ab","ownerId":1,"workflowId":1}' node bench/ab.js ...
const {
  abLoad,
  createDatabase,
  dropDatabase,
  freePort,
  median,
  parseVariant: parseBenchVariant,
  startVariant,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
  processCpuMs,
  processCpuSplitMs,
  databaseServerPid,
} = require('./processes');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');

const ROOT = join(__dirname, '..');
const PATH = process.env.AB_PATH || '/workflows/1';
const METHOD = process.env.AB_METHOD || 'GET';
const ROUNDS = Number(process.env.AB_ROUNDS || 3);
const SECONDS = Number(process.env.AB_SECONDS || 5);
const IDEMPOTENCY = process.env.AB_IDEMPOTENCY === '1';
const WORKFLOWS = Number(process.env.AB_WORKFLOWS || 1);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
// a database and a port of its own, so that two runs on one machine do not collide
const DATABASE = uniqueDatabaseName('bench_ab');
let PORT = 0;
const SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;

function parseVariant(arg) {
  return {
    ...parseBenchVariant(arg, ROOT),
    rps: [],
    cpu: [],
    user: [],
    system: [],
    databaseCpu: [],
    fsyncs: [],
  };
}

/** The MariaDB server's count of InnoDB fsyncs since it started (global). */
async function innodbFsyncs(admin) {
  const [[row]] = await admin.query("SHOW GLOBAL STATUS LIKE 'Innodb_data_fsyncs'");
  return Number(row.Value);
}

async function post(path, body) {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, {
    method: 'POST',
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 201)
    throw new Error(`seeding: POST ${path} answered ${res.status} ${await res.text()}`);
}

/** Workflow 1, 25 todos and interview 1 linked to it; then workflows 2 to AB_WORKFLOWS. */
async function seed(admin) {
  await post('/workflows', { name: 'ab' });
  for (let i = 0; i < 25; i++)
    await post('/todos', { title: `todo ${i}`, ownerId: 1, workflowId: 1 });
  await post('/interviews', { title: 'ab', candidateId: 1, recruiterId: 1, workflowId: 1 });
  if (WORKFLOWS > 1) {
    await admin.query(
      `INSERT INTO ${DATABASE}.recruitment_processes (name, status, created_by, created_at, updated_at)
       SELECT CONCAT('ab ', seq), 'active', 1, NOW(6), NOW(6) FROM ${DATABASE}.seq_2_to_${Math.trunc(WORKFLOWS)}`,
    );
  }
}

async function main() {
  PORT = await freePort();
  const variants = process.argv.slice(2).map(parseVariant);
  if (variants.length === 0)
    throw new Error('usage: node bench/ab.js <label>=<script>[,ENV=value...] ...');
  const { admin, url } = await createDatabase(new URL(SERVER), DATABASE);
  const databasePid = await databaseServerPid(admin);
  let seeded = false;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const variant of variants) {
        const server = startVariant(variant, {
          databaseUrl: url.toString(),
          port: PORT,
          jwtSecret: SECRET,
          cwd: ROOT,
        });
        const child = server.child;
        try {
          await waitForServer(`http://127.0.0.1:${PORT}/health`, server, variant.label);
          await whileRunning([server], async () => {
            if (!seeded) {
              await seed(admin);
              seeded = true;
            } else if (variant.env.WRITE_FIRST) {
              await post('/workflows', { name: 'ab' });
            }
            const load = abLoad(PORT, AUTHORIZATION);
            await autocannon({ ...load, duration: 2 });
            const fsyncsBefore = await innodbFsyncs(admin);
            const before = processCpuSplitMs(child.pid);
            const databaseBefore = databasePid ? processCpuMs(databasePid) : NaN;
            const result = await autocannon({ ...load, duration: SECONDS });
            const after = processCpuSplitMs(child.pid);
            const databaseCpu = (databasePid ? processCpuMs(databasePid) : NaN) - databaseBefore;
            const fsyncs = (await innodbFsyncs(admin)) - fsyncsBefore;
            if (result.non2xx > 0)
              throw new Error(`${variant.label}: ${result.non2xx} answers not 2xx`);
            variant.rps.push(Math.round(result.requests.average));
            const perRequest = (ms) => (ms * 1000) / result.requests.total;
            variant.user.push(perRequest(after.user - before.user));
            variant.system.push(perRequest(after.system - before.system));
            variant.cpu.push(variant.user.at(-1) + variant.system.at(-1));
            variant.databaseCpu.push((databaseCpu * 1000) / result.requests.total);
            variant.fsyncs.push(fsyncs / result.requests.total);
            console.error(
              `[ab] round ${round} ${variant.label}: ${variant.rps.at(-1)} req/s, ${variant.cpu.at(-1).toFixed(0)} us CPU a request (user ${variant.user.at(-1).toFixed(0)}, system ${variant.system.at(-1).toFixed(0)}), MariaDB ${variant.databaseCpu.at(-1).toFixed(0)} us, ${variant.fsyncs.at(-1).toFixed(2)} MariaDB fsyncs a request`,
            );
          });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await dropDatabase(admin, DATABASE);
  }
  console.log(
    `${METHOD} ${PATH}${IDEMPOTENCY ? ', a new Idempotency-Key a request' : ''}, ${ROUNDS} rounds of ${SECONDS} s, 50 connections; medians`,
  );
  console.log(
    '| variant | req/s | CPU us a request | user / system us | MariaDB server CPU us a request | MariaDB fsyncs a request |\n|---|---:|---:|---:|---:|---:|',
  );
  for (const v of variants)
    console.log(
      `| ${v.label} | ${median(v.rps)} | ${median(v.cpu).toFixed(0)} | ${median(v.user).toFixed(0)} / ${median(v.system).toFixed(0)} | ${median(v.databaseCpu).toFixed(0)} | ${median(v.fsyncs).toFixed(2)} |`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
