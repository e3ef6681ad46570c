'use strict';
// Where a server's memory is, idle and under load: each variant (as bench/ab.js:
// `label=script[,ENV=value...]`, e.g. NODE_OPTIONS=--max-semi-space-size=16) runs in turn on one
// database, seeded through the first (the service): RSS and V8's heap spaces once it answers, then
// its peak RSS (read every 100 ms) and heap spaces after MEMORY_SECONDS (default 8) of
// GET /workflows/1 with 50 connections.
//
//   node bench/memory.js service=dist/src/main.js matched=bench/baseline-server.js \
//     semi16=dist/src/main.js,NODE_OPTIONS=--max-semi-space-size=16
//
// MEMORY_PROBE_SNAPSHOT=/tmp/heap also writes a heap snapshot at each probe (the first after a
// full GC of the idle process; open it in Chrome's DevTools, Memory tab).
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');
const {
  createDatabase,
  dropDatabase,
  freePort,
  parseVariant,
  startServer,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
  benchServiceEnv,
} = require('./processes');

const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.MEMORY_SECONDS || 8);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const OUT = `/tmp/bench-memory-${process.pid}.jsonl`;
const SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin', org: 1 }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMb = (pid) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);

/** Asks the server for a probe line and returns it. */
async function probe(child) {
  const before = readLines().length;
  child.kill('SIGUSR2');
  for (let i = 0; i < 600 && readLines().length === before; i++) await pause(100);
  return readLines().at(-1);
}
const readLines = () => {
  try {
    return readFileSync(OUT, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse);
  } catch {
    return [];
  }
};

async function main() {
  const variants = process.argv.slice(2).map((arg) => parseVariant(arg, ROOT));
  if (variants.length === 0)
    throw new Error('usage: node bench/memory.js <label>=<script>[,ENV=value...] ...');
  const database = uniqueDatabaseName('bench_mem');
  const { admin, url } = await createDatabase(SERVER, database);
  const rows = [];
  try {
    for (const [index, variant] of variants.entries()) {
      const port = await freePort();
      const server = startServer({
        label: variant.label,
        script: variant.script,
        nodeBin: variant.node,
        startArgs: variant.startArgs,
        nodeArgs: ['-r', join(__dirname, 'memory-probe-preload.js')],
        cwd: ROOT,
        env: benchServiceEnv(
          { databaseUrl: url.toString(), port, jwtSecret: SECRET },
          {
            MEMORY_PROBE_OUT: OUT,
            ...variant.env,
          },
        ),
      });
      try {
        // /health on the service; a baseline answers it 404, which is ready too
        await waitForServer(`http://127.0.0.1:${port}/health`, server, variant.label);
        await whileRunning([server], async () => {
          if (index === 0) {
            const res = await fetch(`http://127.0.0.1:${port}/workflows`, {
              method: 'POST',
              headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
              body: JSON.stringify({ name: 'memory' }),
            });
            if (res.status !== 201) throw new Error(`seeding: ${res.status} ${await res.text()}`);
          }
          await pause(1500);
          const idleRss = rssMb(server.child.pid);
          const idle = await probe(server.child);
          let peak = idleRss;
          const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.child.pid))), 100);
          const result = await autocannon({
            url: `http://127.0.0.1:${port}/workflows/1`,
            connections: 50,
            duration: SECONDS,
            headers: { authorization: AUTHORIZATION },
          });
          const loaded = await probe(server.child);
          clearInterval(sampler);
          if (result.non2xx > 0)
            throw new Error(`${variant.label}: ${result.non2xx} answers not 2xx`);
          rows.push({ label: variant.label, idleRss, peak, idle, loaded });
        });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await dropDatabase(admin, database);
    rmSync(OUT, { force: true });
  }
  const os = require('node:os');
  console.log(
    `Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(`GET /workflows/1, 50 connections, ${SECONDS} s; MiB; heap spaces as size / used\n`);
  console.log(
    '| variant | RSS idle / peak | V8 heap total idle / loaded | heap used idle / loaded | new space idle / loaded | old space idle / loaded | external loaded |\n|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const { label, idleRss, peak, idle, loaded } of rows)
    console.log(
      `| ${label} | ${idleRss} / ${peak} | ${idle.heapTotal} / ${loaded.heapTotal} | ${idle.heapUsed} / ${loaded.heapUsed} | ${idle.spaces.new_space} ; ${loaded.spaces.new_space} | ${idle.spaces.old_space} ; ${loaded.spaces.old_space} | ${loaded.external} |`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
