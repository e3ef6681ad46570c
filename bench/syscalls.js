'use strict';
// What one request costs a server process beyond its instructions: its user and system CPU
// time apart, its read and write system calls (/proc/<pid>/io syscr, syscw) and its context
// switches (/proc/<pid>/status), over AB_REQUESTS (default 4,000) requests of bench/ab.js's load
// (50 connections; AB_METHOD, AB_PATH, AB_BODY, AB_IDEMPOTENCY as there), after 2 s to warm up.
// The system calls and switches a request do not depend on what else the machine runs; the
// times do.
//
//   AB_METHOD=POST AB_PATH=/todos AB_BODY='{"title":"ab","ownerId":1,"workflowId":1}' \
//     node bench/syscalls.js base=/work/base/dist/src/main.js matched=bench/baseline-server.js
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');
const {
  abLoad,
  createDatabase,
  dropDatabase,
  freePort,
  parseVariant,
  startVariant,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
} = require('./processes');

const ROOT = join(__dirname, '..');
const REQUESTS = Number(process.env.AB_REQUESTS || 4000);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const DATABASE = uniqueDatabaseName('bench_sys');
const MS_A_TICK = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;

/** utime and stime (ms), syscr, syscw, voluntary and involuntary context switches of pid. */
function counters(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const io = Object.fromEntries(
    readFileSync(`/proc/${pid}/io`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(': ')),
  );
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const switches = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)[1]);
  return {
    user: Number(stat[11]) * MS_A_TICK,
    system: Number(stat[12]) * MS_A_TICK,
    reads: Number(io.syscr),
    writes: Number(io.syscw),
    voluntary: switches('voluntary_ctxt_switches'),
    involuntary: switches('nonvoluntary_ctxt_switches'),
  };
}

async function main() {
  const port = await freePort();
  const variants = process.argv.slice(2).map((arg) => parseVariant(arg, ROOT));
  const { admin, url } = await createDatabase(SERVER, DATABASE);
  let seeded = false;
  const post = async (path, body) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`seeding: POST ${path} answered ${res.status}`);
  };
  console.log(
    '| variant | user µs | system µs | reads | writes | voluntary switches | involuntary |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  try {
    for (const variant of variants) {
      const server = startVariant(variant, {
        databaseUrl: url.toString(),
        port,
        jwtSecret: SECRET,
        cwd: ROOT,
      });
      try {
        await waitForServer(`http://127.0.0.1:${port}/health`, server, variant.label);
        await whileRunning([server], async () => {
          if (!seeded) {
            await post('/workflows', { name: 'ab' });
            await post('/interviews', {
              title: 'ab',
              candidateId: 1,
              recruiterId: 1,
              workflowId: 1,
            });
            seeded = true;
          }
          const load = abLoad(port, AUTHORIZATION);
          await autocannon({ ...load, duration: 2 });
          const before = counters(server.child.pid);
          const result = await autocannon({ ...load, amount: REQUESTS });
          const after = counters(server.child.pid);
          if (result.non2xx > 0) throw new Error(`${variant.label}: ${result.non2xx} not 2xx`);
          const n = result.requests.total;
          const per = (key, scale = 1) => (((after[key] - before[key]) * scale) / n).toFixed(2);
          console.log(
            `| ${variant.label} | ${per('user', 1000)} | ${per('system', 1000)} | ${per('reads')} | ${per('writes')} | ${per('voluntary')} | ${per('involuntary')} |`,
          );
        });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await dropDatabase(admin, DATABASE);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
