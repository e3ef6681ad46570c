import { NotFoundError } from '../../common/errors/domain-errors';
import { OnDomainEvent } from '../../common/events/domain-events';
import type { Page } from '../../common/pagination/page';
import type { Database, Transaction } from '../../common/persistence/database.service';
import { withNextVersion } from '../../common/persistence/row-version';
import type { Scope } from '../../common/persistence/scope';
import type { Filter, NewRow } from '../../common/persistence/soft-deletable.repository';
import type { LinkedRowCount } from '../events/linked-row-count';
import { DeletionRestoredEvent } from '../events/deletion-restored.event';
import { WorkflowSoftDeletedEvent } from '../events/workflow-soft-deleted.event';
import type { WorkflowLinks } from '../workflow-links';
import { newDeletionRecord, type DeletionsRepository } from '../deletions/deletions.repository';
import type { LinkedKind } from './linked-kind';
import {
  LinkedRowsRepository,
  type LinkedRow,
  type OrphanRepair,
  type OrphanReport,
} from './linked-rows.repository';
import type { WorkflowLinkedEntity } from './workflow-linked.entity';

/** A workflow's rows of one kind as `include=` embeds them. */
export interface EmbeddedRows<E extends WorkflowLinkedEntity> {
  items: LinkedRow<E>[];
  /** How many active rows of the kind link to the workflow. */
  total: number;
  /** The list route's page after the embedded rows; null when they are all embedded. */
  next: string | null;
}

/**
 * Everything a linked kind's rows do, made from its declaration alone and provided in the
 * declaring module by LinkedKindsModule.forFeature: the routes' reads and writes (reads never
 * see soft-deleted rows; a write that links to a workflow checks and locks it inside its own
 * transaction), the handlers of a workflow's delete and restore, and what `include=`, the
 * orphan report and repair, and retention ask of a kind. Every method acts in the Scope it is
 * given (the caller's organization): a row of another organization is one that does not exist.
 */
export class LinkedRows<E extends WorkflowLinkedEntity = WorkflowLinkedEntity> {
  readonly rows: LinkedRowsRepository<E>;

  constructor(
    readonly kind: LinkedKind<E>,
    private readonly db: Database,
    private readonly links: WorkflowLinks,
    private readonly deletions: DeletionsRepository,
  ) {
    this.rows = new LinkedRowsRepository(db, kind);
  }

