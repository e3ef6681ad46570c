import { Column, Entity, ForeignKey, Index } from 'typeorm';
import { WorkflowLinkedEntity } from '../../workflows';

export const TODO_STATUSES = ['pending', 'in_progress', 'completed', 'cancelled'] as const;
export type TodoStatus = (typeof TODO_STATUSES)[number];

@Entity({ name: 'todos' })
@Index('ix_todos_organization_id', ['organizationId'])
@Index('ix_todos_workflow_id', ['workflowId', 'organizationId'])
@Index('ix_todos_organization_id_deletion_id', ['organizationId', 'deletionId'])
@Index('ix_todos_organization_id_owner_id', ['organizationId', 'ownerId'])
@Index('ix_todos_organization_id_status', ['organizationId', 'status'])
export class TodoEntity extends WorkflowLinkedEntity {
  /** The owning workflow; the foreign key names its entity, not its class, to keep the modules apart. */
  @ForeignKey('WorkflowEntity', {
    name: 'fk_todos_workflow_id',
    onDelete: 'SET NULL',
    onUpdate: 'RESTRICT',
  })
  @Column({ name: 'workflow_id', type: 'int', nullable: true })
  workflowId!: number | null;

  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'owner_id', type: 'int' })
  ownerId!: number;

  @Column({ type: 'varchar', length: 32, default: 'pending' })
  status!: TodoStatus;

  @Column({ name: 'due_date', type: 'datetime', precision: 6, nullable: true })
  dueDate!: Date | null;
}
