import BetterSqlite3 from 'better-sqlite3';
import { withStablePlan } from './database.service';

describe("SQLite's read statements with a plan made once (withStablePlan)", () => {
  it('writes the operand of each equality and of LIMIT as +?', () => {
    expect(
      withStablePlan(
        'SELECT id FROM todos WHERE organization_id = ? AND is_deleted = 0 AND workflow_id = ? ORDER BY id LIMIT ?',
      ),
    ).toBe(
      'SELECT id FROM todos WHERE organization_id = +? AND is_deleted = 0 AND workflow_id = +? ORDER BY id LIMIT +?',
    );
  });

  it('leaves range bounds, IN lists and statements with quotes as they are', () => {
    const range =
      'SELECT id FROM todos WHERE organization_id = ? AND id > ? AND id >= ? AND id <= ?';
    expect(withStablePlan(range)).toBe(
      'SELECT id FROM todos WHERE organization_id = +? AND id > ? AND id >= ? AND id <= ?',
    );
    expect(withStablePlan('SELECT id FROM todos WHERE id IN (?, ?)')).toBe(
      'SELECT id FROM todos WHERE id IN (?, ?)',
    );
    const quoted = "SELECT id FROM todos WHERE title = '= ?' AND id = ?";
    expect(withStablePlan(quoted)).toBe(quoted);
  });

  it('reads the same rows as the statement as written', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      db.exec(
        'CREATE TABLE t (id INTEGER PRIMARY KEY, org INTEGER NOT NULL, name TEXT, flag INTEGER NOT NULL)',
      );
      db.exec('CREATE INDEX ix_t_org ON t (org)');
      const insert = db.prepare('INSERT INTO t (org, name, flag) VALUES (?, ?, ?)');
      for (let i = 1; i <= 60; i++) insert.run(1 + (i % 3), `n${i}`, i % 2);
      const sql =
        'SELECT id, org, name FROM t WHERE org = ? AND flag = ? AND name = ? ORDER BY id LIMIT ?';
      const written = db.prepare(sql);
      const stable = db.prepare(withStablePlan(sql));
      // integers, a string compared with a text column, and a number given as text
      for (const params of [
        [2, 1, 'n7', 5],
        [1, 0, 'n3', 1],
        ['2', 1, 'n7', 5],
        [3, 0, 'n2', 20],
      ]) {
        expect(stable.all(...params)).toEqual(written.all(...params));
      }
      const page = 'SELECT id FROM t WHERE org = ? ORDER BY id LIMIT ?';
      expect(db.prepare(withStablePlan(page)).all(2, 4)).toEqual(db.prepare(page).all(2, 4));
    } finally {
      db.close();
    }
  });
});
