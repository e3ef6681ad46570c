'use strict';
// The rows the SQLite benchmarks load onto a file the service has migrated (bench/sqlite.js,
// bench/sqlite-cpu.js): 10,000 workflows; workflows 1..20 get 1,000 interviews and 1,000 todos
// each, the other 80,000 of each spread over workflows 21..10000; statuses in turn. Set-based
// (recursive CTEs), in one transaction, then ANALYZE, as bench/run.js seeds MariaDB.
function seedRows(db) {
  const now = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
  const seq = (n) =>
    `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${n})`;
  const pick = (...values) =>
    `CASE n % 4 ${values.map((v, i) => `WHEN ${i} THEN '${v}'`).join(' ')} END`;
  const workflowOf = 'CASE WHEN n <= 20000 THEN 1 + (n - 1) / 1000 ELSE 21 + n % 9980 END';
  db.transaction(() => {
    db.exec(
      `${seq(10000)} INSERT INTO recruitment_processes (name, description, status, created_by, created_at, updated_at) SELECT 'Workflow ' || n, 'Seeded', ${pick('draft', 'active', 'closed', 'archived')}, 1 + n % 50, ${now}, ${now} FROM seq`,
    );
    db.exec(
      `${seq(100000)} INSERT INTO interviews (title, candidate_id, recruiter_id, status, workflow_id, created_at, updated_at) SELECT 'Interview ' || n, n, 1 + n % 100, ${pick('scheduled', 'completed', 'cancelled', 'no_show')}, ${workflowOf}, ${now}, ${now} FROM seq`,
    );
    db.exec(
      `${seq(100000)} INSERT INTO todos (title, owner_id, status, workflow_id, created_at, updated_at) SELECT 'Todo ' || n, 1 + n % 500, ${pick('pending', 'in_progress', 'completed', 'cancelled')}, ${workflowOf}, ${now}, ${now} FROM seq`,
    );
  })();
  db.exec('ANALYZE');
}

module.exports = { seedRows };
