'use strict';
// Preloaded into the service by bench/soak.js (node --expose-gc --require bench/soak-gc.js ...):
// forces a full garbage collection every SOAK_GC_MS (500) milliseconds, so that objects the load
// left behind (prepared statements above all) are finalised while the process runs, and appends
// the process's memory after each one to SOAK_STATS as a JSON line. Every other one is V8's
// asynchronous kind, which runs later from a task of the event loop, as V8's own idle-time
// collections do, rather than inside the timer's callback.
const { appendFileSync } = require('node:fs');

if (typeof globalThis.gc !== 'function') {
  console.error('bench/soak-gc.js needs node --expose-gc');
  process.exit(1);
}
const every = Number(process.env.SOAK_GC_MS || 500);
const stats = process.env.SOAK_STATS;
let n = 0;
setInterval(async () => {
  if (n++ % 2) await globalThis.gc({ type: 'major', execution: 'async' });
  else globalThis.gc();
  if (stats) {
    const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
    const line = { t: Date.now(), rss, heapTotal, heapUsed, external };
    appendFileSync(stats, `${JSON.stringify(line)}\n`);
  }
}, every).unref();
