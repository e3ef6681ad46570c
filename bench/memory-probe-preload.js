'use strict';
// Preloaded by bench/memory.js (`node -r`): on SIGUSR2, appends one JSON line to MEMORY_PROBE_OUT
// with process.memoryUsage() and V8's heap spaces (size / used, MiB), and with
// MEMORY_PROBE_SNAPSHOT=<prefix> writes a heap snapshot (<prefix>-<time>.heapsnapshot) after it.
const v8 = require('node:v8');
const { appendFileSync } = require('node:fs');

const mib = (bytes) => Math.round(bytes / 2 ** 20);
process.on('SIGUSR2', () => {
  const spaces = Object.fromEntries(
    v8
      .getHeapSpaceStatistics()
      .filter((s) => s.space_size > 0)
      .map((s) => [s.space_name, `${mib(s.space_size)} / ${mib(s.space_used_size)}`]),
  );
  const usage = Object.fromEntries(
    Object.entries(process.memoryUsage()).map(([key, bytes]) => [key, mib(bytes)]),
  );
  appendFileSync(process.env.MEMORY_PROBE_OUT, `${JSON.stringify({ ...usage, spaces })}\n`);
  if (process.env.MEMORY_PROBE_SNAPSHOT) {
    v8.writeHeapSnapshot(`${process.env.MEMORY_PROBE_SNAPSHOT}-${Date.now()}.heapsnapshot`);
  }
});
