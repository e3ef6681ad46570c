'use strict';
// mysql2's pool.query against a connection of the pool taken, queried and given back: what each
// keeps alive across V8's scavenges. Without the service or any table: each mode runs in
// PQ_PROCESSES (3) fresh processes, each sending PQ_QUERIES (60,000) reads of 20 rows of about
// 1.6 to 1.8 KB (from MariaDB's sequence engine), 10 at a time, on a pool of 10 connections; V8's line
// for every collection (--trace-gc-nvp) gives the bytes still alive in the young generation at
// each scavenge (`new_space_survived`: what the next one promotes) and the full collections.
//
//   node bench/pool-query-gc.js
//
// BENCH_MARIADB_URL (mariadb://root@127.0.0.1:3306/test). docs/performance.md, "mysql2's
// pool.query and the young generation", has what it showed and why the service reads through
// its own connection-taking helper (queryOnPool in src/common/persistence/database.service.ts).
const { spawn } = require('node:child_process');
const { median } = require('./processes');

const PROCESSES = Number(process.env.PQ_PROCESSES || 3);
const QUERIES = Number(process.env.PQ_QUERIES || 60_000);
const SERVER = process.env.BENCH_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test';
const MODES = ['pool.query', 'connection.query'];

/** One process's reads, in the mode given (run as a child: `node pool-query-gc.js --child <mode>`). */
function child(mode) {
  const mysql = require('mysql2');
  const pool = mysql.createPool({ uri: SERVER, connectionLimit: 10, dateStrings: true });
  const sql =
    "SELECT seq AS id, CONCAT('Workflow ', seq) AS name, REPEAT(CONCAT('Seeded ', seq), 200) AS description, NOW(6) AS created_at FROM seq_1_to_100 WHERE seq > ? ORDER BY seq LIMIT ?";
  const read = (callback) => {
    if (mode === 'pool.query') return pool.query(sql, [5, 20], callback);
    pool.getConnection((err, connection) => {
      if (err) return callback(err);
      connection.query(sql, [5, 20], (error, rows) => {
        connection.release();
        callback(error, rows);
      });
    });
  };
  let sent = 0;
  let finished = 0;
  const loop = () => {
    if (sent >= QUERIES) {
      if (++finished === 10) pool.end();
      return;
    }
    sent++;
    read((err, rows) => {
      if (err) throw err;
      // what a route does with them: an answer's JSON
      JSON.stringify(rows.map((row) => ({ id: row.id, name: row.name })));
      process.nextTick(loop);
    });
  };
  for (let i = 0; i < 10; i++) loop();
}

function runChild(mode) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--trace-gc-nvp', __filename, '--child', mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${mode}: exited ${code}`));
      const lines = out.split('\n');
      const scavenges = lines.filter((line) => line.includes('gc=s '));
      const survived = scavenges
        .slice(Math.floor(scavenges.length / 2)) // the second half: past the start
        .map((line) => Number(/new_space_survived=(\d+)/.exec(line)?.[1] ?? NaN));
      resolve({
        scavenges: scavenges.length,
        full: lines.filter((line) => /gc=(mc|ms) /.test(line)).length,
        survivedKiB: median(survived) / 1024,
        maxSurvivedKiB: Math.max(...survived) / 1024,
      });
    });
  });
}

async function main() {
  console.log(
    `${QUERIES} reads of 20 rows a process, 10 at a time, pool of 10; the second half of each process's scavenges`,
  );
  console.log(
    '| mode | process | scavenges | full collections | KiB alive at a scavenge, median | the same, largest |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (let p = 1; p <= PROCESSES; p++) {
    for (const mode of MODES) {
      const r = await runChild(mode);
      console.log(
        `| ${mode} | ${p} | ${r.scavenges} | ${r.full} | ${r.survivedKiB.toFixed(0)} | ${r.maxSurvivedKiB.toFixed(0)} |`,
      );
    }
  }
}

if (process.argv[2] === '--child') child(process.argv[3]);
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
