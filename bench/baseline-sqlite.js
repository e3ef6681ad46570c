'use strict';
// The floor the service is measured against on its embedded default: node:http + better-sqlite3,
// no framework, no ORM, answering the benchmarked routes with the same JSON, ETags, security
// headers, request id and log line, and the same SQL statements the service issues on SQLite
// (captured from its statement log; test/statement-counts.e2e-spec.ts pins their number).
//
// better-sqlite3 is synchronous: each transaction below runs start to COMMIT within one turn of
// the event loop, so one connection serves reads and writes without a queue. That is the
// fastest a Node.js process can drive SQLite, and what the service is held to.
//
// BASELINE_SQLITE_JOURNAL (wal, the default, or delete), BASELINE_SQLITE_SYNCHRONOUS (normal, the
// default, or full) and BASELINE_SQLITE_PRAGMAS (more `name=value`, `;`-separated) let
// bench/sqlite.js measure what each setting is worth without the service in the way.
const http = require('node:http');
const Database = require('better-sqlite3');
const jwt = require('jsonwebtoken');
const { createSecretKey, randomUUID } = require('node:crypto');
const { pino } = require('pino');

const {
  W,
  I,
  T,
  MAX_EMBEDDED,
  toDb,
  workflow,
  interview,
  todo,
  SECURITY_HEADERS,
  encodeCursor,
  decodeCursor,
  includeTag,
} = require('./baseline-common');

function openDatabase(file, env) {
  const db = new Database(file, { fileMustExist: true, timeout: 5000 });
  db.pragma('foreign_keys = ON');
  db.pragma(`journal_mode = ${env.BASELINE_SQLITE_JOURNAL || 'wal'}`);
  db.pragma(`synchronous = ${env.BASELINE_SQLITE_SYNCHRONOUS || 'normal'}`);
  for (const pragma of (env.BASELINE_SQLITE_PRAGMAS || '').split(';').filter(Boolean)) {
    db.pragma(pragma);
  }
  return db;
}

