import type { DataSource } from 'typeorm';
import { freePort, spawnApp, type AppProcess } from './setup/app-process';
import { expectOneEffect, raceOneRequest } from './setup/idempotent-race';
import { createTestDatabase, type TestDatabase } from './setup/test-database';

/**
 * Three app processes on one MariaDB database: ten copies of one request with one
 * Idempotency-Key, sent to all three at once, make one effect; the unique key of idempotency_keys
 * decides, not anything a process keeps in memory.
 */
describe('Idempotency-Key across three processes on one MariaDB database (e2e)', () => {
  let database: TestDatabase;
  let db: DataSource;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('idempotent_race');
    db = await database.connect();
    await db.runMigrations({ transaction: 'each' });
    for (let i = 0; i < 3; i++) {
      apps.push(
        await spawnApp(
          { DATABASE_URL: database.url, MIGRATIONS_RUN: 'false', DB_POOL_SIZE: '8' },
          await freePort(),
        ),
      );
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
    await db?.destroy();
    await database?.drop();
  });

  it('ten copies of one POST through three processes create one workflow', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `raced create ${round}`;
      const answers = await raceOneRequest(apps, 'POST', '/workflows', { name });
      expectOneEffect(answers, 201);
      const rows = await db.query(
        'SELECT COUNT(*) AS n FROM recruitment_processes WHERE name = ?',
        [name],
      );
      expect(Number(rows[0].n)).toBe(1);
    }
  });

  it('ten copies of one DELETE through three processes delete (and cascade) once, and none answers 404', async () => {
    const [{ insertId }] = [
      await db.query("INSERT INTO recruitment_processes (name) VALUES ('raced delete')"),
    ];
    const id = Number(insertId);
    await db.query(
      "INSERT INTO todos (title, owner_id, workflow_id) VALUES ('a', 1, ?), ('b', 1, ?)",
      [id, id],
    );
    const answers = await raceOneRequest(apps, 'DELETE', `/workflows/${id}`);
    expectOneEffect(answers, 200);
    const ran = answers.find((a) => a.status === 200 && !a.replayed)!;
    expect(JSON.parse(ran.body).cascaded).toEqual({ interviews: 0, todos: 2 });
    const [row] = await db.query('SELECT version FROM recruitment_processes WHERE id = ?', [id]);
    // inserted at 1, deleted once
    expect(Number(row.version)).toBe(2);
  });
});
