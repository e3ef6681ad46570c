import { Column } from 'typeorm';
import { SoftDeletableEntity } from '../../common/persistence/soft-deletable.entity';
import type { Hidden } from '../../common/persistence/table-mapping';

/**
 * A row that may belong to a workflow and is soft-deleted with it: the entity of every linked
 * kind extends this. Each declares its own `workflow_id` column, since its index and foreign key
 * are named after its table:
 *
 *     @Index('ix_<table>_workflow_id')
 *     @ForeignKey('WorkflowEntity', { name: 'fk_<table>_workflow_id', onDelete: 'SET NULL', onUpdate: 'RESTRICT' })
 *     @Column({ name: 'workflow_id', type: 'int', nullable: true })
 *     workflowId!: number | null;
 */
export abstract class WorkflowLinkedEntity extends SoftDeletableEntity {
  abstract workflowId: number | null;

  /** 1 when the workflow's cascading soft delete deleted this row; its restore brings it back. */
  @Column({
    name: 'deleted_with_workflow',
    type: 'boolean',
    width: 1,
    default: false,
    select: false,
  })
  deletedWithWorkflow!: Hidden<boolean>;
}
