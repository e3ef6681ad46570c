'use strict';
// Loaded into the service by bench/cascade-timeline.js (node --require), never by the service
// itself: stamps, for each HTTP request, when it arrived, when each mysql2 command the process
// sent in the meantime was queued and ended (its kind: Query, Prepare, Execute, and the first
// characters of its SQL), and when the answer was ended; one JSON line per request is appended to
// CASCADE_TRACE_FILE, CASCADE_TRACE_TAIL_MS after the answer (to catch what the commit starts).
// Times are ms since the request arrived. Observation only: it changes no statement or answer.
const http = require('node:http');
const { appendFileSync } = require('node:fs');
// the class behind every mysql2 connection (not in the package's exports: by its path)
const Connection = require(
  require('node:path').join(require.resolve('mysql2'), '..', 'lib', 'base', 'connection.js'),
);

const FILE = process.env.CASCADE_TRACE_FILE;
const TAIL_MS = Number(process.env.CASCADE_TRACE_TAIL_MS ?? 50);
const now = () => Number(process.hrtime.bigint()) / 1e6;
let current;

const addCommand = Connection.prototype.addCommand;
Connection.prototype.addCommand = function traced(cmd) {
  const trace = current;
  if (trace) {
    const sql = cmd.sql ?? cmd.query ?? cmd.statement?.query ?? '';
    const entry = {
      kind: cmd.constructor.name,
      sql: String(sql).slice(0, 60),
      connection: this.threadId,
      queued: now() - trace.t0,
    };
    trace.commands.push(entry);
    cmd.once('end', () => {
      entry.ended = now() - trace.t0;
    });
  }
  return addCommand.call(this, cmd);
};

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function tracedEmit(event, req, res) {
  if (event === 'request' && FILE) {
    const trace = { t0: now(), method: req.method, url: req.url, commands: [] };
    current = trace;
    res.once('finish', () => {
      trace.finished = now() - trace.t0;
      setTimeout(() => {
        if (current === trace) current = undefined;
        appendFileSync(FILE, `${JSON.stringify({ ...trace, t0: undefined })}\n`);
      }, TAIL_MS);
    });
  }
  return emit.apply(this, arguments);
};
