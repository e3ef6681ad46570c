import type { LinkedKind } from '../linked-kinds/linked-kind';

/** One type of the outbox's events and the OpenAPI schema of its `data`. */
export interface ChangeEventType {
  type: string;
  /** The name of the schema of `data` in the OpenAPI document (the answer of the route). */
  payload: string;
  description: string;
}

/**
 * Every event type the Workflows module and its linked kinds write to the outbox, derived from
 * the declarations: workflows, each kind's `event` name, deletions. (`<kind>.restored` does not
 * exist: rows of a kind come back only through their deletion, `deletion.restored`.)
 */
export function changeEventTypes(kinds: readonly LinkedKind[]): ChangeEventType[] {
  return [
    { type: 'workflow.created', payload: 'WorkflowDto', description: 'POST /workflows' },
    { type: 'workflow.updated', payload: 'WorkflowDto', description: 'PATCH /workflows/:id' },
    {
      type: 'workflow.deleted',
      payload: 'DeletedWorkflowDto',
      description:
        'DELETE /workflows/:id: the workflow with its cascade counts and deletionId (its rows are not sent one by one: see the deletion.created of the same transaction); POST /deletions of workflows: one per named workflow, without cascade counts (the deletion.created has them)',
    },
    {
      type: 'workflow.restored',
      payload: 'RestoredWorkflowDto',
      description: 'POST /workflows/:id/restore',
    },
    ...kinds.flatMap((kind) => [
      { type: `${kind.event}.created`, payload: kind.dto.name, description: `POST /${kind.name}` },
      {
        type: `${kind.event}.updated`,
        payload: kind.dto.name,
        description: `PATCH /${kind.name}/:id; POST /admin/orphans/repair: one per active row it unlinks from a workflow that no longer exists`,
      },
      {
        type: `${kind.event}.deleted`,
        payload: `Deleted${kind.dto.name}`,
        description: `DELETE /${kind.name}/:id; POST /deletions of ${kind.name}: one per named row; POST /admin/orphans/repair: one per active row of a deleted workflow it soft-deletes`,
      },
    ]),
    {
      type: 'deletion.created',
      payload: 'DeletionDto',
      description:
        'Every soft delete (DELETE of one row, a cascade, POST /deletions), and each deletion POST /admin/orphans/repair records for a workflow soft-deleted outside the service: the record, with its ids and counts; page its rows with GET /deletions/:id/rows',
    },
    {
      type: 'deletion.restored',
      payload: 'RestoredDeletionDto',
      description: 'POST /deletions/:id/restore and POST /workflows/:id/restore',
    },
    {
      type: 'deletion.purged',
      payload: 'PurgedDeletionDto',
      description:
        'POST /deletions/:id/purge; and the retention purge (POST /admin/purge, `npm run purge` with actor null) for each deletion whose rows are all gone',
    },
  ];
}
