'use strict';
// The baselines the service is measured against: node:http + mysql2, no framework, no ORM,
// answering the benchmarked routes with the same JSON and the same SQL statements. The
// feature-matched one (this file) also verifies the token, sends the security headers and the
// request id and writes the log line; the bare floor (bench/bare-server.js, `bare: true`) does none
// of that and scopes every statement to organization 1.
const http = require('node:http');
const mysql = require('mysql2/promise');
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

function createBaseline(databaseUrl, { bare = false } = {}) {
  const url = new URL(databaseUrl);
  const pool = mysql.createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    connectionLimit: 10,
    maxPreparedStatements: 128, // as the service (src/database/data-source-options.ts)
    dateStrings: true,
    charset: 'utf8mb4_unicode_ci',
  });

  // A read on a connection of the pool, given back once it has answered, as the service reads
  // (queryOnPool in src/common/persistence/database.service.ts): not pool.query, whose wrapper of
  // the callback keeps, in some processes, every answer reachable past the next scavenge, so
  // that the young generation's survivors are promoted and full collections follow
  // (docs/performance.md, "mysql2's pool.query and the young generation").
  const read = async (sql, params) => {
    const conn = await pool.getConnection();
    try {
      return await conn.query(sql, params);
    } finally {
      conn.release();
    }
  };

  const headers = bare ? {} : SECURITY_HEADERS;
  // the ETag is a header too: the bare floor sends none
  const send = (res, status, body, etag) => {
    const json = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      ...(etag && !bare && { etag }),
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  };
  const notFound = (res, what) =>
    send(res, 404, { statusCode: 404, error: 'Not Found', message: `${what} not found` });
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

  // as the service: every write adds one INSERT of its event to the outbox, sent with the COMMIT
  // as one MariaDB compound statement (Database.transaction), its actor the token's sub
  const OUTBOX = Symbol('outbox event');
  const outbox = (conn, principal, type, at, data) => {
    conn[OUTBOX] = [principal.org, type, principal.sub, toDb(at), JSON.stringify(data)];
  };

  // A transaction's statements with values are server-side prepared statements (mysql2's
  // execute(), cached per connection), as the service sends them (MysqlStatements in
  // src/common/persistence/database.service.ts); START TRANSACTION, COMMIT, ROLLBACK and the
  // reads on the pool go as text, as there.
  async function inTransaction(work) {
    const conn = await pool.getConnection();
    try {
      await conn.query('START TRANSACTION');
      const result = await work(conn);
      const event = conn[OUTBOX];
      conn[OUTBOX] = undefined;
      if (event) {
        await conn.execute(
          'BEGIN NOT ATOMIC INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data) VALUES (?, ?, ?, ?, ?); COMMIT; END',
          event,
        );
      } else {
        await conn.query('COMMIT');
      }
      return result;
    } catch (err) {
      await conn.query('ROLLBACK');
      throw err;
    } finally {
      conn[OUTBOX] = undefined;
      conn.release();
    }
  }

  // the same check the service makes on every request: a valid HS256 bearer token, whose `org`
  // claim scopes every statement (organization_id = ? first in every WHERE, as the service's)
  const key = bare ? null : createSecretKey(Buffer.from(process.env.JWT_SECRET));
  const BARE = { org: 1, sub: 1 };
  const principalOf = (req) => {
    if (bare) return BARE;
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
    const { org } = principal;
    if (req.method === 'GET' && parts[0] === 'workflows' && parts.length === 1) {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const cursor = url.searchParams.get('cursor');
      const after = cursor === null ? null : decodeCursor(cursor);
      if (cursor !== null && after === null) {
        return send(res, 400, {
          statusCode: 400,
          error: 'Bad Request',
          message: 'cursor is malformed',
        });
      }
      const rows =
        after === null
          ? (
              await read(
                `SELECT ${W} FROM recruitment_processes WHERE organization_id = ? AND is_deleted = 0 ORDER BY id LIMIT ?`,
                [org, limit + 1],
              )
            )[0]
          : (
              await read(
                `SELECT ${W} FROM recruitment_processes WHERE organization_id = ? AND is_deleted = 0 AND id > ? ORDER BY id LIMIT ?`,
                [org, after, limit + 1],
              )
            )[0];
      const items = rows.slice(0, limit).map(workflow);
      const nextCursor = rows.length > limit ? encodeCursor(items[items.length - 1].id) : null;
      return send(res, 200, { items, nextCursor });
    }
    if (req.method === 'GET' && parts[0] === 'workflows' && parts.length === 2) {
      const id = Number(parts[1]);
      const [rows] = await read(
        `SELECT ${W} FROM recruitment_processes WHERE organization_id = ? AND id = ? AND is_deleted = 0`,
        [org, id],
      );
      if (rows.length === 0) return notFound(res, `Workflow ${id}`);
      const body = workflow(rows[0]);
      const version = rows[0].version;
      const include = url.searchParams.get('include');
      if (include === null) return send(res, 200, body, `"${version}"`);
      const kinds = include.split(',');
      const included = {};
      const versions = {};
      for (const [name, table, columns, kind] of [
        ['interviews', 'interviews', I, interview],
        ['todos', 'todos', T, todo],
      ]) {
        if (!kinds.includes(name)) continue;
        const [list] = await read(
          `SELECT ${columns} FROM ${table} WHERE organization_id = ? AND is_deleted = 0 AND workflow_id = ? ORDER BY id LIMIT ?`,
          [org, id, MAX_EMBEDDED + 1],
        );
        // past MAX_EMBEDDED the service also counts them and links the next page; the bench's
        // workflows never have that many of a kind
        if (list.length > MAX_EMBEDDED)
          throw new Error('more linked rows than the baseline embeds');
        body[name] = list.map(kind);
        versions[name] = list;
        included[name] = { total: list.length, next: null };
      }
      body.included = included;
      return send(res, 200, body, includeTag({ ...versions, included, version }));
    }
    if (req.method === 'POST' && url.pathname === '/todos') {
      const b = await readBody(req);
      if (typeof b.title !== 'string' || !positive(b.ownerId)) {
        return send(res, 400, {
          statusCode: 400,
          error: 'Bad Request',
          message: ['title and ownerId are required'],
        });
      }
      const now = new Date();
      const at = now.toISOString();
      const row = {
        workflowId: b.workflowId ?? null,
        title: b.title,
        description: b.description ?? null,
        ownerId: b.ownerId,
        status: b.status ?? 'pending',
        dueDate: b.dueDate ? new Date(b.dueDate).toISOString() : null,
      };
      const created = await inTransaction(async (conn) => {
        if (row.workflowId !== null) {
          // as the service: the link writes (and so locks) the workflow row
          const [w] = await conn.execute(
            'UPDATE recruitment_processes SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE organization_id = ? AND id = ? AND is_deleted = 0',
            [org, row.workflowId],
          );
          if (w.affectedRows === 0) return null;
        }
        const [result] = await conn.execute(
          'INSERT INTO todos (workflow_id, title, description, owner_id, status, due_date, created_at, updated_at, is_deleted, deleted_at, deleted_by, organization_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?)',
          [
            row.workflowId,
            row.title,
            row.description,
            row.ownerId,
            row.status,
            row.dueDate && toDb(new Date(row.dueDate)),
            toDb(now),
            toDb(now),
            org,
          ],
        );
        const todo = {
          id: result.insertId,
          ...row,
          createdAt: at,
          updatedAt: at,
          isDeleted: false,
          deletedAt: null,
          deletedBy: null,
        };
        await outbox(conn, principal, 'todo.created', now, todo);
        return todo;
      });
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
      const now = new Date();
      const updated = await inTransaction(async (conn) => {
        const [rows] = await conn.execute(
          `SELECT ${I} FROM interviews WHERE organization_id = ? AND id = ? AND is_deleted = 0 FOR UPDATE`,
          [org, id],
        );
        if (rows.length === 0) return null;
        const current = interview(rows[0]);
        const sets = [];
        const params = [];
        for (const field of ['title', 'status']) {
          if (b[field] === undefined) continue;
          sets.push(`${field} = ?`);
          params.push(b[field]);
        }
        sets.push('updated_at = ?', 'version = version + 1');
        params.push(toDb(now), org, id);
        await conn.execute(
          `UPDATE interviews SET ${sets.join(', ')} WHERE organization_id = ? AND id = ? AND is_deleted = 0`,
          params,
        );
        const changed = {
          ...current,
          ...(b.title !== undefined && { title: b.title }),
          ...(b.status !== undefined && { status: b.status }),
          updatedAt: now.toISOString(),
        };
        await outbox(conn, principal, 'interview.updated', now, changed);
        return { changed, version: rows[0].version + 1 };
      });
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
  const fail = (res) => (err) =>
    send(res, 500, {
      statusCode: 500,
      error: 'Internal Server Error',
      message: String(err.message),
    });
  if (bare) {
    const server = http.createServer((req, res) => handle(req, res).catch(fail(res)));
    server.keepAliveTimeout = 72_000;
    return { server, pool };
  }
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
    handle(req, res).catch(fail(res));
  });
  server.keepAliveTimeout = 72_000;
  return { server, pool };
}

module.exports = { createBaseline };

if (require.main === module) {
  const { server } = createBaseline(process.env.DATABASE_URL);
  server.listen(Number(process.env.PORT || 3100), '127.0.0.1');
}
