import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/roles';
import { Database } from '../common/persistence/database.service';
import type { Scope } from '../common/persistence/scope';
import { DeletionsService, LinkedKinds } from '../workflows';
import type { OrphanRepairDto, OrphansQueryDto, OrphansReportDto } from './dto/orphans.dto';
import { InvalidInputError } from '../common/errors/domain-errors';

/** Find and repair broken workflow links, for every linked kind. */
@Injectable()
export class AdminService {
  constructor(
    private readonly db: Database,
    private readonly kinds: LinkedKinds,
    private readonly deletions: DeletionsService,
  ) {}

  /**
   * The caller's organization's orphans (a link to another organization's workflow is one): per
   * linked kind, the counts and the first page of rows; with `kind`, that kind's report alone,
   * and with `cursor` its next page.
   */
  async findOrphans(scope: Scope, query: OrphansQueryDto): Promise<OrphansReportDto> {
    const names = this.kinds.all().map((rows) => rows.kind.name);
    if (query.kind !== undefined && !names.includes(query.kind)) {
      throw new InvalidInputError(`kind must be one of: ${names.join(', ')}`);
    }
    if (query.cursor !== undefined && query.kind === undefined) {
      throw new InvalidInputError('cursor needs kind: follow next from the previous answer');
    }
    const report: OrphansReportDto = {};
    for (const rows of this.kinds.all()) {
      if (query.kind !== undefined && rows.kind.name !== query.kind) continue;
      const { nextCursor, ...found } = await rows.findOrphans(scope, query.limit, query.cursor);
      const next =
        nextCursor === null
          ? null
          : `/admin/orphans?${new URLSearchParams({ kind: rows.kind.name, limit: String(query.limit), cursor: nextCursor }).toString()}`;
      report[rows.kind.name] = { ...found, next };
    }
    return report;
  }

  /** Repairs every linked kind of the caller's organization in one transaction. */
  repairOrphans(principal: Principal): Promise<OrphanRepairDto> {
    return this.db.transaction(async (tx) => {
      const at = new Date();
      // a workflow soft-deleted by hand has no deletion yet: its orphans go into the one recorded
      const recorded = await this.deletions.recordMissingDeletions(principal, tx, principal.id);
      // the rows the repair soft-deletes join their workflow's deletion, and its counts
      const added = new Map<number, Record<string, number>>();
      for (const rows of this.kinds.all()) {
        for (const { deletionId, count } of await rows.countOrphansByDeletion(principal, tx)) {
          added.set(deletionId, { ...added.get(deletionId), [rows.kind.name]: count });
        }
      }
      const repaired = await this.kinds.collect((rows) =>
        rows.repairOrphans(principal, tx, at, principal.id),
      );
      for (const [deletionId, counts] of added) {
        await this.deletions.addCounts(principal, tx, deletionId, counts);
      }
      // the deletions it recorded, with the counts of the orphans they gained; the rows it
      // changed wrote their events in repairOrphans
      await this.deletions.emitRecorded(principal, tx, recorded, principal.id, at);
      return repaired;
    }, principal);
  }
}
