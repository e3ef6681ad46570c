'use strict';
// The MariaDB server's CPU a keyed `POST /todos`, statement by statement, without the service:
// the statements the service sends for the request (as MariaDB's general log shows them), sent
// by N connections in turn, in variants that change only the Idempotency-Key's part. For each
// variant it reports the CPU time of the connections' own server threads a transaction
// (`/proc/<mariadbd>/task/<TID>/schedstat`, TID from information_schema.PROCESSLIST: other clients of
// the server do not count) and of the whole mariadbd process a transaction (its background
// threads too: purge, log writer; but also anything else the server runs meanwhile).
//
//   node bench/idempotency-sql.js [variant ...]
//
// IS_CONNECTIONS (20), IS_SECONDS (3 a round), IS_ROUNDS (3), BENCH_MARIADB_URL
// (mariadb://root@127.0.0.1:3306/test), IS_PERF=<directory> (perf records the connections'
// server threads with their call graphs over each variant's measured seconds, into
// <directory>/<variant>.data, the last round's: `perf report -i ... --no-children`).
// IS_PREPARED=1 sends every statement with values as the service does (mysql2's execute():
// prepared once a connection, the values apart, binary protocol; MysqlStatements in
// src/common/persistence/database.service.ts), and the others as text; by default all are text.
// Variants run in turn, round after round, on tables
// created by the service's migrations (dist/migrations: run `npx nest build` first) in a
// database of their own, dropped at the end. Medians of the rounds.
const { spawn } = require('node:child_process');
const { mkdirSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const mysql = require('mysql2/promise');
const { createdTodo } = require('./baseline-common');
const {
  createDatabase,
  dropDatabase,
  median,
  uniqueDatabaseName,
  databaseServerPid,
  migrateDatabase,
  processCpuMs,
  serverThreadIds,
  threadsCpuMs,
} = require('./processes');

const CONNECTIONS = Number(process.env.IS_CONNECTIONS || 20);
const SECONDS = Number(process.env.IS_SECONDS || 3);
const ROUNDS = Number(process.env.IS_ROUNDS || 3);
const SERVER = new URL(process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
const DATABASE = uniqueDatabaseName('bench_idsql');
const PERF_DIR = process.env.IS_PERF;
const PREPARED = process.env.IS_PREPARED === '1';

/** A statement on c: prepared where the service prepares it (IS_PREPARED=1), else text. */
const send = (c, sql, params) =>
  PREPARED && params?.length ? c.execute(sql, params) : c.query(sql, params);

const KEY_COLUMNS =
  'organization_id, subject_id, idempotency_key, request_hash, lock_id, locked_at, created_at';
const WHERE_KEY = 'organization_id = 1 AND subject_id = 1 AND idempotency_key = ?';
/** What a stored key is read by, before the route (the key's params: [key]). */
const SELECT_KEY = `SELECT request_hash, lock_id, locked_at, created_at, response_status, response_body, response_etag FROM idempotency_keys WHERE ${WHERE_KEY}`;
/** SqlDialect.shortLockWait: the claim waits at most a second for a row lock. */
const SHORT_WAIT = 'SET STATEMENT innodb_lock_wait_timeout = 1 FOR ';
/** The claim: the key inserted as in progress ([key, hash, lock, now, now]). */
const CLAIM = `INSERT INTO idempotency_keys (${KEY_COLUMNS}) VALUES (1, 1, ?, ?, ?, ?, ?)`;
/** The take-over of a stale key ([hash, lock, now, now, key, expiredBefore, hash, abandonedBefore]). */
const TAKE_OVER = `UPDATE idempotency_keys SET request_hash = ?, lock_id = ?, locked_at = ?, created_at = ?, response_status = NULL, response_body = NULL, response_etag = NULL
            WHERE ${WHERE_KEY} AND (created_at < ? OR (request_hash = ? AND response_status IS NULL AND locked_at < ?))`;
const STORED_SIGNAL =
  "IF ROW_COUNT() = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'idempotency key stored'; END IF";
/** The answer stored with the key ([body, key, lock]). */
const ANSWER = `UPDATE idempotency_keys SET response_status = 201, response_body = ?, response_etag = '"1"' WHERE ${WHERE_KEY} AND lock_id = ?`;
/** A commit write's check (Database.transaction's commitBlock). */
const SIGNAL =
  "IF ROW_COUNT() = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'unchanged'; END IF";
/** A time long past: no stored key is stale (the take-over's bounds). */
const LONG_AGO = '2020-01-01 00:00:00';
const HASH = 'h'.repeat(64);

function at() {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

/** The todo the request answers, as the service serializes it. */
const answerOf = (id, at) => JSON.stringify(createdTodo(id, at));

const EFFECT = [
  'UPDATE recruitment_processes SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE organization_id = 1 AND id = 1 AND is_deleted = 0',
  "INSERT INTO todos (workflow_id, title, description, owner_id, status, due_date, created_at, updated_at, is_deleted, deleted_at, deleted_by, organization_id) VALUES (1, 'ab', NULL, 1, 'pending', NULL, ?, ?, 0, NULL, NULL, 1)",
];
const OUTBOX =
  "INSERT INTO outbox_events (organization_id, type, actor_id, occurred_at, data) VALUES (1, 'todo.created', 1, ?, ?)";

// The steps of one request: a variant is the steps it sends, and changes one or two of them.

/** A request's values: a new key and lock id. */
function request() {
  return { now: at(), key: randomBytes(16).toString('hex'), lock: randomBytes(16).toString('hex') };
}

/** The claim's params. */
const claimParams = (r) => [r.key, HASH, r.lock, r.now, r.now];
/** The answer's params. */
const answerParams = (r, body) => [body, r.key, r.lock];

/** The read of the key before the route. */
const selectKey = (c, r) => send(c, SELECT_KEY, [r.key]);

/** The BEGIN and, in its round trip, the claim (one or more statements, and their params). */
const beginWith = (c, statements, params) =>
  send(c, `BEGIN NOT ATOMIC START TRANSACTION; ${statements}; END`, params);

/** The route's statements; the todo's id. */
async function effect(c, now) {
  await send(c, EFFECT[0]);
  const [header] = await send(c, EFFECT[1], [now, now]);
  return header.insertId;
}

/** The COMMIT's round trip: `writes` (statements, with their params), the outbox INSERT, COMMIT. */
const commitWith = (c, r, body, writes = [], params = []) =>
  send(c, `BEGIN NOT ATOMIC ${[...writes, OUTBOX].join('; ')}; COMMIT; END`, [
    ...params,
    r.now,
    body,
  ]);

/**
 * A keyed request as the service sent it with the read before the route (ea35cb1): the SELECT,
 * the claim with the BEGIN, the route, the answer's UPDATE with the COMMIT. `change` replaces
 * any of its steps: select (or null for none), claim ([statements, params]), answer ([writes,
 * params]).
 */
async function keyed(c, change = {}) {
  const r = request();
  const steps = {
    select: selectKey,
    claim: () => [`${SHORT_WAIT}${CLAIM}`, claimParams(r)],
    answer: (body) => [[ANSWER, SIGNAL], answerParams(r, body)],
    ...change,
  };
  if (steps.select) await steps.select(c, r);
  await beginWith(c, ...steps.claim(r));
  const id = await effect(c, r.now);
  const body = answerOf(id, r.now);
  await commitWith(c, r, body, ...steps.answer(body, r, id));
}

/** The claim as this build sends it: a plain INSERT whose duplicate a handler takes over. */
function claimHandler(r) {
  return [
    `BEGIN DECLARE EXIT HANDLER FOR 1062 BEGIN
           ${SHORT_WAIT}${TAKE_OVER};
           ${STORED_SIGNAL};
         END;
         ${SHORT_WAIT}${CLAIM}; END`,
    [HASH, r.lock, r.now, r.now, r.key, LONG_AGO, HASH, LONG_AGO, ...claimParams(r)],
  ];
}

/** The claim's INSERT ... ON DUPLICATE KEY UPDATE that takes over only a stale key. */
function upsert(r, { kept }) {
  const taken = 'lock_id = VALUES(lock_id)';
  const stale = `created_at < ? OR (request_hash = VALUES(request_hash) AND response_status IS NULL AND locked_at < ?)`;
  const lockId = kept
    ? `IF(@idempotency_key_kept := NOT (${stale}), lock_id, VALUES(lock_id))`
    : `IF(NOT (${stale}), lock_id, VALUES(lock_id))`;
  const statement = `${SHORT_WAIT}${CLAIM}
         ON DUPLICATE KEY UPDATE
           lock_id = ${lockId},
           request_hash = IF(${taken}, VALUES(request_hash), request_hash), locked_at = IF(${taken}, VALUES(locked_at), locked_at),
           created_at = IF(${taken}, VALUES(created_at), created_at), response_status = IF(${taken}, NULL, response_status),
           response_body = IF(${taken}, NULL, response_body), response_etag = IF(${taken}, NULL, response_etag)`;
  const keptSignal =
    "IF @idempotency_key_kept THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'idempotency key stored'; END IF";
  return [
    kept ? `SET @idempotency_key_kept = 0; ${statement}; ${keptSignal}` : statement,
    [...claimParams(r), LONG_AGO, LONG_AGO],
  ];
}

/** One keyed request, by variant: each sends the statements its placement of the key would. */
/** The claim keeping its row's id, and the answer INSERTed into a table of its own by it. */
function answerInTable() {
  return {
    claim: (r) => [
      `${SHORT_WAIT}${CLAIM}; SET @idempotency_key_id = LAST_INSERT_ID()`,
      claimParams(r),
    ],
    answer: (body) => [
      [
        `INSERT INTO idempotency_answers_bench (key_id, response_status, response_body, response_etag) VALUES (@idempotency_key_id, 201, ?, '"1"')`,
      ],
      [body],
    ],
  };
}

const VARIANTS = {
  // no Idempotency-Key: what the service sends today
  async none(c) {
    const r = request();
    await send(c, 'START TRANSACTION');
    const id = await effect(c, r.now);
    await commitWith(c, r, answerOf(id, r.now));
  },
  // the keyed request with the read before the route (ea35cb1)
  current: (c) => keyed(c),
  // the answer's UPDATE by the primary key (the claim's id, kept in a user variable)
  byId: (c) =>
    keyed(c, {
      claim: (r) => [
        `${SHORT_WAIT}${CLAIM}; SET @idempotency_key_id = LAST_INSERT_ID()`,
        claimParams(r),
      ],
      answer: (body, r) => [
        [
          `UPDATE idempotency_keys SET response_status = 201, response_body = ?, response_etag = '"1"' WHERE id = @idempotency_key_id AND lock_id = ?`,
          SIGNAL,
        ],
        [body, r.lock],
      ],
    }),
  // the claim without SET STATEMENT innodb_lock_wait_timeout
  noSetStatement: (c) => keyed(c, { claim: (r) => [CLAIM, claimParams(r)] }),
  // the answer's UPDATE without its IF ROW_COUNT() ... SIGNAL
  noSignal: (c) => keyed(c, { answer: (body, r) => [[ANSWER], answerParams(r, body)] }),
  // the UPDATE setting the status alone (the body left NULL): what the body's TEXT costs
  statusOnly: (c) =>
    keyed(c, {
      answer: (body, r) => [
        [
          `UPDATE idempotency_keys SET response_status = 201 WHERE ${WHERE_KEY} AND lock_id = ?`,
          SIGNAL,
        ],
        [r.key, r.lock],
      ],
    }),
  // the answer INSERTed into a table of its own (idempotency_answers_bench) instead of the UPDATE
  answerTable: (c) => keyed(c, answerInTable()),
  // as answerTable, without the SELECT before the claim (against noSelect: the service's claim)
  answerTableNoSelect: (c) => keyed(c, { select: null, ...answerInTable() }),
  // no SELECT; the claim an INSERT ... ON DUPLICATE KEY UPDATE that takes over only a stale key
  // and SIGNALs on a stored one (0348577)
  upsertClaim: (c) => keyed(c, { select: null, claim: (r) => upsert(r, { kept: true }) }),
  // as upsertClaim, without the session variable and its IF
  upsertOnly: (c) => keyed(c, { select: null, claim: (r) => upsert(r, { kept: false }) }),
  // as noSelect, with upsertClaim's session variable and IF ... SIGNAL around a plain INSERT
  insertSignal: (c) =>
    keyed(c, {
      select: null,
      claim: (r) => [
        `SET @idempotency_key_kept = 0; ${SHORT_WAIT}${CLAIM};
         IF @idempotency_key_kept THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'idempotency key stored'; END IF`,
        claimParams(r),
      ],
    }),
  // the service's keyed request (6adafc4): no SELECT; the claim a plain INSERT with the BEGIN,
  // whose duplicate (1062) runs a handler that takes over a stale key, or SIGNALs that the key
  // is stored (IdempotencyKeysRepository.claimInTransaction)
  claimHandler: (c) => keyed(c, { select: null, claim: claimHandler }),
  // as claimHandler, without the answer's UPDATE (what the claim costs alone)
  claimNoAnswer: (c) => keyed(c, { select: null, claim: claimHandler, answer: () => [[], []] }),
  // without the SELECT before the claim, and without a handler
  noSelect: (c) => keyed(c, { select: null }),
  // the service's keyed request without the answer's UPDATE (what the claim costs alone)
  claimOnly: (c) => keyed(c, { select: null, answer: () => [[], []] }),
  // without the answer's UPDATE (what the claim and the SELECT cost alone)
  noUpdate: (c) => keyed(c, { answer: () => [[], []] }),
  // the SELECT, then the key inserted with its answer by one INSERT with the COMMIT
  async insertAtCommit(c) {
    const r = request();
    await selectKey(c, r);
    await send(c, 'START TRANSACTION');
    const id = await effect(c, r.now);
    const body = answerOf(id, r.now);
    await commitWith(
      c,
      r,
      body,
      [
        `${SHORT_WAIT}INSERT INTO idempotency_keys (${KEY_COLUMNS}, response_status, response_body, response_etag) VALUES (1, 1, ?, ?, ?, ?, ?, 201, ?, '"1"')`,
      ],
      [...claimParams(r), body],
    );
  },
  // the claim inserting a placeholder answer as long as the answer (an in-place UPDATE)
  sized: (c) =>
    keyed(c, {
      claim: (r) => [
        `${SHORT_WAIT}INSERT INTO idempotency_keys (${KEY_COLUMNS}, response_status, response_body, response_etag) VALUES (1, 1, ?, ?, ?, ?, ?, 0, ?, '"0"')`,
        [...claimParams(r), ' '.repeat(answerOf(1000, r.now).length)],
      ],
      answer: (body, r) => [
        [ANSWER, SIGNAL],
        answerParams(r, body.padEnd(answerOf(1000, r.now).length, ' ')),
      ],
    }),
  // no key, the COMMIT's block split: the outbox INSERT on its own (prepared with
  // IS_PREPARED=1), then COMMIT: what the compound block costs against its statements apart
  async noneApart(c) {
    const r = request();
    await send(c, 'START TRANSACTION');
    const id = await effect(c, r.now);
    await send(c, OUTBOX, [r.now, answerOf(id, r.now)]);
    await send(c, 'COMMIT');
  },
  // the service's claim with the BEGIN (no SELECT), the answer's UPDATE on its own (prepared with
  // IS_PREPARED=1, its affected rows checked by the client), then the COMMIT's block
  async answerApart(c) {
    const r = request();
    await beginWith(c, `${SHORT_WAIT}${CLAIM}`, claimParams(r));
    const id = await effect(c, r.now);
    const body = answerOf(id, r.now);
    const [header] = await send(c, ANSWER, answerParams(r, body));
    if (header.affectedRows !== 1) throw new Error('answer not stored');
    await commitWith(c, r, body);
  },
  // no compound statement at all: START TRANSACTION, the claim, the route, the answer's UPDATE,
  // the outbox INSERT, COMMIT, each on its own (prepared with IS_PREPARED=1); the claim's short
  // lock wait left out (a session setting would do it)
  async allApart(c) {
    const r = request();
    await send(c, 'START TRANSACTION');
    await send(c, CLAIM, claimParams(r));
    const id = await effect(c, r.now);
    const body = answerOf(id, r.now);
    const [header] = await send(c, ANSWER, answerParams(r, body));
    if (header.affectedRows !== 1) throw new Error('answer not stored');
    await send(c, OUTBOX, [r.now, body]);
    await send(c, 'COMMIT');
  },
  // no row before the route: the key's user lock taken with the BEGIN (GET_LOCK, which a copy of
  // a running request fails at once), the key inserted with its answer (in a handler's block
  // that takes over a stale key, as claimHandler's) and the lock released with the COMMIT
  async lockThenInsert(c) {
    const r = request();
    const lock = `idempotency:1:1:${r.key}`;
    await beginWith(
      c,
      "IF GET_LOCK(?, 0) = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'in progress'; END IF",
      [lock],
    );
    const id = await effect(c, r.now);
    const body = answerOf(id, r.now);
    await send(
      c,
      `BEGIN NOT ATOMIC
         BEGIN DECLARE EXIT HANDLER FOR 1062 BEGIN
           ${SHORT_WAIT}${TAKE_OVER};
           ${STORED_SIGNAL};
         END;
         ${SHORT_WAIT}INSERT INTO idempotency_keys (${KEY_COLUMNS}, response_status, response_body, response_etag) VALUES (1, 1, ?, ?, ?, ?, ?, 201, ?, '"1"');
         END;
         ${OUTBOX}; COMMIT; DO RELEASE_LOCK(?); END`,
      [
        HASH,
        r.lock,
        r.now,
        r.now,
        r.key,
        LONG_AGO,
        HASH,
        LONG_AGO,
        ...claimParams(r),
        body,
        r.now,
        body,
        lock,
      ],
    );
  },
  // the answer's UPDATE sent on its own before the COMMIT's block (no SIGNAL in the block)
  async updateApart(c) {
    const r = request();
    await selectKey(c, r);
    await beginWith(c, `${SHORT_WAIT}${CLAIM}`, claimParams(r));
    const id = await effect(c, r.now);
    const body = answerOf(id, r.now);
    await send(c, ANSWER, answerParams(r, body));
    await commitWith(c, r, body);
  },
};

async function round(url, pid, name) {
  const run = VARIANTS[name];
  const connections = await Promise.all(
    Array.from({ length: CONNECTIONS }, () => mysql.createConnection({ uri: String(url) })),
  );
  const tids = await serverThreadIds(connections);
  let done = 0;
  let failed = 0;
  // IS_PERF: perf samples the connections' own server threads (their call graphs) meanwhile
  const perf = PERF_DIR
    ? spawn(
        'perf',
        ['record', '-q', '-g', '-t', tids.join(','), '-o', join(PERF_DIR, `${name}.data`)],
        { stdio: 'ignore' },
      )
    : undefined;
  const until = Date.now() + SECONDS * 1000;
  const threads0 = threadsCpuMs(pid, tids);
  const process0 = processCpuMs(pid);
  await Promise.all(
    connections.map(async (c) => {
      while (Date.now() < until) {
        try {
          await run(c);
          done++;
        } catch (err) {
          failed++;
          await send(c, 'ROLLBACK').catch(() => undefined);
          if (failed === 1) console.error(name, err.message);
        }
      }
    }),
  );
  if (perf) {
    const exited = new Promise((resolve) => perf.once('exit', resolve));
    perf.kill('SIGINT');
    await exited;
  }
  const threads = threadsCpuMs(pid, tids) - threads0;
  const whole = processCpuMs(pid) - process0;
  await Promise.all(connections.map((c) => c.end()));
  return {
    rate: done / SECONDS,
    threadsUs: (threads * 1000) / done,
    processUs: (whole * 1000) / done,
    failed,
  };
}

async function main() {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(VARIANTS);
  if (PERF_DIR) mkdirSync(PERF_DIR, { recursive: true });
  const { admin, url } = await createDatabase(SERVER, DATABASE);
  try {
    await migrateDatabase(url);
    const seed = await mysql.createConnection({ uri: String(url) });
    const now = at();
    await seed.query(
      "INSERT INTO recruitment_processes (name, status, created_by, created_at, updated_at, is_deleted, link_version, organization_id, version) VALUES ('w', 'draft', 1, ?, ?, 0, 1, 1, 1)",
      [now, now],
    );
    await seed.query(
      'CREATE TABLE idempotency_answers_bench (key_id int NOT NULL PRIMARY KEY, response_status int NOT NULL, response_body mediumtext NOT NULL, response_etag varchar(100) NULL)',
    );
    const pid = await databaseServerPid(seed);
    await seed.end();
    const results = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of names) {
        const result = await round(url, pid, name);
        results[name].push(result);
        console.log(
          `round ${r + 1} ${name}: ${result.rate.toFixed(0)} tx/s, connections' threads ${result.threadsUs.toFixed(0)} us, mariadbd ${result.processUs.toFixed(0)} us a transaction${result.failed ? `, ${result.failed} failed` : ''}`,
        );
      }
    }
    console.log(`\n${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s, medians:`);
    console.log("| variant | tx/s | connections' threads µs a tx | mariadbd µs a tx |");
    console.log('| --- | ---: | ---: | ---: |');
    for (const name of names) {
      const rs = results[name];
      console.log(
        `| ${name} | ${median(rs.map((x) => x.rate)).toFixed(0)} | ${median(rs.map((x) => x.threadsUs)).toFixed(0)} | ${median(rs.map((x) => x.processUs)).toFixed(0)} |`,
      );
    }
  } finally {
    await dropDatabase(admin, DATABASE);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
