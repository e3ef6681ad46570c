import { SoftDeletableEntity } from '../../common/persistence/soft-deletable.entity';

/**
 * A row that may belong to a workflow and is soft-deleted with it: the entity of every linked
 * kind extends this. Each declares its own `workflow_id` column, since its index and foreign key
 * are named after its table; the link's index is `(workflow_id, organization_id)`, on the class
 * (`@Index('ix_<table>_workflow_id', ['workflowId', 'organizationId'])` for interviews and todos,
 * the migration guide's name), so that MariaDB reads a workflow's rows through it alone (see the
 * migration IndexLinksWithOrganization1760850000000):
 *
 *     @ForeignKey('WorkflowEntity', { name: 'fk_<table>_workflow_id', onDelete: 'SET NULL', onUpdate: 'RESTRICT' })
 *     @Column({ name: 'workflow_id', type: 'int', nullable: true })
 *     workflowId!: number | null;
 *
 * A workflow's cascade records its deletion in each row's `deletion_id` (SoftDeletableEntity),
 * so that restoring the deletion brings back exactly the rows it deleted.
 */
export abstract class WorkflowLinkedEntity extends SoftDeletableEntity {
  abstract workflowId: number | null;
}
