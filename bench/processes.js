'use strict';
// What the bench scripts share about the servers they start: a free port each, a bounded wait
// for the server to answer that fails at once when the server exits instead, and a failure as
// soon as a server exits while it is being measured.
const { execFileSync, spawn } = require('node:child_process');
const { openSync, readFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { join } = require('node:path');
const { randomUUID } = require('node:crypto');

/** A TCP port nothing listens on right now (other runs may share the machine). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A database name no other run uses: `<prefix>_<pid>_<random>`. */
function uniqueDatabaseName(prefix) {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The Node.js options `npm start` runs the service with: package.json's start script is
 * `node [options] dist/src/main.js`, and every benchmark starts a build of the service
 * (any `.../dist/src/main.js`) with the same options, so that it measures what users run.
 */
const SERVICE_NODE_ARGS = (() => {
  const start = require('../package.json').scripts.start;
  const match = /^node((?: -[^ ]+)*) dist\/src\/main\.js$/.exec(start);
  if (!match)
    throw new Error(
      `package.json's start script is not "node [options] dist/src/main.js": ${start}`,
    );
  return match[1].split(' ').filter(Boolean);
})();

/** The options `npm start` gives `script` when it is a build of the service; none otherwise. */
const startArgsOf = (script) =>
  /(^|\/)dist\/src\/main\.js$/.test(script) ? SERVICE_NODE_ARGS : [];

/**
 * Starts `node [startArgs] [nodeArgs] <script>` (or `nodeBin ...`) with `env`; `startArgs` are
 * `npm start`'s options for a build of the service unless given. `died` rejects when the process
 * exits before stop() was called, naming it and its exit code: race it against the work that
 * needs the process. stop() sends SIGTERM, waits at most 10 s, then SIGKILL.
 */
function startServer({
  label,
  script,
  env,
  cwd,
  nodeBin = process.execPath,
  startArgs = startArgsOf(script),
  nodeArgs = [],
  stdio,
}) {
  const child = spawn(nodeBin, [...startArgs, ...nodeArgs, script], {
    cwd,
    env,
    // BENCH_SERVER_STDOUT=<prefix>: a server's stdout (its log lines, V8's --trace-gc output) to
    // the file <prefix><label> instead of nowhere
    stdio: stdio ?? [
      'ignore',
      process.env.BENCH_SERVER_STDOUT
        ? openSync(`${process.env.BENCH_SERVER_STDOUT}${label}`, 'w')
        : 'ignore',
      'inherit',
    ],
  });
  let stopping = false;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const died = exited.then((how) => {
    if (!stopping) throw new Error(`${label} exited (${how}) while the bench needed it`);
  });
  died.catch(() => undefined); // observed by whoever races it
  return {
    child,
    died,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Resolves once `url` answers below 500; rejects when the server exits first, or after
 * `timeoutMs`.
 */
async function waitForServer(url, server, label, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let gone;
  server.died.catch((err) => (gone = err));
  while (Date.now() < deadline) {
    if (gone) throw gone;
    if (server.child.exitCode !== null || server.child.signalCode !== null)
      throw new Error(
        `${label} exited (${server.child.signalCode ?? server.child.exitCode}) before answering ${url}`,
      );
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${label} did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** Runs `work`, failing as soon as one of the servers exits unexpectedly. */
function whileRunning(servers, work) {
  return Promise.race([
    work(),
    ...servers.filter(Boolean).map((s) => s.died.then(() => new Promise(() => {}))),
  ]);
}

/** Rejects after `ms` with a message naming what took too long. */
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * A new, empty utf8mb4 database `name` on the MariaDB server of `server` (a URL): the admin
 * connection (to drop it with `dropDatabase`) and the database's URL.
 */
async function createDatabase(server, name) {
  const mysql = require('mysql2/promise');
  const admin = await mysql.createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username) || 'root',
    password: decodeURIComponent(server.password),
  });
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { admin, url };
}

/** Drops what createDatabase made and closes its connection. */
async function dropDatabase(admin, name) {
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.end();
}

/**
 * `label=script[,ENV=value...]` of ab.js, instructions.js and memory.js: the build to run (default
 * dist/src/main.js), its environment, `NODE_BIN` for another Node.js binary, and `NODE_ARGS`
 * (space-separated; empty for none) for Node.js options instead of `npm start`'s. (Options on the
 * command line win over NODE_OPTIONS: to run a build without `npm start`'s, use NODE_ARGS.)
 */
function parseVariant(arg, root) {
  const at = arg.indexOf('=');
  const [script, ...pairs] = (at < 0 ? '' : arg.slice(at + 1)).split(',');
  const { NODE_BIN, NODE_ARGS, ...env } = Object.fromEntries(
    pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  const resolved = require('node:path').resolve(root, script || 'dist/src/main.js');
  return {
    label: at < 0 ? arg : arg.slice(0, at),
    script: resolved,
    node: NODE_BIN || process.execPath,
    startArgs:
      NODE_ARGS === undefined ? startArgsOf(resolved) : NODE_ARGS.split(' ').filter(Boolean),
    env,
  };
}

/** Clock ticks a second of /proc/<pid>/stat's utime and stime. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time a process has used so far (user + system), in ms; NaN once it has exited. */
function processCpuMs(pid) {
  const { user, system } = processCpuSplitMs(pid);
  return user + system;
}

/** CPU time a process has used so far, user and system apart, in ms; NaN once it has exited. */
function processCpuSplitMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return {
      user: (Number(fields[11]) * 1000) / CLOCK_TICKS,
      system: (Number(fields[12]) * 1000) / CLOCK_TICKS,
    };
  } catch {
    return { user: NaN, system: NaN };
  }
}

/**
 * The process id of the MariaDB server, from its pid file, when the server runs on this machine
 * and the file is readable (as root on the bench machine); undefined otherwise.
 */
async function databaseServerPid(db) {
  try {
    const [[{ file }]] = await db.query('SELECT @@pid_file AS file');
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The first and third quartiles of `values`. */
function quartiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return [at(0.25), at(0.75)];
}

/**
 * `a`'s req/s over `b`'s round by round (`a[i]` and `b[i]` measured in the same round, one after
 * the other), as `median (lowest to highest)`: less moved by a drift of a shared machine's speed
 * over the minutes of a route than the ratio of the two medians.
 */
function perRoundRatio(a, b) {
  const ratios = a.map((r, i) => r.rps / b[i].rps);
  const two = (n) => (Number.isFinite(n) ? n.toFixed(2) : '-');
  return `${two(median(ratios))} (${two(Math.min(...ratios))} to ${two(Math.max(...ratios))})`;
}

/**
 * The environment of the service (or a baseline) under a benchmark: production mode on loopback,
 * its database, port and token secret, and no rate limit (the load comes from one address: the
 * limit would measure itself); `extra` last, so that a variant may change any of it.
 */
/**
 * Starts a variant (parseVariant's) of a server on `port` against `databaseUrl`, with
 * benchServiceEnv's environment, the variant's own on top of `env`, and `nodeArgs` (e.g. a
 * preload) after the variant's start arguments.
 */
function startVariant(variant, { databaseUrl, port, jwtSecret, cwd, env = {}, nodeArgs = [] }) {
  return startServer({
    label: variant.label,
    script: variant.script,
    nodeBin: variant.node,
    startArgs: variant.startArgs,
    nodeArgs,
    cwd,
    env: benchServiceEnv({ databaseUrl, port, jwtSecret }, { ...env, ...variant.env }),
  });
}

function benchServiceEnv({ databaseUrl, port, jwtSecret }, extra = {}) {
  return {
    ...process.env,
    DATABASE_URL: String(databaseUrl),
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    JWT_SECRET: jwtSecret,
    RATE_LIMIT_PER_MINUTE: '0',
    ...extra,
  };
}

/**
 * The autocannon load of bench/ab.js and bench/profile.js on one server: AB_METHOD (default GET)
 * on AB_PATH (default /workflows/1) with AB_BODY as JSON, 50 connections, and with
 * AB_IDEMPOTENCY=1 a new Idempotency-Key on every request.
 */
function abLoad(port, authorization, env = process.env) {
  const body = env.AB_BODY;
  return {
    url: `http://127.0.0.1:${port}${env.AB_PATH || '/workflows/1'}`,
    method: env.AB_METHOD || 'GET',
    connections: 50,
    headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body } : {}),
    ...(env.AB_IDEMPOTENCY === '1'
      ? {
          requests: [
            {
              setupRequest: (r) => ({
                ...r,
                headers: { ...r.headers, 'idempotency-key': randomUUID() },
              }),
            },
          ],
        }
      : {}),
  };
}

/** Runs the service's migrations (dist/migrations: `npx nest build` first) on a MariaDB database. */
async function migrateDatabase(url) {
  const { DataSource } = require('typeorm');
  const { MIGRATIONS } = require(join(__dirname, '..', 'dist', 'migrations', 'index.js'));
  const ds = new DataSource({ type: 'mariadb', url: String(url), migrations: MIGRATIONS });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
}

/** The MariaDB server's thread ids (TID) of mysql2 promise connections, in their order. */
async function serverThreadIds(connections) {
  const tids = [];
  for (const conn of connections) {
    const [[row]] = await conn.query(
      'SELECT TID AS tid FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()',
    );
    tids.push(row.tid);
  }
  return tids;
}

/** CPU time the threads tids of process pid have run, in ms (/proc/<pid>/task/<tid>/schedstat). */
function threadsCpuMs(pid, tids) {
  let ns = 0;
  for (const tid of tids)
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  return ns / 1e6;
}

module.exports = {
  quartiles,
  perRoundRatio,
  migrateDatabase,
  serverThreadIds,
  threadsCpuMs,
  abLoad,
  SERVICE_NODE_ARGS,
  benchServiceEnv,
  startArgsOf,
  createDatabase,
  median,
  parseVariant,
  processCpuMs,
  processCpuSplitMs,
  databaseServerPid,
  dropDatabase,
  freePort,
  uniqueDatabaseName,
  startServer,
  startVariant,
  waitForServer,
  whileRunning,
  withTimeout,
};
