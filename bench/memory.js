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
// MEMORY_ROUTES=all (or a comma-separated list of route numbers, 1 to 6, in bench/run.js's
// order: GET /workflows/:id, list, deep list, include, POST /todos, PATCH /interviews/:id) loads
// npm run bench's routes instead, with its requests on its seeded rows (10,000 workflows, 100,000
// interviews and todos), one after the other on each variant, MEMORY_SECONDS (default 7, run.js's
// 2 s of warm-up and 5 measured) times MEMORY_ROUNDS (default 3, run.js's rounds) each: for each
// route the peak RSS while it ran (with /proc's RssAnon and RssFile at that peak), then RSS, V8's
// heap spaces, external and array buffers read inside the process right after it.
// MEMORY_FRESH=1 starts each variant anew for each route (a route's own peak, without what the
// routes before it left).
//
// MEMORY_PROBE_SNAPSHOT=/tmp/heap also writes a heap snapshot at each probe (the first after a
// full GC of the idle process; open it in Chrome's DevTools, Memory tab).
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const autocannon = require('autocannon');
const mysql = require('mysql2/promise');
const {
  createDatabase,
  dropDatabase,
  freePort,
  parseVariant,
  startVariant,
  uniqueDatabaseName,
  waitForServer,
  whileRunning,
} = require('./processes');
const { AUTHORIZATION, JWT_SECRET, routes, seed, serverConfig } = require('./run');
const { encodeCursor } = require('./baseline-common');

const ROOT = join(__dirname, '..');
const ROUTES = process.env.MEMORY_ROUTES;
const SECONDS = Number(process.env.MEMORY_SECONDS || (ROUTES ? 7 : 8));
const ROUNDS = Number(process.env.MEMORY_ROUNDS || (ROUTES ? 3 : 1));
const FRESH = process.env.MEMORY_FRESH === '1';
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const OUT = `/tmp/bench-memory-${process.pid}.jsonl`;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** VmRSS, RssAnon and RssFile of /proc/<pid>/status, MiB (unrounded). */
const status = (pid) => {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)[1]) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
};
const rssMb = (pid) => Math.round(status(pid).rss);
/**
 * The resident anonymous memory of /proc/<pid>/smaps by mapping, MiB: malloc's main arena (the
 * brk heap), mappings of 64 MiB or more (malloc's thread arenas, V8's code range) and the
 * smaller ones (V8's heap pages, malloc's large blocks).
 */
function anonMaps(pid) {
  const sums = { brk: 0, big: 0, small: 0 };
  let kind = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const map = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (map) {
      const size = Number.parseInt(map[2], 16) - Number.parseInt(map[1], 16);
      kind = map[3] === '[heap]' ? 'brk' : map[3] ? null : size >= 64 * 2 ** 20 ? 'big' : 'small';
    } else if (kind && line.startsWith('Rss:')) {
      sums[kind] += Number(/\d+/.exec(line)[0]) / 1024;
    }
  }
  return sums;
}

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

/** The routes MEMORY_ROUTES names: [name, autocannon request list]. */
function selectedRoutes() {
  if (!ROUTES) {
    return [['GET /workflows/1', [{ method: 'GET', path: '/workflows/1' }]]];
  }
  const all = routes(encodeCursor(9000));
  if (ROUTES === 'all') return all;
  return ROUTES.split(',').map((n) => all[Number(n) - 1] ?? all.find(([name]) => name === n));
}

/** Loads `requests` on the server for SECONDS x ROUNDS; the peak of /proc's figures meanwhile. */
async function load(server, port, requests) {
  let peak = status(server.child.pid);
  const sampler = setInterval(() => {
    const now = status(server.child.pid);
    if (now.rss > peak.rss) peak = now;
  }, 100);
  let non2xx = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const result = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: 50,
        duration: SECONDS,
        requests,
        headers: { authorization: AUTHORIZATION },
      });
      non2xx += result.non2xx + result.errors;
    }
  } finally {
    clearInterval(sampler);
  }
  return { peak, non2xx };
}

