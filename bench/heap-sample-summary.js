'use strict';
// The bytes of a sampling heap profile (bench/heap-sample-preload.js) by the function that
// allocated them, a request: node bench/heap-sample-summary.js <profile> <requests> [rows]
const { readFileSync } = require('node:fs');

const [file, requests = '1', rows = '30'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const bytes = new Map();
const walk = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
  const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  if (node.selfSize > 0) bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
};
walk(profile.head);
const n = Number(requests);
const total = [...bytes.values()].reduce((a, b) => a + b, 0);
console.log(`${(total / n / 1024).toFixed(1)} KiB a request in all`);
for (const [name, size] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, Number(rows)))
  console.log(`${(size / n).toFixed(0).padStart(7)} B  ${name}`);
