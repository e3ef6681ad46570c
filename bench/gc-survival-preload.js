'use strict';
// Preloaded by bench/gc-reads.js with GC_PRELOAD=bench/gc-survival-preload.js: the first
// SIGUSR2 starts V8's GC profiler, the second writes to HEAP_SAMPLE_OUT, as JSON, what the
// scavenges in between kept: their count, and summed over them the bytes of the young
// generation after each (the objects it copied: alive at the scavenge) and the old
// generation's growth across each (the objects it promoted), with the heap's allocation
// (as bench/gc-stats-preload.js counts it).
const v8 = require('node:v8');
const { writeFileSync } = require('node:fs');

let profiler = null;
let usedAtStart = 0;
const used = (stats, name) =>
  stats.heapSpaceStatistics.find((s) => s.spaceName === name)?.spaceUsedSize ?? 0;
process.on('SIGUSR2', () => {
  if (!profiler) {
    profiler = new v8.GCProfiler();
    usedAtStart = v8.getHeapStatistics().used_heap_size;
    profiler.start();
    return;
  }
  const data = profiler.stop();
  profiler = null;
  let previous = usedAtStart;
  let allocated = 0;
  const scavenges = { count: 0, survived: 0, promoted: 0, us: 0 };
  for (const gc of data.statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = gc.afterGC.heapStatistics.usedHeapSize;
    if (gc.gcType !== 'Scavenge') continue;
    scavenges.count++;
    scavenges.us += gc.cost;
    scavenges.survived += used(gc.afterGC, 'new_space');
    scavenges.promoted += used(gc.afterGC, 'old_space') - used(gc.beforeGC, 'old_space');
  }
  allocated += v8.getHeapStatistics().used_heap_size - previous;
  writeFileSync(process.env.HEAP_SAMPLE_OUT, JSON.stringify({ allocated, scavenges }));
});
