'use strict';
// The bare floor of `npm run bench`: node:http + mysql2 answering the benchmarked routes with the
// same SQL and JSON as bench/baseline-server.js, without a token, security headers, request id or
// log line (every statement scoped to organization 1, the seeded rows'). What is left is the
// least any Node.js server on this driver can do for these routes.
const { createBaseline } = require('./baseline-server');

const { server } = createBaseline(process.env.DATABASE_URL, { bare: true });
server.listen(Number(process.env.PORT || 3100), '127.0.0.1');
