import { Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/errors/domain-errors';
import { OutboxEventsRepository } from '../common/outbox/outbox-events.repository';
import type { Scope } from '../common/persistence/scope';
import { changeEventTypes, LinkedKinds } from '../workflows';
import type { EventPageDto, EventsQueryDto } from './dto/events.dto';

/** `GET /events`: the outbox of the caller's organization, in id order. */
@Injectable()
export class ChangeFeedService {
  constructor(
    private readonly events: OutboxEventsRepository,
    private readonly kinds: LinkedKinds,
  ) {}

  /** Every event type, derived from the linked kinds' declarations. */
  types(): string[] {
    return changeEventTypes(this.kinds.kinds()).map((t) => t.type);
  }

  async page(scope: Scope, query: EventsQueryDto): Promise<EventPageDto> {
    const types = query.types === undefined ? [] : [...new Set(query.types.split(','))];
    const known = this.types();
    const unknown = types.filter((type) => !known.includes(type));
    if (unknown.length > 0) {
      throw new InvalidInputError(
        `unknown event type ${unknown.join(', ')}; types must be among: ${known.join(', ')}`,
      );
    }
    const after = query.after ?? '0';
    const items = (await this.events.page(
      scope,
      BigInt(after),
      query.limit,
      types,
    )) as EventPageDto['items'];
    return { items, nextAfter: items.length ? items[items.length - 1].id : after };
  }
}
