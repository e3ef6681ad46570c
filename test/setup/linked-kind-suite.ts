import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import { tokenFor } from './auth';
import { createWorkflow, expectErrorShape, ISO_UTC, type ApiRow } from './fixtures';
import { rejectUpdatesOf } from './reject-updates';
import type { TestApp } from './test-app';

/** A kind of row linked to workflows, as a client and the database see it. */
export interface LinkedKindUnderTest {
  /** Its route (`/<name>`), its `include=` value and its key in every count. */
  name: string;
  table: string;
  /** One row, in messages (`Note 7 not found`). */
  label: string;
  /** The name of its row schema in the OpenAPI document. */
  schema: string;
  /** One row in the outbox's event types (`note` -> `note.created`). */
  event: string;
  /** The smallest valid creation body. */
  minimal: Record<string, unknown>;
}

/** A row as its table holds it: the link and the soft-delete columns. */
interface StoredRow {
  id: number;
  workflow_id: number | null;
  is_deleted: number;
  deleted_at: string | null;
  deleted_by: number | null;
}

const DAY_MS = 86_400_000;

/** A database timestamp (`2025-10-02 09:30:00.123[000]`) as the API writes it. */
const isoOf = (stamp: string | null): string =>
  new Date(`${String(stamp).replace(' ', 'T')}Z`).toISOString();

/** A timestamp `daysAgo` days ago, as the database holds it. */
const daysAgo = (days: number): string =>
  new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 23).replace('T', ' ');

/**
 * What every linked kind does with its workflow, checked against the running application: the
 * cascade of a workflow's delete and its rollback, the restore, `include=`, the orphan report and
 * repair, retention purge, and the kind's counts in answers and in /docs-json. `kinds` are all the
 * kinds the application serves (`kind` among them): each count has one key per kind, and a
 * workflow under test also holds one row of every other kind, so that a failing kind is seen to
 * roll back the others.
 */
