import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/errors/domain-errors';
import { IdempotencyKeysRepository } from '../common/idempotency/idempotency-keys.repository';
import {
  OUTBOX_OPTIONS,
  OutboxEventsRepository,
  type OutboxOptions,
} from '../common/outbox/outbox-events.repository';
import {
  IDEMPOTENCY_OPTIONS,
  type IdempotencyOptions,
} from '../common/idempotency/idempotency.options';
import type { Scope } from '../common/persistence/scope';
import { WebhooksRepository } from '../webhooks/webhooks.repository';
import { DeletionsService, LinkedKinds, WorkflowsService } from '../workflows';
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
 * reports counts; the change feed's events and the webhook deliveries older than
 * EVENTS_RETENTION; and the
 * Idempotency-Keys stored longer ago than IDEMPOTENCY_TTL (whatever
 * `olderThan`). A purge acts in one organization (the caller's, for POST /admin/purge);
 * purgeAll, for the operator's CLI, runs one for each organization that has rows.
 */
@Injectable()
export class PurgeService {
  constructor(
    private readonly kinds: LinkedKinds,
    private readonly workflows: WorkflowsService,
    private readonly deletions: DeletionsService,
    private readonly keys: IdempotencyKeysRepository,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly idempotency: IdempotencyOptions,
    private readonly events: OutboxEventsRepository,
    @Inject(OUTBOX_OPTIONS) private readonly outbox: OutboxOptions,
    private readonly webhooks: WebhooksRepository,
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
      ...(await this.purgeIn(scope, cutoff, dryRun, now)),
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
    for (const id of await this.keys.organizationIds()) ids.add(id);
    for (const id of await this.events.organizationIds()) ids.add(id);
    for (const id of await this.webhooks.organizationIds()) ids.add(id);
    const organizations: PurgeAllReport['organizations'] = {};
    for (const organizationId of [...ids].sort((a, b) => a - b)) {
      organizations[organizationId] = await this.purgeIn({ organizationId }, cutoff, dryRun, now);
    }
    return { dryRun, deletedBefore: cutoff.toISOString(), organizations };
  }

  private async purgeIn(
    scope: Scope,
    cutoff: Date,
    dryRun: boolean,
    now: Date,
  ): Promise<
    {
      workflows: number;
      idempotencyKeys: number;
      events: number;
      webhookDeliveries: number;
    } & Record<string, number>
  > {
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
    // the deletions whose rows are all gone now keep their record, with purgedAt
    if (!dryRun) await this.deletions.markPurgedWhereEmpty(scope);
    const keysCutoff = new Date(now.getTime() - this.idempotency.ttlMs);
    const idempotencyKeys = await counted(
      () => this.keys.countBefore(scope, keysCutoff),
      () => this.keys.purgeBefore(scope, keysCutoff, BATCH),
    );
    const eventsCutoff = new Date(now.getTime() - this.outbox.retentionMs);
    const events = await counted(
      () => this.events.countBefore(scope, eventsCutoff),
      () => this.events.purgeBefore(scope, eventsCutoff, BATCH),
    );
    // a delivery is kept as long as the events are
    const webhookDeliveries = await counted(
      () => this.webhooks.countBefore(scope, eventsCutoff),
      () => this.webhooks.purgeBefore(scope, eventsCutoff, BATCH),
    );
    return { ...linked, workflows, idempotencyKeys, events, webhookDeliveries };
  }
}
