import { Column, Entity, ForeignKey, Index } from 'typeorm';
import { WorkflowLinkedEntity } from '../../workflows';

export const INTERVIEW_STATUSES = ['scheduled', 'completed', 'cancelled', 'no_show'] as const;
export type InterviewStatus = (typeof INTERVIEW_STATUSES)[number];

@Entity({ name: 'interviews' })
@Index('ix_interviews_organization_id', ['organizationId'])
@Index('ix_interviews_workflow_id', ['workflowId', 'organizationId'])
@Index('ix_interviews_organization_id_deletion_id', ['organizationId', 'deletionId'])
@Index('ix_interviews_organization_id_status', ['organizationId', 'status'])
export class InterviewEntity extends WorkflowLinkedEntity {
  /** The owning workflow; the foreign key names its entity, not its class, to keep the modules apart. */
  @ForeignKey('WorkflowEntity', {
    name: 'fk_interviews_workflow_id',
    onDelete: 'SET NULL',
    onUpdate: 'RESTRICT',
  })
  @Column({ name: 'workflow_id', type: 'int', nullable: true })
  workflowId!: number | null;

  @Column({ type: 'varchar', length: 255 })
  title!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'candidate_id', type: 'int' })
  candidateId!: number;

  @Column({ name: 'recruiter_id', type: 'int' })
  recruiterId!: number;

  @Column({ type: 'varchar', length: 32, default: 'scheduled' })
  status!: InterviewStatus;

  @Column({ name: 'scheduled_start', type: 'datetime', precision: 6, nullable: true })
  scheduledStart!: Date | null;

  @Column({ name: 'scheduled_end', type: 'datetime', precision: 6, nullable: true })
  scheduledEnd!: Date | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  location!: string | null;

  @Column({ name: 'meeting_url', type: 'varchar', length: 2048, nullable: true })
  meetingUrl!: string | null;
}
