import { Injectable } from '@nestjs/common';
import { WorkflowNotActiveError } from '../common/errors/domain-errors';
import type { WorkflowInclude } from './dto/workflow-queries.dto';
import { WorkflowsRepository } from './workflows.repository';

/** What a module owning rows linked to workflows offers for `GET /workflows/:id?include=`. */
export interface LinkedRowsReader {
  readonly kind: WorkflowInclude;
  /** The active rows linked to the workflow, in id order, as the API shows them. */
  findActiveByWorkflow(workflowId: number): Promise<unknown[]>;
}

/**
 * The Workflows module's small exported port for modules whose rows link to a workflow
 * (Interviews, Todos): check-and-lock a workflow before linking to it, and register a reader
 * for `include`. The Workflows module never imports those modules.
 */
@Injectable()
export class WorkflowLinks {
  private readonly readers = new Map<WorkflowInclude, LinkedRowsReader>();

  constructor(private readonly workflows: WorkflowsRepository) {}

  /**
   * Inside the caller's transaction, locks the workflow row (on MariaDB/MySQL; SQLite runs one
   * transaction at a time) so that a concurrent soft delete either runs after this transaction
   * commits, and then cascades to the new link, or has committed before, and the link fails.
   */
  async lockForLinking(workflowId: number): Promise<void> {
    const workflow = await this.workflows.lockActive(workflowId);
    if (!workflow) throw new WorkflowNotActiveError(workflowId);
  }

  registerReader(reader: LinkedRowsReader): void {
    this.readers.set(reader.kind, reader);
  }

  reader(kind: WorkflowInclude): LinkedRowsReader {
    const reader = this.readers.get(kind);
    if (!reader) throw new Error(`no module registered a reader for ${kind}`);
    return reader;
  }
}
