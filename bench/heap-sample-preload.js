'use strict';
// Preloaded by bench/gc-reads.js with GC_PRELOAD=bench/heap-sample-preload.js: the first SIGUSR2
// starts V8's sampling heap profiler (one sample every 256 bytes allocated), the next writes the
// profile to HEAP_SAMPLE_OUT (bench/heap-sample-summary.js sums it by function): every allocation
// sampled, collected since or not, i.e. what the requests in between allocated. (V8's option to
// leave out what scavenges collected is no guide to what a process promotes: with it, the
// feature-matched baseline, which promotes next to nothing by --trace-gc-nvp, shows as much as the
// service: docs/performance.md.)
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return;
  }
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) throw err;
    writeFileSync(process.env.HEAP_SAMPLE_OUT, JSON.stringify(result.profile));
  });
});
