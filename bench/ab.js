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
// AB_ROUNDS (3), AB_SECONDS (5), BENCH_MARIADB_URL (mariadb://root@127.0.0.1:3306/test).
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:net');
const autocannon = require('autocannon');
const jwt = require('jsonwebtoken');
const mysql = require('mysql2/promise');

const ROOT = join(__dirname, '..');
const PATH = process.env.AB_PATH || '/workflows/1';
const ROUNDS = Number(process.env.AB_ROUNDS || 3);
const SECONDS = Number(process.env.AB_SECONDS || 5);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
// per run: other runs may share the machine and its MariaDB server
const DATABASE = `bench_ab_${process.pid}`;
let PORT;
const SECRET = randomBytes(32).toString('hex');
const AUTHORIZATION = `Bearer ${jwt.sign({ sub: '1', role: 'admin' }, SECRET, { algorithm: 'HS256', expiresIn: '1h' })}`;

function parseVariant(arg) {
  const at = arg.indexOf('=');
  const [script, ...pairs] = (at < 0 ? '' : arg.slice(at + 1)).split(',');
  const { NODE_BIN, ...env } = Object.fromEntries(pairs.map((pair) => pair.split('=')));
  return {
    label: at < 0 ? arg : arg.slice(0, at),
    script: resolve(ROOT, script || 'dist/src/main.js'),
    node: NODE_BIN || process.execPath,
    env,
    rps: [],
    cpu: [],
  };
}

/** user + system CPU time of a process, in clock ticks (10 ms). */
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** A TCP port nothing listens on right now. */
function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function waitFor(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const variants = process.argv.slice(2).map(parseVariant);
  if (variants.length === 0)
    throw new Error('usage: node bench/ab.js <label>=<script>[,ENV=value...] ...');
  PORT = await freePort();
  const admin = await mysql.createConnection({
    host: SERVER.hostname,
    port: Number(SERVER.port || 3306),
    user: decodeURIComponent(SERVER.username) || 'root',
    password: decodeURIComponent(SERVER.password),
  });
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(SERVER);
  url.pathname = `/${DATABASE}`;
  let seeded = false;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const variant of variants) {
        const child = spawn(variant.node, [variant.script], {
          cwd: ROOT,
          env: {
            ...process.env,
            DATABASE_URL: url.toString(),
            PORT: String(PORT),
            HOST: '127.0.0.1',
            NODE_ENV: 'production',
            JWT_SECRET: SECRET,
            RATE_LIMIT_PER_MINUTE: '0',
            ...variant.env,
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        try {
          await waitFor(`http://127.0.0.1:${PORT}/health`);
          if (!seeded || variant.env.WRITE_FIRST) {
            await fetch(`http://127.0.0.1:${PORT}/workflows`, {
              method: 'POST',
              headers: { authorization: AUTHORIZATION, 'content-type': 'application/json' },
              body: '{"name":"ab"}',
            });
            seeded = true;
          }
          const load = {
            url: `http://127.0.0.1:${PORT}${PATH}`,
            connections: 50,
            headers: { authorization: AUTHORIZATION },
          };
          await autocannon({ ...load, duration: 2 });
          const before = cpuTicks(child.pid);
          const result = await autocannon({ ...load, duration: SECONDS });
          variant.rps.push(Math.round(result.requests.average));
          variant.cpu.push(((cpuTicks(child.pid) - before) * 10_000) / result.requests.total);
          console.error(
            `[ab] round ${round} ${variant.label}: ${variant.rps.at(-1)} req/s, ${variant.cpu.at(-1).toFixed(0)} us CPU a request`,
          );
        } finally {
          child.kill();
          await new Promise((r) => child.once('exit', r));
        }
      }
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.end();
  }
  console.log(`GET ${PATH}, ${ROUNDS} rounds of ${SECONDS} s, 50 connections; medians`);
  console.log('| variant | req/s | CPU us a request |\n|---|---:|---:|');
  for (const v of variants)
    console.log(`| ${v.label} | ${median(v.rps)} | ${median(v.cpu).toFixed(0)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
