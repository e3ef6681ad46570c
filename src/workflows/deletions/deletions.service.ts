import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/roles';
import {
  ConflictError,
  DomainError,
  InvalidInputError,
  NotFoundError,
} from '../../common/errors/domain-errors';
import { DomainEventPublisher } from '../../common/events/domain-events';
import type { Page } from '../../common/pagination/page';
import { Database, type Reader, type Transaction } from '../../common/persistence/database.service';
import { withNextVersion } from '../../common/persistence/row-version';
import type { Scope } from '../../common/persistence/scope';
import type { SoftDeletableRepository } from '../../common/persistence/soft-deletable.repository';
import type { SoftDeletableEntity } from '../../common/persistence/soft-deletable.entity';
import type { StoredRow } from '../../common/persistence/table-mapping';
import { countsByKind, type LinkedRowCounts } from '../events/linked-row-count';
import { DeletionRestoredEvent } from '../events/deletion-restored.event';
import { WorkflowSoftDeletedEvent } from '../events/workflow-soft-deleted.event';
import { LinkedKinds } from '../linked-kinds/linked-kinds';
import type { LinkedRows } from '../linked-kinds/linked-rows';
import { WorkflowsRepository } from '../workflows.repository';
import type { ListDeletionsQueryDto } from './dto/deletion-queries.dto';
import type {
  BulkDeletionDto,
  DeletionPreviewDto,
  PurgedDeletionDto,
  RestoredDeletionDto,
} from './dto/deletion.dto';
import {
  DeletionsRepository,
  newDeletionRecord,
  type Deletion,
  type DeletionCounts,
} from './deletions.repository';

/** The resource name of workflows in deletions (its route). */
export const WORKFLOWS = 'workflows';

/** Several ids are missing or already deleted: 404, naming every one. */
class RowsNotFoundError extends DomainError {
  readonly kind = 'not_found';
}

type AnyRepository = SoftDeletableRepository<SoftDeletableEntity>;
type AnyRow = StoredRow<SoftDeletableEntity>;

/**
 * Deletions as records: every soft delete (of a workflow and its cascade, of a linked row, or of
 * up to 100 rows of one resource at once) writes one row of `deletions` and records its id in
 * every row it soft-deletes; a restore brings back exactly the rows of one deletion, and a purge
 * hard-deletes them. Every table is reached through the workflows' repository and LinkedKinds:
 * a linked kind takes part with no code of its own.
 */
@Injectable()
export class DeletionsService {
  constructor(
    private readonly db: Database,
    private readonly deletions: DeletionsRepository,
    private readonly workflows: WorkflowsRepository,
    private readonly kinds: LinkedKinds,
    private readonly events: DomainEventPublisher,
  ) {}

  /** `workflows` and every linked kind's name. */
  resources(): string[] {
    return [WORKFLOWS, ...this.kinds.names()];
  }

  /**
   * Soft-deletes active workflows (already locked by the caller) and, through
   * WorkflowSoftDeletedEvent, every active row linked to them, as one deletion: the record's
   * INSERT, one UPDATE of the workflows, one UPDATE per kind, and the record's counts: at once,
   * or, with `countsAtCommit` (for a transaction that reads the record no more), at the commit,
   * in its round trip on MariaDB.
   */
  async deleteWorkflowsIn(
    scope: Scope,
    tx: Transaction,
    ids: readonly number[],
    by: number,
    reason: string | null,
    at: Date,
    { countsAtCommit = false }: { countsAtCommit?: boolean } = {},
  ): Promise<{ deletionId: number; cascaded: LinkedRowCounts }> {
    const deletion = {
      resource: WORKFLOWS,
      ids: [...ids],
      reason,
      counts: { [WORKFLOWS]: ids.length },
      deletedAt: at,
      deletedBy: by,
    };
    const deletionId = await this.deletions.insert(scope, tx, deletion);
    await this.workflows.softDeleteIds(scope, tx, ids, at, by, deletionId);
    const cascaded = countsByKind(
      await this.events.publish(new WorkflowSoftDeletedEvent(scope, ids, at, by, deletionId), tx),
    );
    const counts = { [WORKFLOWS]: ids.length, ...cascaded };
    if (countsAtCommit) this.deletions.setCountsAtCommit(scope, tx, deletionId, counts);
    else await this.deletions.setCounts(scope, tx, deletionId, counts);
    // one event for the whole cascade, whatever it reached: its counts, never its rows
    tx.emit(
      { organizationId: scope.organizationId, id: by },
      'deletion.created',
      { ...newDeletionRecord(deletionId, deletion), counts: this.allCounts(counts) },
      at,
    );
    return { deletionId, cascaded };
  }