async function main() {
  const variants = process.argv.slice(2).map((arg) => parseVariant(arg, ROOT));
  if (variants.length === 0)
    throw new Error('usage: node bench/memory.js <label>=<script>[,ENV=value...] ...');
  const database = uniqueDatabaseName('bench_mem');
  const { admin, url } = await createDatabase(SERVER, database);
  const chosen = selectedRoutes();
  const rows = [];
  let seeded = false;
  try {
    for (const variant of variants) {
      // one process for all the routes, or (MEMORY_FRESH=1) one for each
      const groups = FRESH ? chosen.map((route) => [route]) : [chosen];
      for (const group of groups) {
        const port = await freePort();
        const server = startVariant(variant, {
          databaseUrl: url.toString(),
          port,
          jwtSecret: JWT_SECRET,
          cwd: ROOT,
          env: { MEMORY_PROBE_OUT: OUT },
          nodeArgs: ['-r', join(__dirname, 'memory-probe-preload.js')],
        });
        try {
          // /health on the service; a baseline answers it 404, which is ready too
          await waitForServer(`http://127.0.0.1:${port}/health`, server, variant.label);
          await whileRunning([server], async () => {
            if (!seeded) await seedThrough(port);
            seeded = true;
            await pause(1500);
            const idleRss = rssMb(server.child.pid);
            const idle = await probe(server.child);
            for (const [route, requests] of group) {
              const { peak, non2xx } = await load(server, port, requests);
              const maps = anonMaps(server.child.pid);
              const loaded = await probe(server.child);
              if (non2xx > 0) throw new Error(`${variant.label}: ${non2xx} answers not 2xx`);
              rows.push({ label: variant.label, route, idleRss, peak, idle, loaded, maps });
              console.error(
                `[memory] ${variant.label} ${route}: peak ${Math.round(peak.rss)} MiB (anon ${Math.round(peak.anon)}, file ${Math.round(peak.file)}), after: ${JSON.stringify({ ...loaded, maps })}`,
              );
            }
          });
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await dropDatabase(admin, database);
    rmSync(OUT, { force: true });
  }

  /** The rows the load reads: one workflow through the service, or run.js's seed. */
  async function seedThrough(port) {
    if (ROUTES) {
      const db = await mysql.createConnection({ ...serverConfig(database) });
      try {
        await seed(db);
      } finally {
        await db.end();
      }
      return;
    }
    const res = await fetch(`http://127.0.0.1:${port}/workflows`, {
      method: 'POST',
      headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'memory' }),
    });
    if (res.status !== 201) throw new Error(`seeding: ${res.status} ${await res.text()}`);
  }

  const os = require('node:os');
  console.log(
    `Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(
    `50 connections, ${ROUNDS} x ${SECONDS} s a route${FRESH ? ', a fresh process for each route' : ', the routes one after the other in one process'}; MiB; heap spaces as size / used; peak RSS with RssAnon + RssFile at that peak\n`,
  );
  console.log(
    '| variant | route | RSS idle / peak (anon + file) | V8 heap total idle / loaded | heap used idle / loaded | new space idle ; loaded | old space idle ; loaded | code space loaded | large objects loaded | external / array buffers loaded | anon after: brk heap / maps of 64 MiB+ / smaller maps |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const r = Math.round;
  for (const { label, route, idleRss, peak, idle, loaded, maps } of rows)
    console.log(
      `| ${label} | ${route} | ${idleRss} / ${r(peak.rss)} (${r(peak.anon)} + ${r(peak.file)}) | ${idle.heapTotal} / ${loaded.heapTotal} | ${idle.heapUsed} / ${loaded.heapUsed} | ${idle.spaces.new_space} ; ${loaded.spaces.new_space} | ${idle.spaces.old_space} ; ${loaded.spaces.old_space} | ${loaded.spaces.code_space} | ${loaded.spaces.large_object_space ?? '0 / 0'} | ${loaded.external} / ${loaded.arrayBuffers} | ${r(maps.brk)} / ${r(maps.big)} / ${r(maps.small)} |`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
