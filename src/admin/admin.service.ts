import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/roles';
import { Database } from '../common/persistence/database.service';
import { LinkedKinds } from '../workflows';
import type { OrphanRepairDto, OrphansReportDto } from './dto/orphans.dto';

const MAX_LISTED_ORPHANS = 1000;

/** Find and repair broken workflow links, for every linked kind. */
@Injectable()
export class AdminService {
  constructor(
    private readonly db: Database,
    private readonly kinds: LinkedKinds,
  ) {}

  findOrphans(): Promise<OrphansReportDto> {
    return this.kinds.collect((rows) => rows.findOrphans(MAX_LISTED_ORPHANS));
  }

  /** Repairs every linked kind in one transaction. */
  repairOrphans(principal: Principal): Promise<OrphanRepairDto> {
    return this.db.transaction((tx) => {
      const at = new Date();
      return this.kinds.collect((rows) => rows.repairOrphans(tx, at, principal.id));
    });
  }
}
