import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Hidden } from './hidden';

/**
 * Columns every table of the service shares: the integer key, the timestamps and the
 * soft-delete columns, which are always written together (SoftDeletableRepository), and the
 * organization the row belongs to.
 * The entities describe the schema the migrations create (the schema-drift test holds them to
 * it) and, through TypeORM's metadata, the row mapping of every repository (TableMapping).
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

  /**
   * The organization the row belongs to. Every statement of SoftDeletableRepository filters on
   * it (or writes it) from the Scope it is given; the API never shows it. Each entity declares
   * its index, named after its table: `@Index('ix_<table>_organization_id', ['organizationId'])`.
   * (DEFAULT 1: see migrations/1759900000000-add-organizations.ts.)
   */
  @Column({ name: 'organization_id', type: 'int', default: 1, select: false })
  organizationId!: Hidden<number>;

  /**
   * The deletion (a row of `deletions`) that soft-deleted the row, directly or by a workflow's
   * cascade; NULL while the row is active. Restoring that deletion brings back exactly its rows.
   * Each entity declares its index, named after its table:
   * `@Index('ix_<table>_organization_id_deletion_id', ['organizationId', 'deletionId'])`.
   */
  @Column({ name: 'deletion_id', type: 'int', nullable: true, select: false })
  deletionId!: Hidden<number | null>;

  /**
   * 1 on insert, incremented by every UPDATE statement of the repositories: the row's ETag.
   * Not a property of the API's rows: TableMapping reads it under the ROW_VERSION symbol.
   */
  @Column({ name: 'version', type: 'int', default: 1, select: false })
  version!: Hidden<number>;
}
