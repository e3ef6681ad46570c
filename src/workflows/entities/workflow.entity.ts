import { Column, Entity, Index } from 'typeorm';
import { SoftDeletableEntity } from '../../common/persistence/soft-deletable.entity';
import type { Hidden } from '../../common/persistence/table-mapping';

export const WORKFLOW_STATUSES = ['draft', 'active', 'closed', 'archived'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** A recruitment workflow (table recruitment_processes, the RecruitmentProcess of docs/schema.md). */
@Entity({ name: 'recruitment_processes' })
@Index('ix_recruitment_processes_organization_id', ['organizationId'])
@Index('ix_recruitment_processes_organization_id_deletion_id', ['organizationId', 'deletionId'])
@Index('ix_recruitment_processes_organization_id_status', ['organizationId', 'status'])
export class WorkflowEntity extends SoftDeletableEntity {
  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 32, default: 'draft' })
  status!: WorkflowStatus;

  @Column({ name: 'created_by', type: 'int', nullable: true })
  createdBy!: number | null;

  /** Incremented by every link of a child: see WorkflowLinks.lockForLinking. */
  @Column({ name: 'link_version', type: 'int', default: 0, select: false })
  linkVersion!: Hidden<number>;
}
