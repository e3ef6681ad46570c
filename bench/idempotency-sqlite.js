'use strict';
// What an Idempotency-Key costs a `POST /todos` on SQLite, statement by statement, without the
// service: the transaction the service runs for the request (the statements of
// test/statement-counts.e2e-spec.ts, as bench/baseline-sqlite.js sends them), in variants that
// change only the key's part, each run IS_TRANSACTIONS (20,000) times in a row in this process
// on one better-sqlite3 connection (WAL, synchronous=NORMAL, as the service's writer), on a file
// migrated by the service's migrations (dist/migrations: run `npx nest build` first). Per
// transaction: this process's CPU time, user and system apart (process.cpuUsage: the WAL's writes
// and checkpoints are system time), and the WAL frames written (PRAGMA wal_checkpoint's counts
// are not kept: the pages each commit adds are counted from the WAL file's growth between
// checkpoints, with the autocheckpoint off and a TRUNCATE checkpoint every 1,000 transactions).
//
//   node bench/idempotency-sqlite.js [variant ...]
//
// IS_ROUNDS (5) rounds, the variants in turn; medians of the rounds. IS_PRAGMAS: more
// `name=value` pragmas, `;`-separated (e.g. `cache_size=-32000`).
const { mkdtempSync, rmSync, statSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const Database = require('better-sqlite3');
const { DataSource } = require('typeorm');
const { median } = require('./processes');
const { createdTodo } = require('./baseline-common');

const N = Number(process.env.IS_TRANSACTIONS || 20000);
const ROUNDS = Number(process.env.IS_ROUNDS || 5);
const CHECKPOINT_EVERY = 1000;
const HASH = 'h'.repeat(64);

const at = () => new Date().toISOString().replace('T', ' ').replace('Z', '');

function statements(db) {
  return {
    link: db.prepare(
      'UPDATE recruitment_processes SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE organization_id = ? AND id = ? AND is_deleted = 0',
    ),
    insertTodo: db.prepare(
      "INSERT INTO todos (workflow_id, title, description, owner_id, status, due_date, created_at, updated_at, is_deleted, deleted_at, deleted_by, organization_id) VALUES (1, 'ab', NULL, 1, 'pending', NULL, ?, ?, 0, NULL, NULL, 1)",
    ),
    outbox: db.prepare(
      "INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data) VALUES (1, 'todo.created', 1, ?, ?)",
    ),
    claim: db.prepare(
      'INSERT INTO idempotency_keys (organization_id, subject_id, idempotency_key, request_hash, lock_id, locked_at, created_at) VALUES (1, 1, ?, ?, ?, ?, ?)',
    ),
    answer: db.prepare(
      'UPDATE idempotency_keys SET response_status = 201, response_body = ?, response_etag = \'"1"\' WHERE organization_id = 1 AND subject_id = 1 AND idempotency_key = ? AND lock_id = ?',
    ),
    insertAnswered: db.prepare(
      'INSERT INTO idempotency_keys (organization_id, subject_id, idempotency_key, request_hash, lock_id, locked_at, created_at, response_status, response_body, response_etag) VALUES (1, 1, ?, ?, ?, ?, ?, 201, ?, \'"1"\')',
    ),
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
  };
}

/**
 * The service's `POST /todos` transaction, with the key's statements where `key` puts them:
 * `claim` (the key inserted as in progress, first), `answer` (its answer's UPDATE, before the
 * outbox INSERT), `insertAnswered` (key and answer by one INSERT there instead).
 */
function transaction(s, now, key = {}) {
  // a new key and lock id where the variant has a key (none costs no random bytes)
  const keyed = key.claim || key.insertAnswered;
  const id = keyed ? randomBytes(16).toString('hex') : undefined;
  const lock = keyed ? randomBytes(16).toString('hex') : undefined;
  s.begin.run();
  if (key.claim) s.claim.run(id, HASH, lock, now, now);
  s.link.run(1, 1);
  const { lastInsertRowid } = s.insertTodo.run(now, now);
  const answer = JSON.stringify(createdTodo(Number(lastInsertRowid), now));
  if (key.answer) s.answer.run(answer, id, lock);
  if (key.insertAnswered) s.insertAnswered.run(id, HASH, lock, now, now, answer);
  s.outbox.run(now, answer);
  s.commit.run();
}

/** One transaction of each variant: the route's statements, and the key's as the variant has them. */
const VARIANTS = {
  // no key
  none: (s, now) => transaction(s, now),
  // the service's keyed request: the claim first, the answer's UPDATE before the COMMIT
  keyed: (s, now) => transaction(s, now, { claim: true, answer: true }),
  // the claim alone, no answer
  claimOnly: (s, now) => transaction(s, now, { claim: true }),
  // the key inserted with its answer by one INSERT before the COMMIT (no claim first)
  insertAnswered: (s, now) => transaction(s, now, { insertAnswered: true }),
};

function walPages(file) {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

function round(db, s, file, name) {
  const run = VARIANTS[name];
  db.pragma('wal_checkpoint(TRUNCATE)');
  let walBytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= N; i++) {
    run(s, at());
    if (i % CHECKPOINT_EVERY === 0) {
      walBytes += walPages(file);
      db.pragma('wal_checkpoint(TRUNCATE)');
    }
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  return {
    userUs: cpu.user / N,
    systemUs: cpu.system / N,
    wallUs: wall / N,
    // a WAL frame is a 24-byte header and a page
    frames: walBytes / (db.pragma('page_size', { simple: true }) + 24) / N,
  };
}

async function main() {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(VARIANTS);
  const dir = mkdtempSync(join(os.tmpdir(), 'idempotency-sqlite-'));
  const file = join(dir, 'bench.sqlite');
  try {
    const { MIGRATIONS } = require(join(__dirname, '..', 'dist', 'migrations', 'index.js'));
    const ds = new DataSource({ type: 'better-sqlite3', database: file, migrations: MIGRATIONS });
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();
    const db = new Database(file);
    db.pragma('journal_mode = wal');
    db.pragma('synchronous = normal');
    db.pragma('foreign_keys = ON');
    db.pragma('wal_autocheckpoint = 0');
    for (const pragma of (process.env.IS_PRAGMAS || '').split(';').filter(Boolean)) {
      db.pragma(pragma);
    }
    const now = at();
    db.prepare(
      "INSERT INTO recruitment_processes (name, status, created_by, created_at, updated_at, is_deleted, link_version, organization_id, version) VALUES ('w', 'draft', 1, ?, ?, 0, 1, 1, 1)",
    ).run(now, now);
    const s = statements(db);
    for (const name of names) round(db, s, file, name); // warm-up: one round each, not counted
    const results = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of names) {
        const result = round(db, s, file, name);
        results[name].push(result);
        console.log(
          `round ${r + 1} ${name}: user ${result.userUs.toFixed(1)} us, system ${result.systemUs.toFixed(1)} us, wall ${result.wallUs.toFixed(1)} us, WAL frames ${result.frames.toFixed(2)} a transaction`,
        );
      }
    }
    console.log(`\n${N} transactions a round, ${ROUNDS} rounds, medians:`);
    console.log('| variant | user µs a tx | system µs a tx | wall µs a tx | WAL frames a tx |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const name of names) {
      const m = (f) => median(results[name].map(f));
      console.log(
        `| ${name} | ${m((x) => x.userUs).toFixed(1)} | ${m((x) => x.systemUs).toFixed(1)} | ${m((x) => x.wallUs).toFixed(1)} | ${m((x) => x.frames).toFixed(2)} |`,
      );
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
