'use strict';
// Preloaded by bench/gc-reads.js with GC_PRELOAD=bench/survivors-preload.js: what survives a
// scavenge, by where it was allocated. The first SIGUSR2 starts V8's sampling heap profiler (a
// sample every 4 KiB allocated) keeping the samples of objects a full collection freed or that
// are still alive, and dropping those a scavenge freed; the second writes to HEAP_SAMPLE_OUT,
// as JSON, the sampled bytes by the allocating frame's origin (a package, a Node module, a file
// of dist/src) and the 30 largest allocation sites (their first 4 frames). Objects that die
// young never show; what shows was alive at one scavenge at least.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
let started = false;

const originOf = (url, name) =>
  url.includes('node_modules/')
    ? url
        .split('node_modules/')
        .pop()
        .split('/')
        .slice(0, url.split('node_modules/').pop().startsWith('@') ? 2 : 1)
        .join('/')
    : url.includes('/dist/src/')
      ? `src/${url.split('/dist/src/')[1]}`
      : url || `(${name || 'anonymous'})`;
const frameOf = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'} ${originOf(url, functionName)}:${lineNumber + 1}`;

function summary(profile) {
  const byOrigin = new Map();
  const bySite = new Map();
  let sampled = 0;
  const walk = (node, stack) => {
    const frames = [frameOf(node.callFrame), ...stack].slice(0, 4);
    if (node.selfSize > 0) {
      sampled += node.selfSize;
      const origin = originOf(node.callFrame.url, node.callFrame.functionName);
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + node.selfSize);
      const site = frames.join(' < ');
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, frames);
  };
  walk(profile.head, []);
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { sampled, byOrigin: top(byOrigin, 40), sites: top(bySite, 30) };
}

process.on('SIGUSR2', () => {
  if (!started) {
    started = true;
    session.post('HeapProfiler.enable', () =>
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: false,
      }),
    );
    return;
  }
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) throw err;
    writeFileSync(process.env.HEAP_SAMPLE_OUT, JSON.stringify(summary(result.profile), null, 1));
  });
});
