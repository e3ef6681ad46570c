import type { DataSource } from 'typeorm';
import { Database } from './database.service';
import { SqlDialect } from './sql-dialect';

/**
 * Reads and autocommit writes on MariaDB/MySQL take a connection of mysql2's pool for their one
 * statement and give it back once it has answered (not pool.query: docs/performance.md, "mysql2's
 * pool.query and the young generation"). A fake pool stands in for mysql2's here; the e2e suites
 * on MariaDB run the same code on the real one.
 */
describe('Database reads on a MariaDB pool', () => {
  type Answer = { err: Error | null; rows: unknown };

  function fakePool(answer: Answer) {
    const connection = {
      released: 0,
      destroyed: 0,
      listeners: 0,
      sent: [] as { sql: string; params: unknown }[],
      query(sql: string, params: unknown, callback: (err: Error | null, rows: unknown) => void) {
        connection.sent.push({ sql, params });
        // as mysql2: the answer comes later, from the socket
        setImmediate(() => callback(answer.err, answer.rows));
      },
      release() {
        connection.released++;
      },
      destroy() {
        connection.destroyed++;
      },
      listenerCount: () => connection.listeners,
      on() {
        connection.listeners++;
      },
    };
    const pool = {
      taken: 0,
      getConnection(callback: (err: Error | null, c: typeof connection) => void) {
        pool.taken++;
        setImmediate(() => callback(null, connection));
      },
    };
    const dataSource = {
      driver: { pool },
      logger: { logQuery: () => undefined, log: () => undefined },
    } as unknown as DataSource;
    return { db: new Database(dataSource, new SqlDialect('mariadb')), pool, connection };
  }

  it('answers the rows of a read and gives its connection back to the pool', async () => {
    const rows = [{ id: 1 }, { id: 2 }];
    const { db, pool, connection } = fakePool({ err: null, rows });
    await expect(db.select('SELECT id FROM t WHERE organization_id = ?', [7])).resolves.toBe(rows);
    expect(connection.sent).toEqual([
      { sql: 'SELECT id FROM t WHERE organization_id = ?', params: [7] },
    ]);
    expect(pool.taken).toBe(1);
    expect(connection.released).toBe(1);
    expect(connection.destroyed).toBe(0);
    // a listener for the connection's errors, added once
    await db.select('SELECT 1');
    expect(connection.listeners).toBe(1);
    expect(connection.released).toBe(2);
  });

  it('rejects with the driver error of a failed read and still gives the connection back', async () => {
    const failure = Object.assign(new Error("Table 't' doesn't exist"), { errno: 1146 });
    const { db, connection } = fakePool({ err: failure, rows: undefined });
    await expect(db.select('SELECT id FROM t')).rejects.toBe(failure);
    expect(connection.released).toBe(1);
    expect(connection.destroyed).toBe(0);
  });

  it.each([
    [1290, 'ER_OPTION_PREVENTS_STATEMENT'],
    [1792, 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION'],
    [1836, 'ER_READ_ONLY_MODE'],
  ])(
    'closes the connection of a write that met a read-only server (%i, %s), as pool.query does',
    async (errno, code) => {
      const failure = Object.assign(new Error('The server is running read-only'), {
        errno,
        code,
      });
      const { db, connection } = fakePool({ err: failure, rows: undefined });
      await expect(db.autocommit('DELETE FROM t WHERE id = ?', [1])).rejects.toBeDefined();
      expect(connection.destroyed).toBeGreaterThan(0);
      expect(connection.released).toBe(0);
    },
  );

  it('answers an autocommit write its affected rows and insert id', async () => {
    const { db, connection } = fakePool({ err: null, rows: { affectedRows: 1, insertId: 42 } });
    await expect(db.autocommit('INSERT INTO t (a) VALUES (?)', ['x'])).resolves.toEqual({
      affected: 1,
      insertId: 42,
    });
    expect(connection.released).toBe(1);
  });
});