function createBaseline(file, env = process.env) {
  const db = openDatabase(file, env);
  // prepared once: the statements the service issues for these routes, word for word; the five
  // reads as the service's read connection prepares them (withStablePlan in
  // src/common/persistence/database.service.ts), with `= +?` and `LIMIT +?`, so that SQLite plans
  // each once rather than on every run (a plain `?` there is a value the planner reads)
  const sql = {
    workflow: db.prepare(
      `SELECT ${W} FROM recruitment_processes WHERE organization_id = +? AND id = +? AND is_deleted = 0`,
    ),
    firstPage: db.prepare(
      `SELECT ${W} FROM recruitment_processes WHERE organization_id = +? AND is_deleted = 0 ORDER BY id LIMIT +?`,
    ),
    nextPage: db.prepare(
      `SELECT ${W} FROM recruitment_processes WHERE organization_id = +? AND is_deleted = 0 AND id > ? ORDER BY id LIMIT +?`,
    ),
    interviews: db.prepare(
      `SELECT ${I} FROM interviews WHERE organization_id = +? AND is_deleted = 0 AND workflow_id = +? ORDER BY id LIMIT +?`,
    ),
    todos: db.prepare(
      `SELECT ${T} FROM todos WHERE organization_id = +? AND is_deleted = 0 AND workflow_id = +? ORDER BY id LIMIT +?`,
    ),
    link: db.prepare(
      'UPDATE recruitment_processes SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE organization_id = ? AND id = ? AND is_deleted = 0',
    ),
    insertTodo: db.prepare(
      'INSERT INTO todos (workflow_id, title, description, owner_id, status, due_date, created_at, updated_at, is_deleted, deleted_at, deleted_by, organization_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    interview: db.prepare(
      `SELECT ${I} FROM interviews WHERE organization_id = ? AND id = ? AND is_deleted = 0`,
    ),
    updateStatus: db.prepare(
      'UPDATE interviews SET status = ?, updated_at = ?, version = version + 1 WHERE organization_id = ? AND id = ? AND is_deleted = 0',
    ),
    outbox: db.prepare(
      'INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data) VALUES (?, ?, ?, ?, ?)',
    ),
  };

  const createTodo = db.transaction((principal, row, now) => {
    if (row.workflowId !== null && sql.link.run(principal.org, row.workflowId).changes === 0) {
      return null;
    }
    const at = toDb(now);
    const { lastInsertRowid } = sql.insertTodo.run(
      row.workflowId,
      row.title,
      row.description,
      row.ownerId,
      row.status,
      row.dueDate,
      at,
      at,
      0,
      null,
      null,
      principal.org,
    );
    const created = {
      id: Number(lastInsertRowid),
      ...row,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      isDeleted: false,
      deletedAt: null,
      deletedBy: null,
    };
    sql.outbox.run(principal.org, 'todo.created', principal.sub, at, JSON.stringify(created));
    return created;
  });

  const updateInterviewStatus = db.transaction((principal, id, status, now) => {
    const current = sql.interview.get(principal.org, id);
    if (!current) return null;
    const at = toDb(now);
    sql.updateStatus.run(status, at, principal.org, id);
    const changed = { ...interview(current), status, updatedAt: now.toISOString() };
    sql.outbox.run(principal.org, 'interview.updated', principal.sub, at, JSON.stringify(changed));
    return { changed, version: current.version + 1 };
  });

  const send = (res, status, body, etag) => {
    const json = JSON.stringify(body);
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      ...(etag && { etag }),
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  };
  const notFound = (res, what) =>
    send(res, 404, { statusCode: 404, error: 'Not Found', message: `${what} not found` });
  const badRequest = (res, message) =>
    send(res, 400, { statusCode: 400, error: 'Bad Request', message });
  const readBody = (req) =>
    new Promise((resolve, reject) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        try {
          resolve(JSON.parse(data || '{}'));
        } catch (err) {
          reject(err);
        }
      });
    });
  const positive = (v) => Number.isInteger(v) && v > 0 && v <= 2147483647;

  // the same check the service makes on every request: a valid HS256 bearer token, whose `org`
  // claim scopes every statement (organization_id = ? first in every WHERE, as the service's)
  const key = createSecretKey(Buffer.from(env.JWT_SECRET));
  const principalOf = (req) => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return null;
    try {
      const claims = jwt.verify(match[1], key, { algorithms: ['HS256'] });
      const principal = { org: Number(claims.org), sub: Number(claims.sub) };
      return positive(principal.org) && positive(principal.sub) ? principal : null;
    } catch {
      return null;
    }
  };

  function embedded(statement, kind, principal, id) {
    const rows = statement.all(principal.org, id, MAX_EMBEDDED + 1);
    // past MAX_EMBEDDED the service also counts them and links the next page; the bench's
    // workflows never have that many of a kind
    if (rows.length > MAX_EMBEDDED) throw new Error('more linked rows than the baseline embeds');
    return { items: rows.map(kind), total: rows.length, next: null, versions: rows };
  }

  async function handle(req, res) {
    const principal = principalOf(req);
    if (principal === null)
      return send(res, 401, {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Send Authorization: Bearer <token>',
      });
    const url = new URL(req.url, 'http://x');
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts[0] === 'workflows' && parts.length === 1) {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const cursor = url.searchParams.get('cursor');
      const after = cursor === null ? null : decodeCursor(cursor);
      if (cursor !== null && after === null) return badRequest(res, 'cursor is malformed');
      const rows =
        after === null
          ? sql.firstPage.all(principal.org, limit + 1)
          : sql.nextPage.all(principal.org, after, limit + 1);
      const items = rows.slice(0, limit).map(workflow);
      const nextCursor = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
      return send(res, 200, { items, nextCursor });
    }
    if (req.method === 'GET' && parts[0] === 'workflows' && parts.length === 2) {
      const id = Number(parts[1]);
      const row = sql.workflow.get(principal.org, id);
      if (!row) return notFound(res, `Workflow ${id}`);
      const body = workflow(row);
      const include = url.searchParams.get('include');
      if (include === null) return send(res, 200, body, `"${row.version}"`);
      const kinds = include.split(',');
      const included = {};
      const versions = {};
      for (const [name, statement, kind] of [
        ['interviews', sql.interviews, interview],
        ['todos', sql.todos, todo],
      ]) {
        if (!kinds.includes(name)) continue;
        const { items, total, next, versions: rows } = embedded(statement, kind, principal, id);
        body[name] = items;
        versions[name] = rows;
        included[name] = { total, next };
      }
      body.included = included;
      return send(res, 200, body, includeTag({ ...versions, included, version: row.version }));
    }
    if (req.method === 'POST' && url.pathname === '/todos') {
      const b = await readBody(req);
      if (typeof b.title !== 'string' || !positive(b.ownerId)) {
        return badRequest(res, ['title and ownerId are required']);
      }
      const row = {
        workflowId: b.workflowId ?? null,
        title: b.title,
        description: b.description ?? null,
        ownerId: b.ownerId,
        status: b.status ?? 'pending',
        dueDate: b.dueDate ? new Date(b.dueDate).toISOString() : null,
      };
      const created = createTodo(principal, row, new Date());
      if (!created) {
        return send(res, 422, {
          statusCode: 422,
          error: 'Unprocessable Entity',
          message: `workflowId ${row.workflowId} does not name an active workflow`,
        });
      }
      return send(res, 201, created, '"1"');
    }
    if (req.method === 'PATCH' && parts[0] === 'interviews' && parts.length === 2) {
      const id = Number(parts[1]);
      const b = await readBody(req);
      if (typeof b.status !== 'string') return badRequest(res, ['status is required']);
      const updated = updateInterviewStatus(principal, id, b.status, new Date());
      if (!updated) return notFound(res, `Interview ${id}`);
      return send(res, 200, updated.changed, `"${updated.version}"`);
    }
    return send(res, 404, {
      statusCode: 404,
      error: 'Not Found',
      message: `Cannot ${req.method} ${url.pathname}`,
    });
  }

  // the service's request logging: an id from X-Request-Id or a new UUID, echoed in the
  // response header, and one JSON line a request, written asynchronously as the service does
  const logger = pino({}, pino.destination({ dest: 1, sync: false }));
  const REQUEST_ID = /^[\w.:-]{1,128}$/;
  const server = http.createServer((req, res) => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const reqId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', reqId);
    res.once('finish', () => {
      const line = {
        reqId,
        req: { method: req.method, url: req.url, remoteAddress: req.socket.remoteAddress },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      const message = `${req.method} ${req.url} ${res.statusCode}`;
      if (res.statusCode >= 500) logger.error(line, message);
      else logger.info(line, message);
    });
    handle(req, res).catch((err) =>
      send(res, 500, {
        statusCode: 500,
        error: 'Internal Server Error',
        message: String(err.message),
      }),
    );
  });
  server.keepAliveTimeout = 72_000;
  server.on('close', () => db.close());
  return { server, db };
}

module.exports = { createBaseline };

if (require.main === module) {
  const file = process.env.DATABASE_URL.replace(/^sqlite:/, '');
  const { server } = createBaseline(file);
  server.listen(Number(process.env.PORT || 3100), '127.0.0.1');
  process.once('SIGTERM', () => server.close());
}
