'use strict';
// What an AsyncLocalStorage that has been entered once costs the promises of everything else,
// on the Node.js running this script: CPU time of a promise-heavy loop (async functions awaiting
// each other, as a request through Nest and mysql2 does) before any AsyncLocalStorage has been
// entered, then after one run() that has long returned (as a transaction once did). Each in a
// fresh process, alternating, ALS_ROUNDS (7) times; medians.
//
//   node bench/als.js
//   for v in 22 24; do "$(scripts/node-lts.sh $v)/bin/node" bench/als.js; done
const { execFileSync } = require('node:child_process');

const ROUNDS = Number(process.env.ALS_ROUNDS || 7);
const AWAITS = 2_000_000;

async function step(n) {
  return n + 1;
}

async function work() {
  let n = 0;
  for (let i = 0; i < AWAITS; i++) n = await step(n);
  return n;
}

async function child(entered) {
  if (entered) {
    const { AsyncLocalStorage } = require('node:async_hooks');
    const storage = new AsyncLocalStorage();
    await storage.run({ tx: 1 }, async () => work.length); // entered once, then left
  }
  await work(); // warm-up
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  process.stdout.write(String(((used.user + used.system) * 1000) / AWAITS)); // ns an await
}

if (process.argv[2] === 'child') {
  void child(process.argv[3] === 'entered');
} else {
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const results = { never: [], entered: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of Object.keys(results)) {
      const ns = Number(execFileSync(process.execPath, [__filename, 'child', kind]));
      results[kind].push(ns);
    }
  }
  const never = median(results.never);
  const entered = median(results.entered);
  console.log(
    `Node ${process.version}: ${never.toFixed(0)} ns CPU an await with no AsyncLocalStorage, ` +
      `${entered.toFixed(0)} ns once one has been entered (x${(entered / never).toFixed(2)}); ` +
      `${ROUNDS} rounds of ${AWAITS} awaits, medians`,
  );
}
