import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/roles';
import { ConflictError, NotFoundError } from '../common/errors/domain-errors';
import type { Page } from '../common/pagination/page';
import { Database } from '../common/persistence/database.service';
import { withNextVersion } from '../common/persistence/row-version';
import type { Scope } from '../common/persistence/scope';
import type { CreateWorkflowDto } from './dto/create-workflow.dto';
import type { UpdateWorkflowDto } from './dto/update-workflow.dto';
import type { Row } from '../common/persistence/table-mapping';
import type { ListWorkflowsQueryDto } from './dto/workflow-queries.dto';
import type {
  DeletedWorkflowDto,
  IncludedRowsDto,
  RestoredWorkflowDto,
  WorkflowWithLinksDto,
} from './dto/workflow-responses.dto';
import type { WorkflowEntity } from './entities/workflow.entity';
import { DeletionsService, WORKFLOWS } from './deletions/deletions.service';
import { LinkedKinds } from './linked-kinds/linked-kinds';
import { WorkflowsRepository } from './workflows.repository';

export type Workflow = Row<WorkflowEntity>;

/** Rows of one kind that `include=` embeds at most; the list route has the rest. */
export const MAX_EMBEDDED = 100;

@Injectable()
export class WorkflowsService {
  constructor(
    private readonly db: Database,
    private readonly workflows: WorkflowsRepository,
    private readonly kinds: LinkedKinds,
    private readonly deletions: DeletionsService,
  ) {}

  /** The creator is the authenticated caller; clients cannot set createdBy. */
  create(dto: CreateWorkflowDto, principal: Principal): Promise<Workflow> {
    return this.db.transaction(async (tx) => {
      const workflow = await this.workflows.insert(
        principal,
        tx,
        {
          name: dto.name,
          description: dto.description ?? null,
          status: dto.status ?? 'draft',
          createdBy: principal.id,
        },
        new Date(),
      );
      tx.emit(principal, 'workflow.created', workflow);
      return workflow;
    }, principal);
  }

  list(scope: Scope, query: ListWorkflowsQueryDto): Promise<Page<Workflow>> {
    return this.workflows.findPage(scope, { status: query.status }, query.limit, query.cursor);
  }

  /**
   * The workflow and, for each linked kind named in include, its first MAX_EMBEDDED active rows,
   * with how many there are in all and the list route's next page under `included`.
   */
  async get(
    scope: Scope,
    id: number,
    include: readonly string[] = [],
  ): Promise<WorkflowWithLinksDto> {
    const kinds = this.kinds.named(include, 'include');
    const workflow: WorkflowWithLinksDto = await this.findOrFail(scope, id);
    if (kinds.length === 0) return workflow;
    const included: IncludedRowsDto = {};
    for (const rows of kinds) {
      const { items, total, next } = await rows.findActiveByWorkflow(scope, id, MAX_EMBEDDED);
      workflow[rows.kind.name] = items;
      included[rows.kind.name] = { total, next };
    }
    workflow.included = included;
    return workflow;
  }

  update(scope: Scope, id: number, dto: UpdateWorkflowDto): Promise<Workflow> {
    return this.db.transaction(async (tx) => {
      const current = await this.workflows.lockActive(scope, tx, id);
      if (!current) throw new NotFoundError('Workflow', id);
      const changes = { name: dto.name, description: dto.description, status: dto.status };
      if (Object.values(changes).every((value) => value === undefined)) return current;
      const workflow = await this.workflows.update(scope, tx, current, changes, new Date());
      tx.emit(scope, 'workflow.updated', workflow);
      return workflow;
    }, scope);
  }

  /**
   * Soft-deletes the workflow and, through WorkflowSoftDeletedEvent, every active row of every
   * linked kind linked to it, in one transaction and as one deletion (DeletionsService): if any
   * handler fails, nothing changes.
   */
  softDelete(
    id: number,
    principal: Principal,
    reason: string | null = null,
  ): Promise<DeletedWorkflowDto> {
    return this.db.transaction(async (tx) => {
      const current = await this.workflows.lockActive(principal, tx, id);
      if (!current) throw new NotFoundError('Workflow', id);
      const deletedAt = new Date();
      const scope: Scope = { organizationId: principal.organizationId };
      const { deletionId, cascaded } = await this.deletions.deleteWorkflowsIn(
        scope,
        tx,
        [id],
        principal.id,
        reason,
        deletedAt,
        { countsAtCommit: true }, // nothing reads the record after: its counts go with the commit
      );
      const at = deletedAt.toISOString();
      const deleted: DeletedWorkflowDto = {
        ...withNextVersion(current),
        updatedAt: at,
        isDeleted: true,
        deletedAt: at,
        deletedBy: principal.id,
        cascaded,
        deletionId,
      };
      tx.emit(principal, 'workflow.deleted', deleted, deletedAt);
      return deleted;
    }, principal);
  }

  /** `DELETE /workflows/:id?dryRun=true`: what the delete would cascade to; nothing changes. */
  async previewDelete(scope: Scope, id: number): Promise<DeletedWorkflowDto> {
    const workflow = await this.findOrFail(scope, id);
    return { ...workflow, dryRun: true, cascaded: await this.deletions.cascadeOf(scope, [id]) };
  }

  /**
   * Brings back a soft-deleted workflow by restoring the deletion that deleted it (its latest):
   * the rows that deletion soft-deleted come back with it, in one transaction. 409 when the
   * workflow is not deleted.
   */
  restore(principal: Principal, id: number): Promise<RestoredWorkflowDto> {
    return this.db.transaction(async (tx) => {
      const locked = await this.workflows.lockWithDeletion(principal, tx, id);
      if (!locked) throw new NotFoundError('Workflow', id);
      const { row: current, deletionId } = locked;
      if (!current.isDeleted) throw new ConflictError(`Workflow ${id} is not deleted`);
      if (deletionId === null) {
        throw new ConflictError(
          `Workflow ${id} was deleted outside the service (it has no deletion): POST /admin/orphans/repair records one`,
        );
      }
      const restored = await this.deletions.restoreIn(principal, tx, deletionId, principal.id);
      const workflow: RestoredWorkflowDto = {
        ...withNextVersion(current),
        updatedAt: restored.restoredAt ?? current.updatedAt,
        isDeleted: false,
        deletedAt: null,
        deletedBy: null,
        restored: Object.fromEntries(
          Object.entries(restored.restored).filter(([kind]) => kind !== WORKFLOWS),
        ),
      };
      tx.emit(principal, 'workflow.restored', workflow);
      return workflow;
    }, principal);
  }

  /** Retention: hard-deletes up to `batch` workflows soft-deleted before `cutoff`. */
  purgeDeletedBefore(scope: Scope, cutoff: Date, batch: number): Promise<number> {
    return this.db.transaction((tx) => this.workflows.purgeDeletedBefore(scope, tx, cutoff, batch));
  }

  countDeletedBefore(scope: Scope, cutoff: Date): Promise<number> {
    return this.workflows.countDeletedBefore(scope, cutoff);
  }

  /** The organizations with workflows: for operators' tools only (`npm run purge`). */
  organizationIds(): Promise<number[]> {
    return this.workflows.organizationIds();
  }

  private async findOrFail(scope: Scope, id: number): Promise<Workflow> {
    const workflow = await this.workflows.findActive(scope, id);
    if (!workflow) throw new NotFoundError('Workflow', id);
    return workflow;
  }
}
