import { Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/errors/domain-errors';
import { LinkedKinds, WorkflowsService } from '../workflows';
import type { PurgeReportDto } from './dto/purge.dto';

const BATCH = 1000;
const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** `30d`, `12h`, `90m` in milliseconds; anything else is a client error. */
export function parseAge(text: string): number {
  const match = /^([1-9]\d{0,5})([dhm])$/.exec(text.trim());
  if (!match) throw new InvalidInputError('olderThan must look like 30d, 12h or 90m');
  return Number(match[1]) * UNITS[match[2]];
}

/**
 * Retention: hard-deletes rows soft-deleted longer ago than a given age, the rows of every
 * linked kind before workflows, in batches of 1000 (each its own short transaction), and
 * reports counts.
 */
@Injectable()
export class PurgeService {
  constructor(
    private readonly kinds: LinkedKinds,
    private readonly workflows: WorkflowsService,
  ) {}

  async purge(olderThan: string, dryRun: boolean, now = new Date()): Promise<PurgeReportDto> {
    const cutoff = new Date(now.getTime() - parseAge(olderThan));
    const counted = async (count: () => Promise<number>, purge: () => Promise<number>) => {
      if (dryRun) return count();
      let total = 0;
      for (let deleted = await purge(); deleted > 0; deleted = await purge()) total += deleted;
      return total;
    };
    const linked = await this.kinds.collect((rows) =>
      counted(
        () => rows.countDeletedBefore(cutoff),
        () => rows.purgeDeletedBefore(cutoff, BATCH),
      ),
    );
    const workflows = await counted(
      () => this.workflows.countDeletedBefore(cutoff),
      () => this.workflows.purgeDeletedBefore(cutoff, BATCH),
    );
    return {
      dryRun,
      deletedBefore: cutoff.toISOString(),
      ...linked,
      workflows,
    };
  }
}
