import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/roles';
import { Database } from '../common/persistence/database.service';
import { WORKFLOW_INCLUDES } from '../workflows/dto/workflow-queries.dto';
import { WorkflowLinks } from '../workflows/workflow-links';
import type { OrphanRepairDto, OrphansReportDto } from './dto/orphans.dto';

const MAX_LISTED_ORPHANS = 1000;

/** The guide's troubleshooting section as a feature: find and repair broken workflow links. */
@Injectable()
export class AdminService {
  constructor(
    private readonly db: Database,
    private readonly links: WorkflowLinks,
  ) {}

  async findOrphans(): Promise<OrphansReportDto> {
    const [interviews, todos] = await Promise.all(
      WORKFLOW_INCLUDES.map((kind) => this.links.owner(kind).findOrphans(MAX_LISTED_ORPHANS)),
    );
    return { interviews, todos };
  }

  /** Repairs interviews and todos in one transaction. */
  repairOrphans(principal: Principal): Promise<OrphanRepairDto> {
    return this.db.transaction(async (tx) => {
      const at = new Date();
      const interviews = await this.links.owner('interviews').repairOrphans(tx, at, principal.id);
      const todos = await this.links.owner('todos').repairOrphans(tx, at, principal.id);
      return { interviews, todos };
    });
  }
}
