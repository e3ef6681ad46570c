import type { DataSource } from 'typeorm';
import type { TestDatabaseKind } from './test-database';

/**
 * Makes the database itself refuse every UPDATE of `table` (as a failing disk or constraint
 * would) through a trigger; the returned function drops it again.
 */
export function rejectUpdatesOf(
  db: DataSource,
  kind: TestDatabaseKind,
  table: string,
): Promise<() => Promise<void>> {
  return rejectStatements(db, kind, table, 'UPDATE');
}

/** The same for every INSERT into `table`. */
export function rejectInsertsInto(
  db: DataSource,
  kind: TestDatabaseKind,
  table: string,
): Promise<() => Promise<void>> {
  return rejectStatements(db, kind, table, 'INSERT');
}

async function rejectStatements(
  db: DataSource,
  kind: TestDatabaseKind,
  table: string,
  statement: 'UPDATE' | 'INSERT',
): Promise<() => Promise<void>> {
  const trigger = `test_reject_${table}_${statement.toLowerCase()}`;
  await db.query(
    kind === 'sqlite'
      ? `CREATE TRIGGER ${trigger} BEFORE ${statement} ON ${table} BEGIN SELECT RAISE(ABORT, 'rejected by test trigger'); END`
      : `CREATE TRIGGER ${trigger} BEFORE ${statement} ON ${table} FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'rejected by test trigger'`,
  );
  return async () => {
    await db.query(`DROP TRIGGER IF EXISTS ${trigger}`);
  };
}
