import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * Columns every table of the service shares: the integer key, the timestamps and the two
 * soft-delete columns, which are always written together (see soft-delete.sql.ts).
 * The entities only describe the schema the migrations create; the schema-drift test holds
 * them to it. Reads and writes go through SoftDeletableRepository.
 */
export abstract class SoftDeletableEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id!: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 6 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 6 })
  updatedAt!: Date;

  @Column({ name: 'is_deleted', type: 'boolean', width: 1, default: false })
  isDeleted!: boolean;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 6, nullable: true })
  deletedAt!: Date | null;

  /** The user id that soft-deleted the row, directly or by a workflow's cascade. */
  @Column({ name: 'deleted_by', type: 'int', nullable: true })
  deletedBy!: number | null;
}

/** Rows that may belong to a workflow and are soft-deleted with it (Interviews, Todos). */
export abstract class WorkflowLinkedEntity extends SoftDeletableEntity {
  /** 1 when the workflow's cascading soft delete deleted this row; its restore brings it back. */
  @Column({ name: 'deleted_with_workflow', type: 'boolean', width: 1, default: false })
  deletedWithWorkflow!: boolean;
}
