import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { TEST_JWT_SECRET, tokenFor } from './setup/auth';
import { createInterview, createTodo, createWorkflow, expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

const run = promisify(execFile);

// What POST /admin/purge counts and removes, per linked kind: the shared suite of
// test/setup/linked-kind-suite.ts (test/linked-kinds.e2e-spec.ts).
describe('Retention: POST /admin/purge and npm run purge (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('purge');
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A deleted workflow with 2 interviews and 1 todo, all deleted `daysAgo` days ago. */
  async function deletedWorkflow(daysAgo: number, http = t.http): Promise<number> {
    const workflow = await createWorkflow(http);
    await createInterview(http, { workflowId: workflow.id });
    await createInterview(http, { workflowId: workflow.id });
    await createTodo(http, { workflowId: workflow.id });
    await http.delete(`/workflows/${workflow.id}`).expect(200);
    const stamp = new Date(Date.now() - daysAgo * 86_400_000)
      .toISOString()
      .slice(0, 23)
      .replace('T', ' ');
    await t.db.query('UPDATE recruitment_processes SET deleted_at = ? WHERE id = ?', [
      stamp,
      workflow.id,
    ]);
    for (const table of ['interviews', 'todos']) {
      await t.db.query(`UPDATE ${table} SET deleted_at = ? WHERE workflow_id = ?`, [
        stamp,
        workflow.id,
      ]);
    }
    return workflow.id;
  }

  it('answers 400 for a malformed age and 403 below the admin role', async () => {
    for (const olderThan of ['30', 'thirty days', '0d', '-5d']) {
      expectErrorShape(
        (await t.http.post('/admin/purge').send({ olderThan }).expect(400)).body,
        400,
      );
    }
    const zero = await t.http.post('/admin/purge').send({ olderThan: '0m' }).expect(400);
    expect(JSON.stringify(zero.body.message)).toContain(
      'olderThan must be a positive age, such as 30d, 12h or 90m',
    );
    await request(t.app.getHttpServer())
      .post('/admin/purge')
      .set('authorization', `Bearer ${tokenFor('editor')}`)
      .send({ olderThan: '30d' })
      .expect(403);
  });

  it("purges only the caller's organization", async () => {
    const mine = await deletedWorkflow(45);
    const theirs = await deletedWorkflow(45, t.as(2));
    const dry = await t.as(2).post('/admin/purge').send({ olderThan: '30d', dryRun: true });
    expect(dry.body).toMatchObject({ interviews: 2, todos: 1, workflows: 1 });
    await t.as(2).post('/admin/purge').send({ olderThan: '30d' }).expect(200);
    const rows = async (id: number) =>
      Number(
        (await t.db.query('SELECT COUNT(*) AS n FROM recruitment_processes WHERE id = ?', [id]))[0]
          .n,
      );
    expect([await rows(mine), await rows(theirs)]).toEqual([1, 0]);
    await t.http.post('/admin/purge').send({ olderThan: '30d' }).expect(200);
    expect(await rows(mine)).toBe(0);
  });

  it('npm run purge -- --older-than 30d [--dry-run] purges every organization and reports each', async () => {
    await deletedWorkflow(60);
    await deletedWorkflow(60, t.as(3));
    await deletedWorkflow(60, t.as(3));
    await deletedWorkflow(10, t.as(4));
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/cli/purge.ts', ...args],
        {
          cwd: join(__dirname, '..'),
          env: {
            ...process.env,
            DATABASE_URL: t.database.url,
            JWT_SECRET: TEST_JWT_SECRET,
            TS_NODE_PROJECT: 'tsconfig.json',
          },
        },
      );
    const counts = {
      '1': {
        interviews: 2,
        todos: 1,
        workflows: 1,
        idempotencyKeys: 0,
        events: 0,
        webhookDeliveries: 0,
      },
      '3': {
        interviews: 4,
        todos: 2,
        workflows: 2,
        idempotencyKeys: 0,
        events: 0,
        webhookDeliveries: 0,
      },
      '4': {
        interviews: 0,
        todos: 0,
        workflows: 0,
        idempotencyKeys: 0,
        events: 0,
        webhookDeliveries: 0,
      },
    };
    const dry = JSON.parse((await cli('--older-than', '30d', '--dry-run')).stdout);
    expect(dry).toEqual({
      dryRun: true,
      deletedBefore: expect.any(String),
      organizations: expect.objectContaining(counts),
    });
    const real = JSON.parse((await cli('--older-than', '30d')).stdout);
    expect(real).toMatchObject({ dryRun: false, organizations: expect.objectContaining(counts) });
    for (const organizationId of [1, 3]) {
      const left = await t
        .as(organizationId)
        .post('/admin/purge')
        .send({ olderThan: '30d', dryRun: true });
      expect(left.body).toMatchObject({ interviews: 0, todos: 0, workflows: 0 });
    }
    // organization 4's rows were deleted 10 days ago: still there
    expect(
      await t.as(4).post('/admin/purge').send({ olderThan: '5d', dryRun: true }),
    ).toMatchObject({ body: { interviews: 2, todos: 1, workflows: 1 } });
    await expect(cli('--older-than', 'soon')).rejects.toThrow(/olderThan must look like 30d/);
    await expect(cli('--older-than', '0m')).rejects.toThrow(
      /olderThan must be a positive age, such as 30d, 12h or 90m/,
    );
  }, 120_000);
});
