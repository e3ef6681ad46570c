'use strict';
// What the two hand-written baselines share (bench/baseline-server.js on MariaDB,
// bench/baseline-sqlite.js on SQLite): the columns they select, the rows' JSON, the security
// headers, the list's keyset cursor and the include= ETag, each as the service has it. Only
// node:crypto here, so that neither baseline loads the other's driver.
const { createHash } = require('node:crypto');

/** The columns of a workflow, an interview and a todo, in the service's order. */
const W =
  'id, name, description, status, created_by, created_at, updated_at, is_deleted, deleted_at, deleted_by, version';
const I =
  'id, workflow_id, title, description, candidate_id, recruiter_id, status, scheduled_start, scheduled_end, location, meeting_url, created_at, updated_at, is_deleted, deleted_at, deleted_by, version';
const T =
  'id, workflow_id, title, description, owner_id, status, due_date, created_at, updated_at, is_deleted, deleted_at, deleted_by, version';

/** GET /workflows/:id?include= embeds at most this many rows of a kind, as the service. */
const MAX_EMBEDDED = 100;

/** A `YYYY-MM-DD HH:MM:SS[.fff]` column as the service's ISO 8601 text. */
const iso = (v) =>
  v === null
    ? null
    : `${v.slice(0, 10)}T${v.slice(11, 19)}.${v.length > 20 ? v.slice(20, 23).padEnd(3, '0') : '000'}Z`;
/** A Date as the column text the service writes. */
const toDb = (d) => d.toISOString().slice(0, 23).replace('T', ' ');

const workflow = (r) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  status: r.status,
  createdBy: r.created_by,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  isDeleted: r.is_deleted === 1,
  deletedAt: iso(r.deleted_at),
  deletedBy: r.deleted_by,
});
const interview = (r) => ({
  id: r.id,
  workflowId: r.workflow_id,
  title: r.title,
  description: r.description,
  candidateId: r.candidate_id,
  recruiterId: r.recruiter_id,
  status: r.status,
  scheduledStart: iso(r.scheduled_start),
  scheduledEnd: iso(r.scheduled_end),
  location: r.location,
  meetingUrl: r.meeting_url,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  isDeleted: r.is_deleted === 1,
  deletedAt: iso(r.deleted_at),
  deletedBy: r.deleted_by,
});
const todo = (r) => ({
  id: r.id,
  workflowId: r.workflow_id,
  title: r.title,
  description: r.description,
  ownerId: r.owner_id,
  status: r.status,
  dueDate: iso(r.due_date),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  isDeleted: r.is_deleted === 1,
  deletedAt: iso(r.deleted_at),
  deletedBy: r.deleted_by,
});

/** The security headers the service sends (@fastify/helmet), so that both answer the same bytes. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data: validator.swagger.io;object-src 'none';script-src 'self' 'unsafe-inline';script-src-attr 'none';style-src 'self' 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

// the service's keyset cursors (src/common/pagination/cursor.ts): `c1:<last id>:<tag>`, base64url,
// the tag a digest of the list and its filter (none here)
const LIST_TAG = createHash('sha256')
  .update(JSON.stringify(['recruitment_processes', []]))
  .digest('base64url')
  .slice(0, 8);
/** The cursor that continues the workflow list after the workflow `id`. */
const encodeCursor = (id) => Buffer.from(`c1:${id}:${LIST_TAG}`).toString('base64url');
/** The last id a cursor of the workflow list names, or null when it is not one. */
const decodeCursor = (cursor) => {
  const match = /^c1:(\d{1,10}):(.{8})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match && match[2] === LIST_TAG ? Number(match[1]) : null;
};

/** The ETag of a workflow with embedded rows (src/common/http/entity-tags.ts). */
function includeTag(body) {
  const hash = createHash('sha256');
  for (const [name, rows] of Object.entries(body)) {
    if (!Array.isArray(rows)) continue;
    hash.update(name);
    for (const row of rows) hash.update(`,${row.id}:${row.version}`);
  }
  hash.update(JSON.stringify(body.included));
  return `"${body.version}-${hash.digest('base64url').slice(0, 22)}"`;
}

/**
 * The todo that `POST /todos` with `{"title":"ab","ownerId":1,"workflowId":1}` answers, given its
 * id and the time written (`YYYY-MM-DD HH:MM:SS.mmm`, UTC): the bench's writes without the service
 * (bench/idempotency-sql.js, bench/idempotency-sqlite.js, bench/prepared-sql.js).
 */
function createdTodo(id, at) {
  const stamp = at.replace(' ', 'T') + 'Z';
  return {
    id,
    workflowId: 1,
    title: 'ab',
    description: null,
    ownerId: 1,
    status: 'pending',
    dueDate: null,
    createdAt: stamp,
    updatedAt: stamp,
    isDeleted: false,
    deletedAt: null,
    deletedBy: null,
  };
}

module.exports = {
  createdTodo,
  W,
  I,
  T,
  MAX_EMBEDDED,
  iso,
  toDb,
  workflow,
  interview,
  todo,
  SECURITY_HEADERS,
  encodeCursor,
  decodeCursor,
  includeTag,
};