export function describeLinkedKind(
  kind: LinkedKindUnderTest,
  app: () => TestApp,
  kinds: readonly LinkedKindUnderTest[],
): void {
  const { name, table } = kind;
  const t = () => app();
  const others = kinds.filter((other) => other.name !== name);
  /** A count per kind: `n` for this one, `rest` for the others. */
  const counts = (n: number, rest = 0): Record<string, number> =>
    Object.fromEntries(kinds.map((k) => [k.name, k.name === name ? n : rest]));
  const as = (role: 'editor' | 'admin', sub: number) => ({
    authorization: `Bearer ${tokenFor(role, sub)}`,
  });

  const create = async (
    of: LinkedKindUnderTest,
    body: Record<string, unknown> = {},
  ): Promise<ApiRow> =>
    (
      await t()
        .http.post(`/${of.name}`)
        .send({ ...of.minimal, ...body })
        .expect(201)
    ).body as ApiRow;
  const outboxSize = async (): Promise<number> =>
    Number((await t().db.query('SELECT COUNT(*) AS n FROM outbox_events'))[0].n);
  const select = async (from: string, ids: number[], link: string): Promise<StoredRow[]> =>
    (
      await t().db.query(
        `SELECT id, ${link} AS workflow_id, is_deleted, deleted_at, deleted_by FROM ${from}
          WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
        ids,
      )
    ).map((row: StoredRow) => ({ ...row, is_deleted: Number(row.is_deleted) }));
  const rows = (of: string, ids: number[]) => select(of, ids, 'workflow_id');
  const workflowRow = async (id: number) =>
    (await select('recruitment_processes', [id], 'NULL'))[0];

  /**
   * A workflow with three active rows of this kind and one it deleted on its own (by user 1),
   * and one active row of every other kind.
   */
  async function workflowWithRows() {
    const workflow = await createWorkflow(t().http);
    const active: number[] = [];
    for (let i = 0; i < 3; i++) active.push((await create(kind, { workflowId: workflow.id })).id);
    const own = (await create(kind, { workflowId: workflow.id })).id;
    await t().http.delete(`/${name}/${own}`).expect(200);
    const linked: Array<[table: string, id: number]> = [];
    for (const other of others) {
      linked.push([other.table, (await create(other, { workflowId: workflow.id })).id]);
    }
    return { workflow, active, own, linked };
  }

  /** Every row of a workflowWithRows, and the workflow, as stored. */
  async function snapshot(family: Awaited<ReturnType<typeof workflowWithRows>>) {
    return {
      workflow: await workflowRow(family.workflow.id),
      rows: await rows(table, [...family.active, family.own]),
      linked: await Promise.all(family.linked.map(([of, id]) => rows(of, [id]))),
    };
  }

  describe(`linked kind ${name}`, () => {
    describe('DELETE /workflows/:id', () => {
      it(`soft-deletes the active ${name} of the workflow with its deletedAt and deletedBy, counts them in cascaded.${name}; rows deleted before keep theirs; other rows untouched`, async () => {
        const family = await workflowWithRows();
        const [ownBefore] = await rows(table, [family.own]);
        const other = await workflowWithRows();
        const lone = await create(kind);
        const untouched = async () => ({
          other: await snapshot(other),
          lone: await rows(table, [lone.id]),
        });
        const before = await untouched();
        // a later instant than the row deleted on its own
        await new Promise((resolve) => setTimeout(resolve, 5));

        const res = await request(t().app.getHttpServer())
          .delete(`/workflows/${family.workflow.id}`)
          .set(as('editor', 42))
          .expect(200);

        expect(res.body).toEqual({
          ...family.workflow,
          updatedAt: res.body.deletedAt,
          isDeleted: true,
          deletedAt: expect.stringMatching(ISO_UTC),
          deletedBy: 42,
          cascaded: counts(3, 1),
          deletionId: expect.any(Number),
        });
        const workflow = await workflowRow(family.workflow.id);
        expect(isoOf(workflow.deleted_at)).toBe(res.body.deletedAt);
        expect(await rows(table, family.active)).toEqual(
          family.active.map((id) => ({
            id,
            workflow_id: family.workflow.id,
            is_deleted: 1,
            deleted_at: workflow.deleted_at,
            deleted_by: 42,
          })),
        );
        expect(await rows(table, [family.own])).toEqual([ownBefore]);
        expect(ownBefore).toMatchObject({ is_deleted: 1, deleted_by: 1 });
        expect(ownBefore.deleted_at).not.toEqual(workflow.deleted_at);
        for (const id of [...family.active, family.own]) {
          const gone = await t().http.get(`/${name}/${id}`).expect(404);
          expect(gone.body.message).toBe(`${kind.label} ${id} not found`);
        }
        expect(await untouched()).toEqual(before);
        await t().http.get(`/${name}/${lone.id}`).expect(200);
      });

      it(`counts 0 in cascaded.${name} when the workflow's ${name} were all deleted before`, async () => {
        const workflow = await createWorkflow(t().http);
        const row = await create(kind, { workflowId: workflow.id });
        await t().http.delete(`/${name}/${row.id}`).expect(200);
        const res = await t().http.delete(`/workflows/${workflow.id}`).expect(200);
        expect(res.body.cascaded).toEqual(counts(0));
      });
    });

    describe(`when the database rejects every UPDATE of ${table}`, () => {
      let allowUpdates: (() => Promise<void>) | undefined;

      afterEach(async () => {
        await allowUpdates?.();
        allowUpdates = undefined;
      });

      it('DELETE /workflows/:id answers 500 and changes nothing: the workflow and its rows of every kind stay active', async () => {
        const family = await workflowWithRows();
        const before = await snapshot(family);
        allowUpdates = await rejectUpdatesOf(t().db, t().database.kind, table);

        const events = await outboxSize();
        const res = await t().http.delete(`/workflows/${family.workflow.id}`).expect(500);

        expectErrorShape(res.body, 500);
        expect(await snapshot(family)).toEqual(before);
        // the rolled-back transaction wrote no event
        expect(await outboxSize()).toBe(events);
        expect(before.workflow.is_deleted).toBe(0);
        const read = await t()
          .http.get(`/workflows/${family.workflow.id}`)
          .query({ include: kinds.map((k) => k.name).join(',') })
          .expect(200);
        expect(read.body[name].map((row: ApiRow) => row.id)).toEqual(family.active);
        for (const other of others) expect(read.body[other.name]).toHaveLength(1);
      });

      it('POST /workflows/:id/restore answers 500 and changes nothing: the workflow and its rows stay deleted', async () => {
        const family = await workflowWithRows();
        await t().http.delete(`/workflows/${family.workflow.id}`).expect(200);
        const before = await snapshot(family);
        allowUpdates = await rejectUpdatesOf(t().db, t().database.kind, table);

        const events = await outboxSize();
        const res = await t().http.post(`/workflows/${family.workflow.id}/restore`).expect(500);

        expectErrorShape(res.body, 500);
        expect(await snapshot(family)).toEqual(before);
        expect(await outboxSize()).toBe(events);
        await t().http.get(`/workflows/${family.workflow.id}`).expect(404);
        await t().http.get(`/${name}/${family.active[0]}`).expect(404);
      });
    });

    it(`POST, PATCH and DELETE /${name} write ${kind.event}.created, .updated, .deleted and deletion.created to the outbox, in their transactions, with the answers as data and the caller as actor`, async () => {
      const [{ last }] = await t().db.query('SELECT MAX(id) AS last FROM outbox_events');
      const created = (
        await t().http.post(`/${name}`).set(as('editor', 42)).send(kind.minimal).expect(201)
      ).body as ApiRow;
      const updated = (
        await t()
          .http.patch(`/${name}/${created.id}`)
          .set(as('editor', 43))
          .send({ title: 'renamed' })
          .expect(200)
      ).body as ApiRow;
      const deleted = (
        await t().http.delete(`/${name}/${created.id}`).set(as('editor', 44)).expect(200)
      ).body as ApiRow;

      const events = await t().db.query(
        'SELECT organization_id, type, actor_id, data FROM outbox_events WHERE id > ? ORDER BY id',
        [last ?? 0],
      );
      expect(
        events.map(
          (e: { organization_id: number; type: string; actor_id: number; data: string }) => [
            Number(e.organization_id),
            e.type,
            Number(e.actor_id),
            JSON.parse(e.data),
          ],
        ),
      ).toEqual([
        [1, `${kind.event}.created`, 42, created],
        [1, `${kind.event}.updated`, 43, updated],
        [1, `${kind.event}.deleted`, 44, deleted],
        [
          1,
          'deletion.created',
          44,
          expect.objectContaining({ id: deleted.deletionId, resource: name, ids: [created.id] }),
        ],
      ]);
    });

    it(`POST /workflows/:id/restore brings back exactly the ${name} its delete soft-deleted, counted in restored.${name}, even beside a row deleted on its own at the same instant`, async () => {
      const family = await workflowWithRows();
      await t().http.delete(`/workflows/${family.workflow.id}`).expect(200);
      // the very same deletedAt as the cascade: timestamps cannot tell the two apart
      await t().db.query(
        `UPDATE ${table} SET deleted_at = (SELECT deleted_at FROM recruitment_processes WHERE id = ?) WHERE id = ?`,
        [family.workflow.id, family.own],
      );
      const [ownBefore] = await rows(table, [family.own]);

      const res = await t().http.post(`/workflows/${family.workflow.id}/restore`).expect(200);

      expect(res.body).toEqual({
        ...family.workflow,
        updatedAt: expect.stringMatching(ISO_UTC),
        isDeleted: false,
        deletedAt: null,
        deletedBy: null,
        restored: counts(3, 1),
      });
      expect(await rows(table, family.active)).toEqual(
        family.active.map((id) => ({
          id,
          workflow_id: family.workflow.id,
          is_deleted: 0,
          deleted_at: null,
          deleted_by: null,
        })),
      );
      expect(await rows(table, [family.own])).toEqual([ownBefore]);
      await t().http.get(`/${name}/${family.own}`).expect(404);
      const read = await t()
        .http.get(`/workflows/${family.workflow.id}`)
        .query({ include: name })
        .expect(200);
      expect(read.body[name].map((row: ApiRow) => row.id)).toEqual(family.active);
    });

    describe(`deletions of ${name}`, () => {
      it(`DELETE /${name}/:id?reason= makes one deletion of its own; POST /deletions/:id/restore brings back exactly that row; restoring again answers 409`, async () => {
        const workflow = await createWorkflow(t().http);
        const row = await create(kind, { workflowId: workflow.id });
        const sibling = await create(kind, { workflowId: workflow.id });

        const res = await request(t().app.getHttpServer())
          .delete(`/${name}/${row.id}`)
          .query({ reason: 'entered twice' })
          .set(as('editor', 42))
          .expect(200);
        expect(res.body).toMatchObject({ id: row.id, isDeleted: true, deletedBy: 42 });
        const record = await t().http.get(`/deletions/${res.body.deletionId}`).expect(200);
        expect(record.body).toEqual({
          id: res.body.deletionId,
          resource: name,
          ids: [row.id],
          reason: 'entered twice',
          deletedAt: res.body.deletedAt,
          deletedBy: 42,
          counts: { workflows: 0, ...counts(1) },
          restoredAt: null,
          restoredBy: null,
          purgedAt: null,
        });
        const held = await t()
          .http.get(`/deletions/${res.body.deletionId}/rows`)
          .query({ resource: name })
          .expect(200);
        expect(held.body).toEqual({
          items: [
            {
              ...row,
              updatedAt: res.body.deletedAt,
              isDeleted: true,
              deletedAt: res.body.deletedAt,
              deletedBy: 42,
            },
          ],
          nextCursor: null,
        });

        const restored = await request(t().app.getHttpServer())
          .post(`/deletions/${res.body.deletionId}/restore`)
          .set(as('admin', 9))
          .expect(200);
        expect(restored.body).toEqual({
          ...record.body,
          restoredAt: expect.stringMatching(ISO_UTC),
          restoredBy: 9,
          restored: { workflows: 0, ...counts(1) },
          missing: { workflows: 0, ...counts(0) },
        });
        const back = (await t().http.get(`/${name}/${row.id}`).expect(200)).body;
        expect(back).toEqual({ ...row, updatedAt: expect.stringMatching(ISO_UTC) });
        expect((await t().http.get(`/${name}/${sibling.id}`).expect(200)).body).toEqual(sibling);
        expect(
          (
            await t()
              .http.get(`/deletions/${res.body.deletionId}/rows`)
              .query({ resource: name })
              .expect(200)
          ).body,
        ).toEqual({ items: [], nextCursor: null });

        const again = await t().http.post(`/deletions/${res.body.deletionId}/restore`).expect(409);
        expectErrorShape(again.body, 409);
        expect(again.body.message).toContain('restored already');
      });

      it(`refuses (409, nothing changes) to restore a deletion of ${name} whose workflow is deleted, naming the workflow's deletion; restoring that first lets it through`, async () => {
        const workflow = await createWorkflow(t().http);
        const row = await create(kind, { workflowId: workflow.id });
        const own = (await t().http.delete(`/${name}/${row.id}`).expect(200)).body.deletionId;
        const cascade = (await t().http.delete(`/workflows/${workflow.id}`).expect(200)).body
          .deletionId;
        const before = await rows(table, [row.id]);

        const refused = await t().http.post(`/deletions/${own}/restore`).expect(409);
        expectErrorShape(refused.body, 409);
        expect(refused.body.message).toContain(`restore deletion ${cascade} first`);
        expect(await rows(table, [row.id])).toEqual(before);
        expect((await t().http.get(`/deletions/${own}`).expect(200)).body.restoredAt).toBeNull();

        const first = await t().http.post(`/deletions/${cascade}/restore`).expect(200);
        // the row was deleted on its own before: not the cascade's
        expect(first.body.restored).toEqual({ workflows: 1, ...counts(0) });
        await t().http.post(`/deletions/${own}/restore`).expect(200);
        await t().http.get(`/${name}/${row.id}`).expect(200);
      });

      it(`POST /deletions of ${name}: one deletion of several rows (dryRun changes nothing), 404 naming every missing or deleted id and nothing changes`, async () => {
        const a = await create(kind);
        const b = await create(kind);
        const gone = await create(kind);
        await t().http.delete(`/${name}/${gone.id}`).expect(200);

        const missing = await t()
          .http.post('/deletions')
          .send({ resource: name, ids: [b.id, 987654, a.id, gone.id] })
          .expect(404);
        expectErrorShape(missing.body, 404);
        expect(missing.body.message).toContain(`${gone.id}, 987654`);
        await t().http.get(`/${name}/${a.id}`).expect(200);

        const dry = await t()
          .http.post('/deletions')
          .send({ resource: name, ids: [b.id, a.id], dryRun: true })
          .expect(200);
        expect(dry.body).toEqual({
          dryRun: true,
          resource: name,
          ids: [a.id, b.id],
          counts: { workflows: 0, ...counts(2) },
        });
        await t().http.get(`/${name}/${b.id}`).expect(200);

        const made = await request(t().app.getHttpServer())
          .post('/deletions')
          .set(as('editor', 5))
          .send({ resource: name, ids: [b.id, a.id], reason: 'cleanup' })
          .expect(201);
        expect(made.body).toMatchObject({
          resource: name,
          ids: [a.id, b.id],
          reason: 'cleanup',
          deletedBy: 5,
          counts: { workflows: 0, ...counts(2) },
        });
        for (const row of [a, b]) await t().http.get(`/${name}/${row.id}`).expect(404);
        const page = await t()
          .http.get(`/deletions/${made.body.id}/rows`)
          .query({ resource: name, limit: 1 })
          .expect(200);
        expect(page.body.items.map((item: ApiRow) => item.id)).toEqual([a.id]);
        const next = await t()
          .http.get(`/deletions/${made.body.id}/rows`)
          .query({ resource: name, limit: 1, cursor: page.body.nextCursor })
          .expect(200);
        expect(next.body).toEqual({
          items: [expect.objectContaining({ id: b.id, isDeleted: true })],
          nextCursor: null,
        });
      });

      it(`DELETE /workflows/:id?dryRun=true counts the ${name} it would take and changes nothing; the deletion of the workflow lists them; purging it hard-deletes them and keeps the record`, async () => {
        const family = await workflowWithRows();
        const before = await snapshot(family);

        const dry = await t()
          .http.delete(`/workflows/${family.workflow.id}`)
          .query({ dryRun: true })
          .expect(200);
        expect(dry.body).toEqual({ ...family.workflow, dryRun: true, cascaded: counts(3, 1) });
        expect(await snapshot(family)).toEqual(before);

        const deleted = await t()
          .http.delete(`/workflows/${family.workflow.id}`)
          .query({ reason: 'closed' })
          .expect(200);
        const id = deleted.body.deletionId;
        const record = (await t().http.get(`/deletions/${id}`).expect(200)).body;
        expect(record).toMatchObject({
          resource: 'workflows',
          ids: [family.workflow.id],
          reason: 'closed',
          counts: { workflows: 1, ...counts(3, 1) },
        });
        const held = await t()
          .http.get(`/deletions/${id}/rows`)
          .query({ resource: name })
          .expect(200);
        expect(held.body.items.map((item: ApiRow) => item.id)).toEqual(family.active);

        const purged = await t().http.post(`/deletions/${id}/purge`).expect(200);
        expect(purged.body).toEqual({
          ...record,
          purgedAt: expect.stringMatching(ISO_UTC),
          purged: { workflows: 1, ...counts(3, 1) },
        });
        expect(await rows(table, family.active)).toEqual([]);
        expect(await workflowRow(family.workflow.id)).toBeUndefined();
        // the row deleted on its own before is another deletion's: untouched
        expect(await rows(table, [family.own])).toHaveLength(1);
        const refused = await t().http.post(`/deletions/${id}/restore`).expect(409);
        expect(refused.body.message).toContain('purged');
        expect((await t().http.get(`/deletions/${id}`).expect(200)).body.purgedAt).toBe(
          purged.body.purgedAt,
        );
      });
    });

    it(`GET /workflows/:id?include=${name} embeds its active ${name} in id order; an unknown kind answers 400`, async () => {
      const workflow = await createWorkflow(t().http);
      const other = await createWorkflow(t().http);
      const created: ApiRow[] = [];
      for (let i = 0; i < 4; i++) created.push(await create(kind, { workflowId: workflow.id }));
      await t().http.delete(`/${name}/${created[1].id}`).expect(200);
      await create(kind, { workflowId: other.id });
      for (const k of others) await create(k, { workflowId: workflow.id });

      const res = await t().http.get(`/workflows/${workflow.id}?include=${name}`).expect(200);

      // only the kinds named, each row as its own route answers it
      expect(res.body).toEqual({
        ...workflow,
        [name]: [created[0], created[2], created[3]],
        included: { [name]: { total: 3, next: null } },
      });
      expect((await t().http.get(`/${name}/${created[2].id}`).expect(200)).body).toEqual(
        created[2],
      );
      expect((await t().http.get(`/workflows/${workflow.id}`).expect(200)).body).toEqual(workflow);
      const empty = await createWorkflow(t().http);
      const none = (await t().http.get(`/workflows/${empty.id}?include=${name}`).expect(200)).body;
      expect(none[name]).toEqual([]);
      expect(none.included).toEqual({ [name]: { total: 0, next: null } });

      const unknown = await t()
        .http.get(`/workflows/${workflow.id}?include=${name},nope`)
        .expect(400);
      expectErrorShape(unknown.body, 400);
      for (const k of kinds) expect(JSON.stringify(unknown.body.message)).toContain(k.name);
    });

    it(`GET /admin/orphans reports the active ${name} of deleted or missing workflows under ${name}; POST /admin/orphans/repair repairs them, restorably`, async () => {
      const none = { deletedWorkflow: 0, missingWorkflow: 0, items: [], next: null };
      const nothingRepaired = { softDeleted: 0, unlinked: 0 };
      // what other tests may have left, so that every other kind reports nothing below
      await t().http.post('/admin/orphans/repair').expect(200);
      // a workflow deleted through the API leaves no orphan
      const deleted = await createWorkflow(t().http);
      await create(kind, { workflowId: deleted.id });
      await t().http.delete(`/workflows/${deleted.id}`).expect(200);
      const healthy = await createWorkflow(t().http);
      const healthyRow = await create(kind, { workflowId: healthy.id });
      const stale = await createWorkflow(t().http);
      const staleRow = await create(kind, { workflowId: stale.id });
      const ownDeleted = await create(kind, { workflowId: stale.id });
      await t().http.delete(`/${name}/${ownDeleted.id}`).expect(200);
      const [ownBefore] = await rows(table, [ownDeleted.id]);
      // a soft delete written by hand, without its cascade
      await t().db.query(
        "UPDATE recruitment_processes SET is_deleted = 1, deleted_at = '2025-10-02 09:30:00.000', deleted_by = 7 WHERE id = ?",
        [stale.id],
      );
      // a link to a workflow that does not exist, as only bypassed foreign keys allow
      const dangling = await create(kind);
      await withoutForeignKeyChecks(t(), `UPDATE ${table} SET workflow_id = ? WHERE id = ?`, [
        987654,
        dangling.id,
      ]);

      const report = await t().http.get('/admin/orphans').expect(200);
      expect(report.body).toEqual({
        ...Object.fromEntries(others.map((k) => [k.name, none])),
        [name]: {
          deletedWorkflow: 1,
          missingWorkflow: 1,
          items: [
            { id: staleRow.id, workflowId: stale.id, reason: 'deleted_workflow' },
            { id: dangling.id, workflowId: 987654, reason: 'missing_workflow' },
          ],
          next: null,
        },
      });
      // paged: ?kind= alone, `limit` rows, `next` to the rest
      const first = await t()
        .http.get('/admin/orphans')
        .query({ kind: name, limit: 1 })
        .expect(200);
      expect(first.body).toEqual({
        [name]: {
          deletedWorkflow: 1,
          missingWorkflow: 1,
          items: [{ id: staleRow.id, workflowId: stale.id, reason: 'deleted_workflow' }],
          next: expect.stringMatching(new RegExp(`^/admin/orphans\\?kind=${name}&limit=1&cursor=`)),
        },
      });
      const second = await t().http.get(first.body[name].next).expect(200);
      expect(second.body[name]).toMatchObject({
        items: [{ id: dangling.id, workflowId: 987654, reason: 'missing_workflow' }],
        next: null,
      });
      const cursor = new URL(first.body[name].next, 'http://x').searchParams.get('cursor')!;
      for (const query of [
        { cursor },
        { kind: 'nope' },
        ...others.map((k) => ({ kind: k.name, cursor })),
      ]) {
        const refused = await t().http.get('/admin/orphans').query(query).expect(400);
        expect(refused.body.message).toEqual([expect.any(String)]);
      }

      const repair = await request(t().app.getHttpServer())
        .post('/admin/orphans/repair')
        .set(as('admin', 9))
        .expect(200);
      expect(repair.body).toEqual({
        ...Object.fromEntries(others.map((k) => [k.name, nothingRepaired])),
        [name]: { softDeleted: 1, unlinked: 1 },
      });

      expect((await t().http.get('/admin/orphans').expect(200)).body).toEqual(
        Object.fromEntries(kinds.map((k) => [k.name, none])),
      );
      const [repaired] = await rows(table, [staleRow.id]);
      // deleted as the cascade would have: with the workflow's deletedAt, by the repairer
      expect(repaired).toMatchObject({ workflow_id: stale.id, is_deleted: 1, deleted_by: 9 });
      expect(String(repaired.deleted_at)).toMatch(/^2025-10-02 09:30:00/);
      const unlinked = await t().http.get(`/${name}/${dangling.id}`).expect(200);
      expect(unlinked.body).toEqual({
        ...dangling,
        workflowId: null,
        updatedAt: expect.stringMatching(ISO_UTC),
      });
      expect((await t().http.get(`/${name}/${healthyRow.id}`).expect(200)).body).toEqual(
        healthyRow,
      );
      expect(await rows(table, [ownDeleted.id])).toEqual([ownBefore]);

      // a second repair finds nothing to do
      expect((await t().http.post('/admin/orphans/repair').expect(200)).body).toEqual(
        Object.fromEntries(kinds.map((k) => [k.name, nothingRepaired])),
      );
      // the workflow deleted by hand got a deletion, which holds what the repair deleted
      const trash = await t().http.get('/deletions').query({ resource: 'workflows' }).expect(200);
      expect(trash.body.items.find((d: { ids: number[] }) => d.ids[0] === stale.id)).toMatchObject({
        reason: 'recorded by the orphan repair',
        deletedBy: 7,
        counts: { workflows: 1, ...counts(1) },
      });
      // restoring the workflow brings back what the repair deleted, and only that
      const restored = await t().http.post(`/workflows/${stale.id}/restore`).expect(200);
      expect(restored.body.restored).toEqual(counts(1));
      await t().http.get(`/${name}/${staleRow.id}`).expect(200);
      await t().http.get(`/${name}/${ownDeleted.id}`).expect(404);
    });

    it(`POST /admin/purge counts (dryRun) and hard-deletes the ${name} soft-deleted longer ago than olderThan, under ${name}`, async () => {
      // what other tests may have left, so that the counts below are this test's alone
      await t().http.post('/admin/purge').send({ olderThan: '30d' }).expect(200);
      const tables = ['recruitment_processes', ...kinds.map((k) => k.table)];
      const sizes = async () =>
        Object.fromEntries(
          await Promise.all(
            tables.map(async (of) => [
              of,
              Number((await t().db.query(`SELECT COUNT(*) AS n FROM ${of}`))[0].n),
            ]),
          ),
        );
      /** A deleted workflow with `n` rows of this kind, all deleted `days` days ago. */
      async function deletedWorkflow(n: number, days: number) {
        const workflow = await createWorkflow(t().http);
        const ids: number[] = [];
        for (let i = 0; i < n; i++) ids.push((await create(kind, { workflowId: workflow.id })).id);
        const { deletionId } = (await t().http.delete(`/workflows/${workflow.id}`).expect(200))
          .body;
        await t().db.query('UPDATE recruitment_processes SET deleted_at = ? WHERE id = ?', [
          daysAgo(days),
          workflow.id,
        ]);
        await t().db.query(`UPDATE ${table} SET deleted_at = ? WHERE workflow_id = ?`, [
          daysAgo(days),
          workflow.id,
        ]);
        return { workflow, ids, deletionId: deletionId as number };
      }
      const old = await deletedWorkflow(2, 40);
      const recent = await deletedWorkflow(1, 5);
      const active = await createWorkflow(t().http);
      const kept = await create(kind, { workflowId: active.id });
      const oldOwn = await create(kind, { workflowId: active.id });
      const oldOwnDeletion = (await t().http.delete(`/${name}/${oldOwn.id}`).expect(200)).body
        .deletionId;
      await t().db.query(`UPDATE ${table} SET deleted_at = ? WHERE id = ?`, [
        daysAgo(31),
        oldOwn.id,
      ]);
      const before = await sizes();
      const expected = {
        deletedBefore: expect.stringMatching(ISO_UTC),
        ...counts(3),
        workflows: 1,
        idempotencyKeys: 0,
        webhookDeliveries: 0,
        events: 0,
      };

      const dry = await t()
        .http.post('/admin/purge')
        .send({ olderThan: '30d', dryRun: true })
        .expect(200);
      expect(dry.body).toEqual({ dryRun: true, ...expected });
      expect(
        Math.abs(Date.parse(dry.body.deletedBefore) - (Date.now() - 30 * DAY_MS)),
      ).toBeLessThan(60_000);
      expect(await sizes()).toEqual(before);

      const real = await t().http.post('/admin/purge').send({ olderThan: '30d' }).expect(200);
      expect(real.body).toEqual({ dryRun: false, ...expected });
      expect(await sizes()).toEqual({
        ...before,
        recruitment_processes: before.recruitment_processes - 1,
        [table]: before[table] - 3,
      });
      expect(await rows(table, [...old.ids, oldOwn.id])).toEqual([]);
      expect(await workflowRow(old.workflow.id)).toBeUndefined();
      expect(await rows(table, recent.ids)).toHaveLength(1);
      expect(await workflowRow(recent.workflow.id)).toMatchObject({ is_deleted: 1 });
      // the deletions it emptied keep their record, purged; the recent one is untouched
      const purgedAt = async (id: number) =>
        (await t().http.get(`/deletions/${id}`).expect(200)).body.purgedAt;
      expect(await purgedAt(old.deletionId)).toEqual(expect.stringMatching(ISO_UTC));
      expect(await purgedAt(oldOwnDeletion)).toEqual(expect.stringMatching(ISO_UTC));
      expect(await purgedAt(recent.deletionId)).toBeNull();
      expect(
        (await t().http.post(`/deletions/${old.deletionId}/restore`).expect(409)).body.message,
      ).toContain('purged');
      await t().http.get(`/${name}/${kept.id}`).expect(200);
      await t().http.get(`/workflows/${active.id}?include=${name}`).expect(200);
      const again = await t().http.post('/admin/purge').send({ olderThan: '30d' }).expect(200);
      expect(again.body).toEqual({ dryRun: false, ...expected, ...counts(0), workflows: 0 });
    });

    it(`/docs-json gives ${name} its property in every per-kind schema, its include value, its tag and its routes`, async () => {
      const doc = (await t().http.get('/docs-json').expect(200)).body as OpenAPIV3.Document;
      const schema = (of: string) => doc.components?.schemas?.[of] as OpenAPIV3.SchemaObject;
      const property = (of: string) => schema(of).properties?.[name];
      const names = kinds.map((k) => k.name).sort();
      const perKind = (of: string) =>
        Object.keys(schema(of).properties ?? {})
          .filter((key) => names.includes(key))
          .sort();

      expect(property('LinkedRowCountsDto')).toMatchObject({ type: 'integer', minimum: 0 });
      expect(property('WorkflowWithLinksDto')).toMatchObject({
        type: 'array',
        items: { $ref: `#/components/schemas/${kind.schema}` },
      });
      expect(property('OrphansReportDto')).toEqual({
        $ref: '#/components/schemas/OrphanListDto',
      });
      expect(property('OrphanRepairDto')).toEqual({
        $ref: '#/components/schemas/OrphanRepairCountsDto',
      });
      expect(property('PurgeReportDto')).toMatchObject({ type: 'integer', minimum: 0 });
      // (OrphansReportDto has every kind's property too, optional: `?kind=` answers one)
      for (const of of ['LinkedRowCountsDto', 'OrphanRepairDto']) {
        expect([of, schema(of).required]).toEqual([of, expect.arrayContaining([name])]);
      }
      for (const of of [
        'LinkedRowCountsDto',
        'WorkflowWithLinksDto',
        'OrphansReportDto',
        'OrphanRepairDto',
        'PurgeReportDto',
      ]) {
        expect([of, perKind(of)]).toEqual([of, names]);
      }
      expect(schema(kind.schema).properties).toHaveProperty('workflowId');
      expect(doc.tags).toContainEqual({ name, description: expect.any(String) });

      const include = doc.paths['/workflows/{id}']?.get?.parameters?.find(
        (parameter) => 'name' in parameter && parameter.name === 'include',
      ) as OpenAPIV3.ParameterObject;
      expect(include.description).toContain(`\`${name}\``);
      expect(Object.keys(doc.paths[`/${name}`] ?? {}).sort()).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths[`/${name}/{id}`] ?? {}).sort()).toEqual([
        'delete',
        'get',
        'patch',
      ]);
      expect(doc.paths[`/${name}`]?.post?.tags).toEqual([name]);
    });
  });
}

/** Runs one statement with the foreign key checks off, as only a hand-written repair would. */
export async function withoutForeignKeyChecks(
  t: TestApp,
  sql: string,
  params: unknown[],
): Promise<void> {
  const runner = t.db.createQueryRunner();
  const sqlite = t.database.kind === 'sqlite';
  try {
    await runner.query(sqlite ? 'PRAGMA foreign_keys = OFF' : 'SET FOREIGN_KEY_CHECKS = 0');
    await runner.query(sql, params);
  } finally {
    await runner.query(sqlite ? 'PRAGMA foreign_keys = ON' : 'SET FOREIGN_KEY_CHECKS = 1');
    await runner.release();
  }
}
