'use strict';
// Preloaded into a build of the service (NODE_OPTIONS=--require=./bench/without-outbox.js) by
// the benches that compare it with and without its transactional outbox (bench/outbox-cost.js):
// Transaction.emit records nothing, so no transaction writes the outbox INSERT. A bench-only
// switch: the service itself has no way to turn the outbox off.
const { dirname, join } = require('node:path');

// the build being started: <build>/dist/src/main.js
const database = join(dirname(process.argv[1]), 'common/persistence/database.service.js');
const { Transaction } = require(database);
if (typeof Transaction?.prototype?.emit !== 'function')
  throw new Error(`bench/without-outbox.js: no Transaction.emit in ${database}`);
Transaction.prototype.emit = function emitNothing() {};