  /** What deleting these active workflows would cascade to, per kind (one COUNT per kind). */
  cascadeOf(
    scope: Scope,
    ids: readonly number[],
    reader: Reader = this.db,
  ): Promise<LinkedRowCounts> {
    return this.kinds.collect((rows) => rows.rows.countLinkedActive(scope, reader, ids));
  }

  /**
   * POST /deletions: soft-deletes rows of one resource, and everything linked to them, in one
   * transaction and as one deletion; 404 naming every id that is missing or already deleted.
   * Its events, as a DELETE of each named row would write them: `deletion.created` and one
   * `<kind>.deleted` per named row (up to 100), never one per cascaded row.
   */
  bulk(principal: Principal, dto: BulkDeletionDto): Promise<Deletion | DeletionPreviewDto> {
    const repository = this.repositoryOf(dto.resource, 'resource');
    const ids = [...dto.ids].sort((a, b) => a - b);
    const reason = dto.reason ?? null;
    if (dto.dryRun) {
      return this.db.transaction(async (tx) => {
        await this.activeOrFail(principal, tx, dto.resource, repository, ids);
        const counts =
          dto.resource === WORKFLOWS
            ? { [WORKFLOWS]: ids.length, ...(await this.cascadeOf(principal, ids, tx)) }
            : { [dto.resource]: ids.length };
        return { dryRun: true, resource: dto.resource, ids, counts: this.allCounts(counts) };
      });
    }
    return this.db.transaction(async (tx) => {
      const named = await this.activeOrFail(principal, tx, dto.resource, repository, ids);
      const at = new Date();
      let deletionId: number;
      if (dto.resource === WORKFLOWS) {
        ({ deletionId } = await this.deleteWorkflowsIn(
          principal,
          tx,
          ids,
          principal.id,
          reason,
          at,
        ));
        this.emitDeleted(principal, tx, 'workflow', named, at, deletionId);
      } else {
        const deletion = {
          resource: dto.resource,
          ids,
          reason,
          counts: { [dto.resource]: ids.length },
          deletedAt: at,
          deletedBy: principal.id,
        };
        deletionId = await this.deletions.insert(principal, tx, deletion);
        await repository.softDeleteIds(principal, tx, ids, at, principal.id, deletionId);
        this.emitDeleted(principal, tx, this.eventOf(dto.resource), named, at, deletionId);
        tx.emit(
          principal,
          'deletion.created',
          { ...newDeletionRecord(deletionId, deletion), counts: this.allCounts(deletion.counts) },
          at,
        );
      }
      return this.recordOrFail(principal, deletionId, tx);
    }, principal);
  }

  async get(scope: Scope, id: number): Promise<Deletion> {
    return this.recordOrFail(scope, id);
  }

  async list(scope: Scope, query: ListDeletionsQueryDto): Promise<Page<Deletion>> {
    if (query.resource !== undefined) this.repositoryOf(query.resource, 'resource');
    const page = await this.deletions.findPage(
      scope,
      {
        resource: query.resource,
        deletedBy: query.deletedBy,
        restored: query.restored,
        since: query.since === undefined ? undefined : new Date(query.since),
        until: query.until === undefined ? undefined : new Date(query.until),
      },
      query.limit,
      query.cursor,
    );
    return {
      items: page.items.map((item) => this.withAllCounts(item)),
      nextCursor: page.nextCursor,
    };
  }

