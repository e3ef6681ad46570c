import { createWorkflow, expectErrorShape, ISO_UTC, type ApiRow } from './fixtures';
import type { TestApp } from './test-app';

/** What differs between the routes of the linked kinds (/interviews, /todos, the fixture's /notes). */
export interface LinkedResource {
  path: string;
  table: string;
  /** One row, in messages (`Interview 7 not found`). */
  name: string;
  /** The smallest valid creation body. */
  minimal: Record<string, unknown>;
  /** Every field set, as the client sends it. */
  full: Record<string, unknown>;
  /** The answer to `minimal`, beyond id, timestamps and soft-delete fields. */
  defaults: Record<string, unknown>;
  /** The values of its `status` field, which the list filters on; absent: it has none. */
  statuses?: string[];
  /** A field set at creation that a PATCH of other fields leaves alone; `description` unless given. */
  kept?: Record<string, unknown>;
  /** Bodies that must be refused with 400, each naming the field. */
  invalid: Array<[Record<string, unknown>, string]>;
}

/**
 * The contract the routes of every linked kind share (docs/api.md): each kind's spec runs it
 * and adds what is its own.
 */
export function describeLinkedResourceRoutes(r: LinkedResource, app: () => TestApp): void {
  const t = () => app();
  const count = async (): Promise<number> =>
    Number((await t().db.query(`SELECT COUNT(*) AS n FROM ${r.table}`))[0].n);
  const create = async (body: Record<string, unknown> = {}): Promise<ApiRow> =>
    (
      await t()
        .http.post(r.path)
        .send({ ...r.minimal, ...body })
        .expect(201)
    ).body as ApiRow;

  describe(`POST ${r.path}`, () => {
    it('creates an unlinked row with the defaults', async () => {
      const res = await t().http.post(r.path).send(r.minimal).expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        ...r.defaults,
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: res.body.createdAt,
        isDeleted: false,
        deletedAt: null,
        deletedBy: null,
      });
      const [row] = await t().db.query(
        `SELECT workflow_id, is_deleted, deleted_at FROM ${r.table} WHERE id = ?`,
        [res.body.id],
      );
      expect(row).toEqual({ workflow_id: null, is_deleted: 0, deleted_at: null });
    });

    it('stores every field and links to an active workflow; a 4-byte character round-trips', async () => {
      const workflow = await createWorkflow(t().http);
      const body = { ...r.full, title: 'Review 🚀 résumé', workflowId: workflow.id };
      const res = await t().http.post(r.path).send(body).expect(201);
      expect(res.body).toMatchObject({ ...body, workflowId: workflow.id });
      expect((await t().http.get(`${r.path}/${res.body.id}`).expect(200)).body).toEqual(res.body);
      const [row] = await t().db.query(`SELECT workflow_id FROM ${r.table} WHERE id = ?`, [
        res.body.id,
      ]);
      expect(row.workflow_id).toBe(workflow.id);
    });

    it('answers 422 naming the id when workflowId names no workflow, or a deleted one, and inserts nothing', async () => {
      const deleted = await createWorkflow(t().http);
      await t().http.delete(`/workflows/${deleted.id}`).expect(200);
      for (const workflowId of [deleted.id, 2_000_000_000]) {
        const before = await count();
        const res = await t()
          .http.post(r.path)
          .send({ ...r.minimal, workflowId })
          .expect(422);
        expectErrorShape(res.body, 422);
        expect(res.body.message).toContain(String(workflowId));
        expect(await count()).toBe(before);
      }
    });

    it.each(r.invalid)(
      'answers 400 for %j naming %s, and inserts nothing',
      async (patch, field) => {
        const before = await count();
        const body = Object.fromEntries(
          Object.entries({ ...r.minimal, ...patch }).filter(([, v]) => v !== undefined),
        );
        const res = await t().http.post(r.path).send(body).expect(400);
        expectErrorShape(res.body, 400);
        expect(JSON.stringify(res.body.message)).toContain(field);
        expect(await count()).toBe(before);
      },
    );
  });

  describe(`GET ${r.path}/:id`, () => {
    it('answers 404 for a row that never existed and for a soft-deleted one', async () => {
      expectErrorShape((await t().http.get(`${r.path}/1999999999`).expect(404)).body, 404);
      const row = await create();
      await t().http.delete(`${r.path}/${row.id}`).expect(200);
      const res = await t().http.get(`${r.path}/${row.id}`).expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: `${r.name} ${row.id} not found`,
      });
    });

    it.each(['abc', '0', '-5', '2.5', '1e2', '2147483648'])(
      'answers 400 for the id %s',
      async (id) => {
        expectErrorShape((await t().http.get(`${r.path}/${id}`).expect(400)).body, 400);
      },
    );
  });

  describe(`GET ${r.path}`, () => {
    it(`pages through the active rows of a workflow in id order, without duplicates or gaps, filtered by workflowId${r.statuses ? ' and status' : ''}`, async () => {
      const workflow = await createWorkflow(t().http);
      const other = await createWorkflow(t().http);
      const ids: number[] = [];
      const status = (i: number) => (r.statuses ? { status: r.statuses[i % 2] } : {});
      for (let i = 0; i < 7; i++)
        ids.push((await create({ workflowId: workflow.id, ...status(i) })).id);
      await create({ workflowId: other.id });
      await t().http.delete(`${r.path}/${ids[2]}`).expect(200);

      const seen: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = await t()
          .http.get(r.path)
          .query({ workflowId: workflow.id, limit: 2, ...(cursor ? { cursor } : {}) })
          .expect(200);
        seen.push(...res.body.items.map((row: ApiRow) => row.id));
        cursor = res.body.nextCursor ?? undefined;
        if (!cursor) break;
      }
      expect(seen).toEqual(ids.filter((id) => id !== ids[2]));

      if (!r.statuses) return;
      const byStatus = await t()
        .http.get(r.path)
        .query({ workflowId: workflow.id, status: r.statuses[1] })
        .expect(200);
      expect(byStatus.body.items.map((row: ApiRow) => row.id)).toEqual([ids[1], ids[3], ids[5]]);
      expect(byStatus.body.nextCursor).toBeNull();
    });

    it.each([
      { workflowId: 'x' },
      { workflowId: 0 },
      { status: 'nope' },
      { limit: 500 },
      { cursor: 'bad!' },
      { other: 1 },
    ])('answers 400 for %j', async (query) => {
      expectErrorShape((await t().http.get(r.path).query(query).expect(400)).body, 400);
    });
  });

  describe(`PATCH ${r.path}/:id`, () => {
    it('changes only the fields sent', async () => {
      const row = await create(r.kept ?? { description: 'keep' });
      const changes = { title: 'Renamed', ...(r.statuses ? { status: r.statuses[1] } : {}) };
      const res = await t().http.patch(`${r.path}/${row.id}`).send(changes).expect(200);
      expect(res.body).toEqual({
        ...row,
        ...changes,
        updatedAt: expect.stringMatching(ISO_UTC),
      });
      expect((await t().http.get(`${r.path}/${row.id}`).expect(200)).body).toEqual(res.body);
    });

    it('unlinks with workflowId null and relinks to another active workflow', async () => {
      const first = await createWorkflow(t().http);
      const second = await createWorkflow(t().http);
      const row = await create({ workflowId: first.id });
      const unlinked = await t()
        .http.patch(`${r.path}/${row.id}`)
        .send({ workflowId: null })
        .expect(200);
      expect(unlinked.body.workflowId).toBeNull();
      const relinked = await t()
        .http.patch(`${r.path}/${row.id}`)
        .send({ workflowId: second.id })
        .expect(200);
      expect(relinked.body.workflowId).toBe(second.id);
      const [stored] = await t().db.query(`SELECT workflow_id FROM ${r.table} WHERE id = ?`, [
        row.id,
      ]);
      expect(stored.workflow_id).toBe(second.id);
    });

    it('answers 422 when relinking to a deleted or missing workflow, and changes nothing', async () => {
      const workflow = await createWorkflow(t().http);
      const deleted = await createWorkflow(t().http);
      await t().http.delete(`/workflows/${deleted.id}`).expect(200);
      const row = await create({ workflowId: workflow.id });
      for (const workflowId of [deleted.id, 1_999_999_999]) {
        expectErrorShape(
          (await t().http.patch(`${r.path}/${row.id}`).send({ workflowId }).expect(422)).body,
          422,
        );
      }
      expect((await t().http.get(`${r.path}/${row.id}`).expect(200)).body).toEqual(row);
    });

    it.each([{ title: null }, { title: '' }, { status: 'nope' }, { isDeleted: false }, { id: 5 }])(
      'answers 400 for %j and changes nothing',
      async (body) => {
        const row = await create();
        expectErrorShape(
          (await t().http.patch(`${r.path}/${row.id}`).send(body).expect(400)).body,
          400,
        );
        expect((await t().http.get(`${r.path}/${row.id}`).expect(200)).body).toEqual(row);
      },
    );

    it('answers 404 for a soft-deleted row', async () => {
      const row = await create();
      await t().http.delete(`${r.path}/${row.id}`).expect(200);
      expectErrorShape(
        (await t().http.patch(`${r.path}/${row.id}`).send({ title: 'x' }).expect(404)).body,
        404,
      );
    });
  });

  describe(`DELETE ${r.path}/:id`, () => {
    it('soft-deletes this row alone, setting both columns, and leaves its workflow and siblings alone', async () => {
      const workflow = await createWorkflow(t().http);
      const row = await create({ workflowId: workflow.id });
      const sibling = await create({ workflowId: workflow.id });
      const res = await t().http.delete(`${r.path}/${row.id}`).expect(200);
      expect(res.body).toEqual({
        ...row,
        updatedAt: res.body.deletedAt,
        isDeleted: true,
        deletedBy: 1,
        deletedAt: expect.stringMatching(ISO_UTC),
        deletionId: expect.any(Number),
      });
      const [stored] = await t().db.query(
        `SELECT is_deleted, deleted_at FROM ${r.table} WHERE id = ?`,
        [row.id],
      );
      expect(stored.is_deleted).toBe(1);
      expect(stored.deleted_at).not.toBeNull();
      expect((await t().http.get(`${r.path}/${sibling.id}`).expect(200)).body).toEqual(sibling);
      await t().http.get(`/workflows/${workflow.id}`).expect(200);
      expectErrorShape((await t().http.delete(`${r.path}/${row.id}`).expect(404)).body, 404);
    });
  });
}
