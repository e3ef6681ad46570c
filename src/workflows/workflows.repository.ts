import { Injectable } from '@nestjs/common';
import { Database, type Transaction } from '../common/persistence/database.service';
import type { Scope } from '../common/persistence/scope';
import { SoftDeletableRepository } from '../common/persistence/soft-deletable.repository';
import { WorkflowEntity } from './entities/workflow.entity';

@Injectable()
export class WorkflowsRepository extends SoftDeletableRepository<WorkflowEntity> {
  constructor(db: Database) {
    super(db, WorkflowEntity);
  }

  /**
   * Writes (and so locks) an active workflow's row of the scope's organization for a link;
   * answers false when there is none (deleted, missing, or another organization's).
   */
  async bumpLinkVersion(scope: Scope, tx: Transaction, id: number): Promise<boolean> {
    const { where, params } = this.scoped(scope, 'id = ? AND is_deleted = 0', id);
    const { affected } = await tx.execute(
      // updated_at = updated_at: linking a child does not change the workflow as clients see it
      `UPDATE ${this.table} SET link_version = link_version + 1, updated_at = updated_at, version = version + 1 WHERE ${where}`,
      params,
    );
    return affected > 0;
  }
}
