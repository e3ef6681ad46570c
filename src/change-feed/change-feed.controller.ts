import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/roles';
import { ApiErrors, ApiSecured } from '../common/dto/api-errors.decorator';
import { ChangeFeedService } from './change-feed.service';
import { EventPageDto, EventsQueryDto } from './dto/events.dto';

/** The change feed: the transactional outbox of the caller's organization (README, "Consuming changes"). */
@ApiTags('events')
@ApiSecured()
@Controller('events')
export class ChangeFeedController {
  constructor(private readonly feed: ChangeFeedService) {}

  @Get()
  @RequireRole('admin', 'integration')
  @ApiOperation({
    summary: 'The change feed: events after an id, in id order',
    description:
      'Role: admin or integration (a read-only role allowed this route only). Every change (to workflows, each linked kind and deletions) writes its events in its own transaction; a rolled-back change writes none, and a cascade writes one `deletion.created` whatever it reached. Poll with `after` = the last id processed (`nextAfter`): no event is ever skipped, even one whose transaction commits after a later id was taken (see README, "Consuming changes"); dedupe on `id`. Events are kept for EVENTS_RETENTION (30 days by default). 400 for a malformed `after`, `limit` or `types`, or an unknown type.',
  })
  @ApiOkResponse({ type: EventPageDto })
  @ApiErrors(400)
  page(
    @Query() query: EventsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EventPageDto> {
    return this.feed.page(principal, query);
  }
}
