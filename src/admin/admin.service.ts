import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/roles';
import { Database } from '../common/persistence/database.service';
import type { Scope } from '../common/persistence/scope';
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

  /** The caller's organization's orphans; a link to another organization's workflow is one. */
  findOrphans(scope: Scope): Promise<OrphansReportDto> {
    return this.kinds.collect((rows) => rows.findOrphans(scope, MAX_LISTED_ORPHANS));
  }

  /** Repairs every linked kind of the caller's organization in one transaction. */
  repairOrphans(principal: Principal): Promise<OrphanRepairDto> {
    return this.db.transaction((tx) => {
      const at = new Date();
      return this.kinds.collect((rows) => rows.repairOrphans(principal, tx, at, principal.id));
    }, principal);
  }
}