  list(
    scope: Scope,
    filter: Filter<LinkedRow<E>>,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<LinkedRow<E>>> {
    return this.rows.findPage(scope, filter, limit, cursor);
  }

  async get(scope: Scope, id: number): Promise<LinkedRow<E>> {
    const row = await this.rows.findActive(scope, id);
    if (!row) throw new NotFoundError(this.kind.label, id);
    return row;
  }

  /** Inserts a row; a link to a workflow is checked and locked in the same transaction. */
  create(
    scope: Scope,
    values: NewRow<LinkedRow<E>> & { workflowId: number | null },
  ): Promise<LinkedRow<E>> {
    return this.db.transaction(async (tx) => {
      if (values.workflowId !== null) {
        await this.links.lockForLinking(scope, tx, values.workflowId);
      }
      const row = await this.rows.insert(scope, tx, values, new Date());
      tx.emit(scope, `${this.kind.event}.created`, row);
      return row;
    }, scope);
  }

  /**
   * Applies changes to an active row; `check` sees the row as it would be and may reject it.
   * A link to a workflow locks that workflow first, before the row, as creation does and in the
   * order of a workflow's delete (the workflow, then its rows): a relink that locked the row
   * first and then waited for the workflow would deadlock with a delete of that workflow whose
   * cascade reaches the row, and under load such deadlocks repeat until the retries run out.
   */
  update(
    scope: Scope,
    id: number,
    changes: Partial<LinkedRow<E>>,
    check?: (merged: LinkedRow<E>) => void,
  ): Promise<LinkedRow<E>> {
    return this.db.transaction(async (tx) => {
      const workflowId = changes.workflowId;
      if (workflowId !== undefined && workflowId !== null) {
        try {
          await this.links.lockForLinking(scope, tx, workflowId);
        } catch (err) {
          // a missing row answers 404 before its link's 422
          await this.lockOrFail(scope, tx, id);
          throw err;
        }
      }
      const current = await this.lockOrFail(scope, tx, id);
      const present = Object.entries(changes).filter(([, value]) => value !== undefined);
      if (present.length === 0) return current;
      check?.({ ...current, ...Object.fromEntries(present) });
      const row = await this.rows.update(scope, tx, current, changes, new Date());
      tx.emit(scope, `${this.kind.event}.updated`, row);
      return row;
    }, scope);
  }

  /**
   * Soft-deletes one row on behalf of the user `by`, as a deletion of its own (its record says
   * why, when `reason` is given); answers the row as deleted and the deletion's id.
   */
  remove(
    scope: Scope,
    id: number,
    by: number,
    reason: string | null = null,
  ): Promise<LinkedRow<E> & { deletionId: number }> {
    return this.db.transaction(async (tx) => {
      const current = await this.lockOrFail(scope, tx, id);
      const at = new Date();
      const deletion = {
        resource: this.kind.name,
        ids: [id],
        reason,
        counts: { [this.kind.name]: 1 },
        deletedAt: at,
        deletedBy: by,
      };
      const deletionId = await this.deletions.insert(scope, tx, deletion);
      await this.rows.softDelete(scope, tx, id, at, by, deletionId);
      const stamp = at.toISOString();
      const deleted = {
        ...withNextVersion(current),
        updatedAt: stamp,
        isDeleted: true,
        deletedAt: stamp,
        deletedBy: by,
        deletionId,
      };
      const actor = { organizationId: scope.organizationId, id: by };
      tx.emit(actor, `${this.kind.event}.deleted`, deleted, at);
      tx.emit(actor, 'deletion.created', newDeletionRecord(deletionId, deletion), at);
      return deleted;
    }, scope);
  }

  /** The cascade step of a deletion of workflows: one UPDATE, in the publisher's transaction. */
  @OnDomainEvent(WorkflowSoftDeletedEvent)
  async softDeleteWithWorkflows(
    event: WorkflowSoftDeletedEvent,
    tx: Transaction,
  ): Promise<LinkedRowCount> {
    const { scope, workflowIds, deletedAt, deletedBy, deletionId } = event;
    const count = await this.rows.softDeleteWithWorkflows(
      scope,
      tx,
      workflowIds,
      deletedAt,
      deletedBy,
      deletionId,
    );
    return { kind: this.kind.name, count };
  }

  /** The step of a deletion's restore: brings back this kind's rows of it, in one UPDATE. */
  @OnDomainEvent(DeletionRestoredEvent)
  async restoreDeletion(event: DeletionRestoredEvent, tx: Transaction): Promise<LinkedRowCount> {
    const { scope, deletionId, restoredAt } = event;
    const count = await this.rows.restoreDeletion(scope, tx, deletionId, restoredAt);
    return { kind: this.kind.name, count };
  }

  /**
   * The first `limit` active rows linked to a workflow, in id order, for
   * `GET /workflows/:id?include=`: how many there are in all (counted only when there are more),
   * and where the list route goes on.
   */
  async findActiveByWorkflow(
    scope: Scope,
    workflowId: number,
    limit: number,
  ): Promise<EmbeddedRows<E>> {
    // the generic row type cannot show the compiler that workflowId takes a number
    const filter = { workflowId } as Filter<LinkedRow<E>>;
    const page = await this.rows.findPage(scope, filter, limit, undefined);
    if (page.nextCursor === null)
      return { items: page.items, total: page.items.length, next: null };
    const query = new URLSearchParams({ workflowId: String(workflowId), cursor: page.nextCursor });
    return {
      items: page.items,
      total: await this.rows.countActive(scope, filter),
      next: `/${this.kind.name}?${query.toString()}`,
    };
  }

  findOrphans(scope: Scope, limit: number, cursor?: string): Promise<OrphanReport> {
    return this.rows.findOrphans(scope, limit, cursor);
  }

  /** What repairOrphans will add to each deletion of a deleted workflow: rows per deletion. */
  countOrphansByDeletion(
    scope: Scope,
    tx: Transaction,
  ): Promise<Array<{ deletionId: number; count: number }>> {
    return this.rows.countOrphansByDeletion(scope, tx);
  }

  /**
   * Repairs this kind's orphans (LinkedRowsRepository.repairOrphans) and writes the events of
   * what the API shows differently afterwards: `<event>.deleted` for each active row it
   * soft-deleted, `<event>.updated` for each active row it unlinked; one per row, as many as
   * the rows changed outside the service left broken (README, "Consuming changes").
   */
  async repairOrphans(scope: Scope, tx: Transaction, at: Date, by: number): Promise<OrphanRepair> {
    const { softDeleted, unlinked, unlinkedCount } = await this.rows.repairOrphans(
      scope,
      tx,
      at,
      by,
    );
    const actor = { organizationId: scope.organizationId, id: by };
    for (const row of softDeleted) tx.emit(actor, `${this.kind.event}.deleted`, row, at);
    for (const row of unlinked) tx.emit(actor, `${this.kind.event}.updated`, row, at);
    return { softDeleted: softDeleted.length, unlinked: unlinkedCount };
  }

  /** Retention: hard-deletes up to `batch` rows soft-deleted before `cutoff` (one transaction). */
  purgeDeletedBefore(scope: Scope, cutoff: Date, batch: number): Promise<number> {
    return this.db.transaction((tx) => this.rows.purgeDeletedBefore(scope, tx, cutoff, batch));
  }

  countDeletedBefore(scope: Scope, cutoff: Date): Promise<number> {
    return this.rows.countDeletedBefore(scope, cutoff);
  }

  /** The organizations with rows of this kind: for operators' tools only (see the repository). */
  organizationIds(): Promise<number[]> {
    return this.rows.organizationIds();
  }

  /** The active row, locked; 404 when there is none (in a `then`: no async function of its own). */
  private lockOrFail(scope: Scope, tx: Transaction, id: number): Promise<LinkedRow<E>> {
    return this.rows.lockActive(scope, tx, id).then((row) => {
      if (!row) throw new NotFoundError(this.kind.label, id);
      return row;
    });
  }
}
