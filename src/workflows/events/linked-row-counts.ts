import type { WorkflowInclude } from '../dto/workflow-queries.dto';

/** How many linked rows of each kind the handlers of a workflow event changed. */
export type LinkedRowCounts = Record<WorkflowInclude, number>;

/** Base of the workflow events whose handlers report counts for the answer. */
export abstract class CountingWorkflowEvent {
  readonly counts: LinkedRowCounts = { interviews: 0, todos: 0 };

  record(kind: WorkflowInclude, count: number): void {
    this.counts[kind] += count;
  }
}
