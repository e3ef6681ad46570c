'use strict';
// node --require test/setup/fake-node-version.js: this process says it is Node.js FAKE_NODE_VERSION
// (e.g. 20.20.2), so that a test can see what a user of an older Node.js sees, on any Node.js.
const version = process.env.FAKE_NODE_VERSION;
if (version) {
  Object.defineProperty(process, 'versions', { value: { ...process.versions, node: version } });
  Object.defineProperty(process, 'version', { value: `v${version}` });
}
