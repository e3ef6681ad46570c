import { Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/errors/domain-errors';
import type { Scope } from '../common/persistence/scope';
import { LinkedKinds, WorkflowsService } from '../workflows';
import type { PurgeReportDto } from './dto/purge.dto';

/** What `npm run purge` reports: the counts of each organization, by organization id. */
export interface PurgeAllReport {
  dryRun: boolean;
  deletedBefore: string;
  organizations: Record<string, Omit<PurgeReportDto, 'dryRun' | 'deletedBefore'>>;
}

const BATCH = 1000;
const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** `30d`, `12h`, `90m` in milliseconds; anything else is a client error. */
export function parseAge(text: string): number {
  if (/^0+[dhm]$/.test(text.trim()))
    throw new InvalidInputError('olderThan must be a positive age, such as 30d, 12h or 90m');
  const match = /^([1-9]\d{0,5})([dhm])$/.exec(text.trim());
  if (!match) throw new InvalidInputError('olderThan must look like 30d, 12h or 90m');
  return Number(match[1]) * UNITS[match[2]];
}

/**
 * Retention: hard-deletes rows soft-deleted longer ago than a given age, the rows of every
 * linked kind before workflows, in batches of 1000 (each its own short transaction), and
 * reports counts. A purge acts in one organization (the caller's, for POST /admin/purge);
 * purgeAll, for the operator's CLI, runs one for each organization that has rows.
 */
@Injectable()
export class PurgeService {
  constructor(
    private readonly kinds: LinkedKinds,
    private readonly workflows: WorkflowsService,
  ) {}

  async purge(
    scope: Scope,
    olderThan: string,
    dryRun: boolean,
    now = new Date(),
  ): Promise<PurgeReportDto> {
    const cutoff = new Date(now.getTime() - parseAge(olderThan));
    return {
      dryRun,
      deletedBefore: cutoff.toISOString(),
      ...(await this.purgeIn(scope, cutoff, dryRun)),
    };
  }

  /**
   * Every organization in turn (those with rows in any table, in id order), each as `purge`
   * would: the one path that crosses organizations, for `npm run purge`.
   */
  async purgeAll(olderThan: string, dryRun: boolean, now = new Date()): Promise<PurgeAllReport> {
    const cutoff = new Date(now.getTime() - parseAge(olderThan));
    const ids = new Set(await this.workflows.organizationIds());
    for (const rows of this.kinds.all()) {
      for (const id of await rows.organizationIds()) ids.add(id);
    }
    const organizations: PurgeAllReport['organizations'] = {};
    for (const organizationId of [...ids].sort((a, b) => a - b)) {
      organizations[organizationId] = await this.purgeIn({ organizationId }, cutoff, dryRun);
    }
    return { dryRun, deletedBefore: cutoff.toISOString(), organizations };
  }

  private async purgeIn(
    scope: Scope,
    cutoff: Date,
    dryRun: boolean,
  ): Promise<{ workflows: number } & Record<string, number>> {
    const counted = async (count: () => Promise<number>, purge: () => Promise<number>) => {
      if (dryRun) return count();
      let total = 0;
      for (let deleted = await purge(); deleted > 0; deleted = await purge()) total += deleted;
      return total;
    };
    const linked = await this.kinds.collect((rows) =>
      counted(
        () => rows.countDeletedBefore(scope, cutoff),
        () => rows.purgeDeletedBefore(scope, cutoff, BATCH),
      ),
    );
    const workflows = await counted(
      () => this.workflows.countDeletedBefore(scope, cutoff),
      () => this.workflows.purgeDeletedBefore(scope, cutoff, BATCH),
    );
    return { ...linked, workflows };
  }
}
