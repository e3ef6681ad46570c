import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One soft delete, as a record (table `deletions`): what was deleted directly (`resource`,
 * `ids`), why, by whom and when, how many rows of each kind it soft-deleted (`counts`, JSON), and
 * when it was restored or purged. Every row it soft-deleted holds its id in `deletion_id`.
 * Not soft-deletable itself: the record stays as the audit line of its rows.
 */
@Entity({ name: 'deletions' })
@Index('ix_deletions_organization_id', ['organizationId'])
@Index('ix_deletions_organization_id_resource', ['organizationId', 'resource'])
@Index('ix_deletions_organization_id_deleted_by', ['organizationId', 'deletedBy'])
export class DeletionEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'organization_id', type: 'int' })
  organizationId!: number;

  /** The kind deleted directly, named as its route: `workflows` or a linked kind's name. */
  @Column({ type: 'varchar', length: 64 })
  resource!: string;

  /** The ids deleted directly, a JSON array. */
  @Column({ type: 'text' })
  ids!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  /** Rows soft-deleted per kind, the direct ones included, a JSON object. */
  @Column({ type: 'text' })
  counts!: string;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 6 })
  deletedAt!: Date;

  @Column({ name: 'deleted_by', type: 'int', nullable: true })
  deletedBy!: number | null;

  @Column({ name: 'restored_at', type: 'datetime', precision: 6, nullable: true })
  restoredAt!: Date | null;

  @Column({ name: 'restored_by', type: 'int', nullable: true })
  restoredBy!: number | null;

  @Column({ name: 'purged_at', type: 'datetime', precision: 6, nullable: true })
  purgedAt!: Date | null;
}
