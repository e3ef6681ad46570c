'use strict';
// Preloaded by bench/gc-reads.js with GC_PRELOAD=bench/promise-count-preload.js: the first
// SIGUSR2 starts counting the promises the process creates (async_hooks' PROMISE resources:
// every `new Promise`, `.then`/`.catch`, async function call and, with a hook enabled, every
// `await`'s throwaway promise), each attributed to the first frames of the service's own code
// (dist/src) or of a package that created it; the second SIGUSR2 writes the counts, as JSON, to
// HEAP_SAMPLE_OUT: the total, by file (the first frame's), and by the first two frames. Divide by
// the requests gc-reads.js prints. The hook slows the process: count with it, time without it.
const { createHook } = require('node:async_hooks');
const { writeFileSync } = require('node:fs');

let counting = false;
let total = 0;
const byFrame = new Map();

const frameOf = (line) => {
  const m =
    /at (?:async )?(.*?) \(?(?:.*\/)?(dist\/src\/[^:]+|node_modules\/(?:@[^/]+\/)?[^/]+)[^:]*:(\d+)/.exec(
      line,
    );
  return m ? `${m[2]}:${m[3]} ${m[1]}` : undefined;
};

createHook({
  init(_id, type) {
    if (!counting || type !== 'PROMISE') return;
    total++;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 8;
    const stack = new Error().stack.split('\n').slice(2);
    Error.stackTraceLimit = limit;
    const frames = stack.map(frameOf).filter(Boolean).slice(0, 2);
    const key = frames.length ? frames.join(' < ') : (stack[0] ?? '?').trim();
    byFrame.set(key, (byFrame.get(key) ?? 0) + 1);
  },
}).enable();

process.on('SIGUSR2', () => {
  if (!counting) {
    counting = true;
    return;
  }
  counting = false;
  const frames = [...byFrame].sort((a, b) => b[1] - a[1]);
  const byFile = new Map();
  for (const [key, count] of frames) {
    const file = /^(\S+?):\d+ /.exec(key)?.[1] ?? '(node)';
    byFile.set(file, (byFile.get(file) ?? 0) + count);
  }
  const files = [...byFile].sort((a, b) => b[1] - a[1]);
  writeFileSync(process.env.HEAP_SAMPLE_OUT, JSON.stringify({ total, files, frames }, null, 1));
  total = 0;
  byFrame.clear();
});