  /** One page of the rows of one kind that a deletion soft-deleted (and still holds). */
  async rows(
    scope: Scope,
    id: number,
    resource: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<Page<unknown>> {
    const repository = this.repositoryOf(resource, 'resource');
    await this.recordOrFail(scope, id);
    return repository.findPageOfDeletion(scope, id, limit, cursor);
  }

  /** POST /deletions/:id/restore. */
  restore(principal: Principal, id: number): Promise<RestoredDeletionDto> {
    return this.db.transaction((tx) => this.restoreIn(principal, tx, id, principal.id), principal);
  }

  /**
   * Restores exactly the rows of a deletion, in the caller's transaction: one UPDATE per table
   * (the workflows', then each kind's through DeletionRestoredEvent), then the record. 409 when
   * it is restored or purged already, or when it deleted rows of a linked kind whose workflow is
   * deleted now (naming the deletion to restore first). Rows hard-deleted meanwhile are
   * reported under `missing`.
   */
  async restoreIn(
    scope: Scope,
    tx: Transaction,
    id: number,
    by: number,
  ): Promise<RestoredDeletionDto> {
    const record = await this.deletions.lock(scope, tx, id);
    if (!record) throw new NotFoundError('Deletion', id);
    if (record.restoredAt !== null) {
      throw new ConflictError(`Deletion ${id} was restored already (at ${record.restoredAt})`);
    }
    if (record.purgedAt !== null) {
      throw new ConflictError(
        `Deletion ${id} was purged (at ${record.purgedAt}): its rows are gone`,
      );
    }
    if (record.resource !== WORKFLOWS) {
      // a deletion of rows of a linked kind holds rows of that kind only
      for (const rows of this.kinds.all().filter((r) => r.kind.name === record.resource)) {
        const deleted = await rows.rows.lockWorkflowsOfDeletion(scope, tx, id);
        if (deleted) {
          const first =
            deleted.deletionId === null
              ? 'restore it first'
              : `restore deletion ${deleted.deletionId} first`;
          throw new ConflictError(
            `Deletion ${id} holds ${rows.kind.name} of workflow ${deleted.workflowId}, which is deleted: ${first}`,
          );
        }
      }
    }
    const at = new Date();
    const workflows = await this.workflows.restoreDeletion(scope, tx, id, at);
    const kinds = countsByKind(
      await this.events.publish(new DeletionRestoredEvent(scope, id, at), tx),
    );
    await this.deletions.markRestored(scope, tx, id, at, by);
    const restored = this.allCounts({ [WORKFLOWS]: workflows, ...kinds });
    const counts = this.allCounts(record.counts);
    const missing = this.allCounts(
      Object.fromEntries(
        Object.entries(counts).map(([kind, n]) => [kind, Math.max(0, n - (restored[kind] ?? 0))]),
      ),
    );
    const answer: RestoredDeletionDto = {
      ...record,
      counts,
      restoredAt: at.toISOString(),
      restoredBy: by,
      restored,
      missing,
    };
    tx.emit({ organizationId: scope.organizationId, id: by }, 'deletion.restored', answer, at);
    return answer;
  }

  /**
   * POST /deletions/:id/purge: hard-deletes the rows of a deletion, every kind's before the
   * workflows', in one transaction, and sets purgedAt; the record stays. 409 when it is restored
   * or purged already.
   */
  purge(principal: Principal, id: number): Promise<PurgedDeletionDto> {
    return this.db.transaction(async (tx) => {
      const record = await this.deletions.lock(principal, tx, id);
      if (!record) throw new NotFoundError('Deletion', id);
      if (record.restoredAt !== null) {
        throw new ConflictError(
          `Deletion ${id} was restored (at ${record.restoredAt}): nothing to purge`,
        );
      }
      if (record.purgedAt !== null) {
        throw new ConflictError(`Deletion ${id} was purged already (at ${record.purgedAt})`);
      }
      const purged: Record<string, number> = {};
      for (const rows of this.kinds.all()) {
        purged[rows.kind.name] = await rows.rows.purgeDeletion(principal, tx, id);
      }
      purged[WORKFLOWS] = await this.workflows.purgeDeletion(principal, tx, id);
      const at = new Date();
      await this.deletions.markPurged(principal, tx, id, at);
      const answer: PurgedDeletionDto = {
        ...this.withAllCounts(record),
        purgedAt: at.toISOString(),
        purged: this.allCounts(purged),
      };
      tx.emit(principal, 'deletion.purged', answer, at);
      return answer;
    }, principal);
  }

  /**
   * For the orphan repair: records a deletion (of the workflow alone) for every deleted workflow
   * that has none (soft-deleted by hand), so that the repair can put the workflow's orphans in
   * it and restoring the workflow brings them back. Answers the deletions it recorded.
   */
  async recordMissingDeletions(scope: Scope, tx: Transaction, by: number): Promise<number[]> {
    const workflows = await this.workflows.findDeletedWithoutDeletion(scope, tx);
    const recorded: number[] = [];
    for (const workflow of workflows) {
      const deletionId = await this.deletions.insert(scope, tx, {
        resource: WORKFLOWS,
        ids: [workflow.id],
        reason: 'recorded by the orphan repair',
        counts: { [WORKFLOWS]: 1 },
        deletedAt: workflow.deletedAt,
        deletedBy: workflow.deletedBy ?? by,
      });
      await this.workflows.setDeletion(scope, tx, workflow.id, deletionId);
      recorded.push(deletionId);
    }
    return recorded;
  }

  /**
   * The `deletion.created` of deletions recorded after the fact (the orphan repair's), each
   * record as it stands at the end of the caller's transaction, by the user `by`.
   */
  async emitRecorded(
    scope: Scope,
    tx: Transaction,
    ids: readonly number[],
    by: number,
    at: Date,
  ): Promise<void> {
    for (const id of ids) {
      const record = await this.recordOrFail(scope, id, tx);
      tx.emit({ organizationId: scope.organizationId, id: by }, 'deletion.created', record, at);
    }
  }

  /** Adds rows to a deletion's counts (the orphan repair soft-deletes rows into a deletion). */
  async addCounts(
    scope: Scope,
    tx: Transaction,
    id: number,
    added: Record<string, number>,
  ): Promise<void> {
    const record = await this.deletions.find(scope, id, tx);
    if (!record) return;
    const counts: Record<string, number> = { ...record.counts };
    for (const [kind, n] of Object.entries(added)) counts[kind] = (counts[kind] ?? 0) + n;
    await this.deletions.setCounts(scope, tx, id, counts);
  }

  /**
   * Retention: marks purged the deletions whose rows are all gone, each with its
   * `deletion.purged` event (its actor: the caller of POST /admin/purge, null for
   * `npm run purge`), in one transaction.
   */
  markPurgedWhereEmpty(scope: Scope, at = new Date()): Promise<number> {
    const tables = [this.workflows.table, ...this.kinds.all().map((rows) => rows.rows.table)];
    return this.db.transaction(async (tx) => {
      const records = await this.deletions.markPurgedWhereEmpty(scope, tx, tables, at);
      for (const record of records) {
        const counts = this.allCounts(record.counts);
        // every row it held is gone (purged by retention, or deleted by hand)
        const data: PurgedDeletionDto = { ...record, counts, purged: counts };
        tx.emit(scope, 'deletion.purged', data, at);
      }
      return records.length;
    });
  }

  /** `workflows` first, then every kind, 0 where the record has none. */
  allCounts(counts: Record<string, number>): DeletionCounts {
    const all = Object.fromEntries(this.resources().map((name) => [name, counts[name] ?? 0]));
    return { ...all, workflows: all[WORKFLOWS] };
  }

  private withAllCounts(record: Deletion): Deletion {
    return { ...record, counts: this.allCounts(record.counts) };
  }

  private async recordOrFail(scope: Scope, id: number, reader?: Reader): Promise<Deletion> {
    const record = await this.deletions.find(scope, id, reader);
    if (!record) throw new NotFoundError('Deletion', id);
    return this.withAllCounts(record);
  }

  /** The repository of a resource; an unknown name is the client's mistake (400). */
  private repositoryOf(resource: string, parameter: string): AnyRepository {
    if (resource === WORKFLOWS) return this.workflows;
    const rows: LinkedRows | undefined = this.kinds.all().find((k) => k.kind.name === resource);
    if (!rows) {
      throw new InvalidInputError(`${parameter} must be one of: ${this.resources().join(', ')}`);
    }
    return rows.rows;
  }

  /** The event name of a resource's rows (`workflow`, `todo`...). */
  private eventOf(resource: string): string {
    if (resource === WORKFLOWS) return 'workflow';
    const rows = this.kinds.all().find((k) => k.kind.name === resource);
    if (!rows) throw new Error(`no linked kind ${resource}`);
    return rows.kind.event;
  }

  /**
   * The `<event>.deleted` of each row a bulk delete named, the row as deleted (as the DELETE of
   * one row answers it). A workflow's has no `cascaded`: its cascade is counted per deletion,
   * in the `deletion.created` of the same transaction, not per workflow.
   */
  private emitDeleted(
    principal: Principal,
    tx: Transaction,
    event: string,
    rows: readonly AnyRow[],
    at: Date,
    deletionId: number,
  ): void {
    const stamp = at.toISOString();
    for (const row of rows) {
      const deleted = {
        ...withNextVersion(row),
        updatedAt: stamp,
        isDeleted: true,
        deletedAt: stamp,
        deletedBy: principal.id,
        deletionId,
      };
      tx.emit(principal, `${event}.deleted`, deleted, at);
    }
  }

  /** Locks the rows and answers them; 404 naming every id that is missing or already deleted. */
  private async activeOrFail(
    scope: Scope,
    tx: Transaction,
    resource: string,
    repository: AnyRepository,
    ids: readonly number[],
  ): Promise<AnyRow[]> {
    const rows = await repository.lockActiveRows(scope, tx, ids);
    const found = new Set(rows.map((row) => row.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new RowsNotFoundError(
        `${resource} not found (missing or already deleted): ${missing.join(', ')}`,
      );
    }
    return rows;
  }
}
