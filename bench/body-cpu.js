'use strict';
// CPU time the server process spends on hostile request bodies: a build of the service (on a
// fresh SQLite file) answers each body ROUNDS times; the script reports the status, the size of
// the answer and the server's CPU time (user + system, from /proc) per request.
//
//   node bench/body-cpu.js [script]        # default dist/src/main.js (npm run build first)
//
// BODY_CPU_ROUNDS (default 5); BODY_LIMIT_BYTES is passed on to the service when set.
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { randomBytes } = require('node:crypto');
const jwt = require('jsonwebtoken');

const { freePort, startArgsOf } = require('./processes');

const ROOT = join(__dirname, '..');
const SCRIPT = resolve(ROOT, process.argv[2] || 'dist/src/main.js');
const ROUNDS = Number(process.env.BODY_CPU_ROUNDS || 5);
const SECRET = randomBytes(32).toString('hex');
const TOKEN = jwt.sign({ sub: '1', role: 'editor', org: 1 }, SECRET, {
  algorithm: 'HS256',
  expiresIn: '1h',
});

/** `{"name":"x","0":0,"1":0,...}` of about `bytes` bytes. */
function manyKeys(bytes) {
  const parts = ['"name":"x"'];
  let size = 12;
  for (let i = 0; size < bytes - 16; i++) {
    const part = `"${i}":0`;
    parts.push(part);
    size += part.length + 1;
  }
  return `{${parts.join(',')}}`;
}

/** Objects of `keys` keys each under unknown fields, up to about `bytes` bytes. */
function nestedKeys(bytes, keys) {
  const inner = `{${Array.from({ length: keys }, (_, i) => `"${i}":0`).join(',')}}`;
  const parts = ['"name":"x"'];
  let size = 12;
  for (let i = 0; size < bytes - inner.length - 16 && i < keys - 1; i++) {
    const part = `"k${i}":${inner}`;
    parts.push(part);
    size += part.length + 1;
  }
  return `{${parts.join(',')}}`;
}

/** A top-level array of `bytes` bytes of zeros. */
function bigArray(bytes) {
  return `[${Array.from({ length: Math.floor(bytes / 2) - 1 }, () => '0').join(',')}]`;
}

const BODIES = [
  ['many keys, 1 MiB', manyKeys(1_048_000)],
  ['many keys, 100 KiB', manyKeys(102_000)],
  ['100 keys', `{"name":"x",${Array.from({ length: 99 }, (_, i) => `"${i}":0`).join(',')}}`],
  ['nested objects of 100 keys, 64 KiB', nestedKeys(65_000, 100)],
  ['nested objects of 100 keys, 900 keys in all', nestedKeys(6_400, 100)],
  ['nested objects of 100 keys, 100 KiB', nestedKeys(102_000, 100)],
  ['array of zeros, 100 KiB', bigArray(102_000)],
  [
    'a valid workflow, 10,000-character description',
    JSON.stringify({ name: 'x', description: 'd'.repeat(10_000) }),
  ],
];

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function main() {
  const PORT = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'body-cpu-'));
  const child = spawn(process.execPath, [...startArgsOf(SCRIPT), SCRIPT], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}`,
      JWT_SECRET: SECRET,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const url = `http://127.0.0.1:${PORT}`;
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error('the service did not start');
      if ((await fetch(`${url}/health`).catch(() => undefined))?.ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(
      `| body | bytes | status | answer bytes | server CPU ms a request (${ROUNDS} rounds) |`,
    );
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [label, body] of BODIES) {
      let status = 0;
      let answer = 0;
      const before = cpuMs(child.pid);
      for (let r = 0; r < ROUNDS; r++) {
        const res = await fetch(`${url}/workflows`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body,
        });
        status = res.status;
        answer = (await res.arrayBuffer()).byteLength;
      }
      const perRequest = (cpuMs(child.pid) - before) / ROUNDS;
      console.log(
        `| ${label} | ${body.length} | ${status} | ${answer} | ${perRequest.toFixed(0)} |`,
      );
    }
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
