'use strict';
// Preloaded into the service by bench/soak.js (node --expose-gc --require bench/soak-gc.js ...).
//
// Every SOAK_GC_MS (500) milliseconds it makes the garbage that the load left behind (prepared
// statements above all) be collected, alternately in two ways:
//
// - a full collection forced from Node.js's own context (gc()), after which it appends the
//   process's memory to SOAK_STATS as a JSON line (V8 heap, external memory, and from
//   /proc/self/status the resident anonymous and file-backed pages);
// - an allocation burst run inside a node:vm context, so that V8's own collections (scavenges)
//   start while that context is the current one. This is where better-sqlite3 12 aborts on
//   Node.js >= 24.19: its objects derive from node::ObjectWrap, whose destructor (since 24.19)
//   removes an environment cleanup hook and finds the Node.js environment through the current
//   context; a vm context has none, so `Assertion failed: (env) != nullptr` in
//   node::RemoveEnvironmentCleanupHook, SIGABRT. Node.js's main context is current whenever the
//   service's own code runs, which is why a plain soak never hit it; Jest runs tests (and the
//   Nest application they start) inside vm contexts, which is where it was first seen, and any
//   code that runs in node:vm in the same process (a test runner, a template engine, a sandbox)
//   does the same.
//
// SOAK_BETTER_SQLITE3: a better-sqlite3 package directory to load instead of the project's
// (e.g. an install of version 12 in a scratch folder), to show that the soak catches the abort.
const { appendFileSync, readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const vm = require('node:vm');

if (typeof globalThis.gc !== 'function') {
  console.error('bench/soak-gc.js needs node --expose-gc');
  process.exit(1);
}
const every = Number(process.env.SOAK_GC_MS || 500);
// SOAK_VM_AFTER_MS: no vm-context collection before this (default 0). With a value past the
// start-up (e.g. 20000), the statements the start-up dropped (migrations, pragmas) are collected
// by the main-context GCs first, so that an abort can only come from statements the load dropped.
const vmAfter = Date.now() + Number(process.env.SOAK_VM_AFTER_MS || 0);
const stats = process.env.SOAK_STATS;

const replacement = process.env.SOAK_BETTER_SQLITE3;
if (replacement) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'better-sqlite3') return resolve.call(this, replacement, ...rest);
    return resolve.call(this, request, ...rest);
  };
}
const betterSqlite3 = JSON.parse(
  readFileSync(
    join(replacement || join(__dirname, '../node_modules/better-sqlite3'), 'package.json'),
    'utf8',
  ),
).version;

function kib(field, status) {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
}

const sandbox = vm.createContext({});
// about 40 MB of short-lived objects: more than V8's young generation, so at least one scavenge
const burst = new vm.Script(
  '{ let keep; for (let i = 0; i < 1e6; i++) keep = { i, s: "x" + i }; }',
);
if (stats) appendFileSync(stats, `${JSON.stringify({ betterSqlite3, pid: process.pid })}\n`);
let n = 0;
setInterval(() => {
  if (n++ % 2) {
    if (Date.now() >= vmAfter) burst.runInContext(sandbox);
    return;
  }
  globalThis.gc();
  if (stats) {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const status = readFileSync('/proc/self/status', 'utf8');
    const line = {
      t: Date.now(),
      rss,
      heapTotal,
      heapUsed,
      external,
      arrayBuffers,
      rssAnon: kib('RssAnon', status),
      rssFile: kib('RssFile', status),
      rssShmem: kib('RssShmem', status),
    };
    appendFileSync(stats, `${JSON.stringify(line)}\n`);
  }
}, every).unref();
