import type { DataSource } from 'typeorm';
import type TestAgent from 'supertest/lib/agent';
import { createTodo, createWorkflow } from './fixtures';

/** The events one round of `concurrentWriters` writes: the workflow, 3 todos, 1 update, the deletion record and the workflow's delete. */
export const EVENTS_PER_ROUND = 7;

/**
 * `writers` clients at once, each doing `rounds` rounds of: create a workflow and 3 todos in it,
 * complete the first todo, delete the workflow (a cascade). The load of the MariaDB race suites
 * of the change feed and of webhook delivery: under it, transactions take their event ids in one
 * order and commit in another.
 */
export async function concurrentWriters(
  http: TestAgent,
  writers: number,
  rounds: number,
): Promise<void> {
  const writer = async (n: number) => {
    for (let round = 0; round < rounds; round++) {
      const workflow = await createWorkflow(http, { name: `w${n}.${round}` });
      const todos = [];
      for (let i = 0; i < 3; i++) {
        todos.push(
          await createTodo(http, { title: `t${n}.${round}.${i}`, workflowId: workflow.id }),
        );
      }
      await http.patch(`/todos/${todos[0].id}`).send({ status: 'completed' }).expect(200);
      await http.delete(`/workflows/${workflow.id}`).expect(200);
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, n) => writer(n)));
}

/**
 * Whether a locking read of the outbox (the feed's, which the webhook fan-out also uses) has been
 * waiting for at least 200 ms: its statement, still running in the test's database (a read of a
 * few rows takes well under a millisecond). Read from the process list, not INNODB_TRX: a
 * read-only locking read has no transaction id, and MariaDB may leave it out of INNODB_TRX while
 * it waits (SHOW ENGINE INNODB STATUS shows it).
 */
export async function outboxReadWaiting(db: DataSource): Promise<boolean> {
  const [{ n }] = await db.query(
    `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
      WHERE DB = DATABASE() AND INFO LIKE '%FROM outbox_events%LOCK IN SHARE MODE%' AND TIME_MS >= 200`,
  );
  return Number(n) > 0;
}
