'use strict';
// Preloaded by bench/sqlite-cpu.js (`node -r`): the first SIGUSR2 starts V8's GC profiler
// (v8.GCProfiler) and notes the process's CPU time and heap; the next writes to GC_STATS_OUT, as
// JSON, what happened in between: each kind of collection (count, and main-thread pause in µs,
// as the profiler's `cost`), the bytes allocated on V8's heap (the heap's growth between
// collections, summed), and the process's user and system CPU time (process.cpuUsage).
const v8 = require('node:v8');
const { writeFileSync } = require('node:fs');

let profiler = null;
let usedAtStart = 0;
let cpuAtStart = null;
process.on('SIGUSR2', () => {
  if (!profiler) {
    profiler = new v8.GCProfiler();
    usedAtStart = v8.getHeapStatistics().used_heap_size;
    cpuAtStart = process.cpuUsage();
    profiler.start();
    return;
  }
  const data = profiler.stop();
  const usedAtEnd = v8.getHeapStatistics().used_heap_size;
  const cpu = process.cpuUsage(cpuAtStart);
  profiler = null;
  let previous = usedAtStart;
  let allocated = 0;
  const byType = {};
  for (const gc of data.statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = gc.afterGC.heapStatistics.usedHeapSize;
    const kind = (byType[gc.gcType] ??= { count: 0, us: 0 });
    kind.count++;
    kind.us += gc.cost;
  }
  allocated += usedAtEnd - previous;
  writeFileSync(process.env.GC_STATS_OUT, JSON.stringify({ allocated, byType, cpu }));
});
