import { createWorkflow, expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

/**
 * MariaDB only: there an Idempotency-Key of a route whose effect is one transaction is claimed
 * by that transaction's first statement, waiting at most a second for a row lock, and commits with it
 * (README, "How a client retries safely"). A copy of the request sent while the first one runs
 * meets the uncommitted key and answers 409 within a second; a request that fails, however it fails,
 * leaves no key behind.
 */
describe('Idempotency-Key claimed in the effect transaction on MariaDB (e2e)', () => {
  let t: TestApp;
  let serial = 0;
  const newKey = () => `claim-${Date.now()}-${++serial}`;

  beforeAll(async () => {
    t = await startTestApp('idempotent_claim', { DB_POOL_SIZE: '12' });
    // holds the transaction of a todo titled 'slow ...' open for a while after its key's claim,
    // then fails it when the title ends with 'failing'
    await t.db.query(
      `CREATE TRIGGER test_slow_todo BEFORE INSERT ON todos FOR EACH ROW
       BEGIN
         IF NEW.title LIKE 'slow%' THEN DO SLEEP(3); END IF;
         IF NEW.title LIKE '%failing' THEN
           SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the effect failed';
         END IF;
       END`,
    );
  });

  afterAll(async () => {
    await t?.db.query('DROP TRIGGER IF EXISTS test_slow_todo').catch(() => undefined);
    await t?.close();
  });

  const count = async (table: string, where: string, params: unknown[]) =>
    Number((await t.db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);

  const post = (key: string, body: object) =>
    t.http.post('/todos').set('Idempotency-Key', key).send(body);

  it('answers a copy sent while the first runs 409 within a second (its key uncommitted), then replays the answer to its retry', async () => {
    const key = newKey();
    const body = { title: 'slow first', ownerId: 3 };
    const first = post(key, body).then((res) => ({ res, at: Date.now() }));
    // the first request is in its transaction, asleep in the trigger, its key inserted there
    await new Promise((resolve) => setTimeout(resolve, 500));
    // uncommitted: no other connection sees it yet
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
    const copy = await post(key, body);
    const copyAt = Date.now();
    expect(copy.status).toBe(409);
    expectErrorShape(copy.body, 409);
    expect(copy.headers['retry-after']).toBe('1');
    const { res, at } = await first;
    // the copy did not wait for the first request's transaction to end
    expect(copyAt).toBeLessThan(at);
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const retry = await post(key, body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(res.body);
    expect(await count('todos', 'title = ?', ['slow first'])).toBe(1);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(1);
  });

  it('runs ten concurrent copies of one request once: the others answer 409 or the replayed answer', async () => {
    const key = newKey();
    const body = { title: 'slow raced', ownerId: 3 };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(key, body)));
    const ran = answers.filter((a) => a.status === 201 && !a.headers['idempotent-replayed']);
    expect(ran).toHaveLength(1);
    for (const answer of answers.filter((a) => a !== ran[0])) {
      if (answer.status === 409) expect(answer.headers['retry-after']).toBe('1');
      else expect([answer.status, answer.body]).toEqual([201, ran[0].body]);
    }
    expect(await count('todos', 'title = ?', ['slow raced'])).toBe(1);
  });

  it('leaves no key when the effect fails in its transaction: a copy sent meanwhile gets 409, the retry after runs', async () => {
    const key = newKey();
    // the trigger fails the INSERT of the todo, in the transaction, after the claim (500)
    const body = { title: 'slow failing', ownerId: 3 };
    // sent now (a supertest request is sent when it is awaited)
    const first = post(key, body).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await post(key, body)).status).toBe(409);
    expect((await first).status).toBe(500);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
    expect(await count('todos', 'title = ?', ['slow failing'])).toBe(0);
    // the same key, with the request corrected, runs
    await post(key, { title: 'corrected', ownerId: 3 }).expect(201);
    expect(await count('todos', 'title = ?', ['corrected'])).toBe(1);
  });

  it('stores the key and answer of a success that ran no transaction (a dry run) after it, and replays it', async () => {
    const key = newKey();
    const workflow = await createWorkflow(t.http);
    const path = `/workflows/${workflow.id}?dryRun=true`;
    const first = await t.http.delete(path).set('Idempotency-Key', key).expect(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(1);
    const again = await t.http.delete(path).set('Idempotency-Key', key).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await t.http.get(`/workflows/${workflow.id}`).expect(200);
  });

  it('leaves no key when the connection of the request dies in its transaction: the retry runs at once, not after the lease', async () => {
    const key = newKey();
    const body = { title: 'slow killed', ownerId: 3 };
    // sent now (a supertest request is sent when it is awaited)
    const first = post(key, body).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [sleeping] = await t.db.query(
      "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND command IN ('Query', 'Execute') AND id <> CONNECTION_ID()",
    );
    expect(sleeping).toBeDefined();
    await t.db.query(`KILL CONNECTION ${Number(sleeping.id)}`);
    expect((await first).status).toBeGreaterThanOrEqual(500);
    expect(await count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
    expect(await count('todos', 'title = ?', ['slow killed'])).toBe(0);
    const retry = await post(key, body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('todos', 'title = ?', ['slow killed'])).toBe(1);
  });
});
