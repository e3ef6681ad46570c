import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import type { Principal } from '../auth/roles';
import { ApiErrors, ApiIdParam, ApiSecured } from '../common/dto/api-errors.decorator';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { MAX_ID } from '../common/validation/limits';
import { ParseIdPipe } from '../common/validation/parse-id.pipe';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveryDto,
  DeliveryPageDto,
  ListDeliveriesQueryDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookPageDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const DELIVERY_ID = ApiParam({
  name: 'deliveryId',
  schema: { type: 'integer', minimum: 1, maximum: MAX_ID },
  example: 812,
});

/**
 * Webhooks (README, "Webhooks"): endpoints that receive every change of the caller's
 * organization, signed per Standard Webhooks. Role: admin; the `integration` role may read.
 * An endpoint of another organization is one that does not exist (404).
 */
@ApiTags('webhooks')
@ApiSecured()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Idempotent()
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Create a webhook endpoint',
    description:
      'Role: admin. The endpoint receives the events committed after its creation (catch up on older ones from `GET /events`), of `types` (every type when omitted), each POSTed as a Standard Webhooks message signed with `secret`, which this answer shows once and no other does. 400 for a URL that is not http(s) (or not https in production), whose host does not resolve or resolves to a loopback, private, link-local, unique-local, CGNAT or metadata address (unless WEBHOOK_ALLOW_PRIVATE_NETWORKS), for an unknown event type (the message lists the known ones) or an unknown field.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiErrors(400)
  create(
    @Body() dto: CreateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedWebhookDto> {
    return this.webhooks.create(principal, dto);
  }

  @Get()
  @RequireRole('admin', 'integration')
  @ApiOperation({
    summary: 'The webhook endpoints, keyset-paginated by id',
    description: 'Role: admin or integration. Secrets are never shown.',
  })
  @ApiOkResponse({ type: WebhookPageDto })
  @ApiErrors(400)
  list(
    @Query() query: PageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookPageDto> {
    return this.webhooks.list(principal, query);
  }

  @Get(':id')
  @RequireRole('admin', 'integration')
  @ApiOperation({
    summary: 'Get a webhook endpoint',
    description:
      'Role: admin or integration. `active` is false when paused, or disabled by the service after every attempt failed for WEBHOOK_DISABLE_AFTER (24 h by default; `disabledAt`, `disabledReason`).',
  })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  get(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDto> {
    return this.webhooks.get(principal, id);
  }

  @Patch(':id')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Change a webhook endpoint',
    description:
      'Role: admin. `url` is checked as on create; `types: null` subscribes to every type; `active: false` pauses deliveries and `active: true` resumes them (clearing a disabling): the events written meanwhile are delivered then, as long as EVENTS_RETENTION keeps them.',
  })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  update(
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: UpdateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDto> {
    return this.webhooks.update(principal, id, dto);
  }

  @Delete(':id')
  @Idempotent()
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Delete a webhook endpoint and its deliveries',
    description:
      'Role: admin. For good (no trash): the endpoint receives nothing more, and its deliveries are deleted. Answers the endpoint as it was.',
  })
  @ApiOkResponse({ type: WebhookDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  remove(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDto> {
    return this.webhooks.remove(principal, id);
  }

  @Get(':id/deliveries')
  @RequireRole('admin', 'integration')
  @ApiOperation({
    summary: "An endpoint's deliveries and their attempts, newest first",
    description:
      'Role: admin or integration. One delivery per event (or ping): its state (`pending`, `delivered`, `failed`), its attempts (time, status code, latency, error) and the time of the next one. Deliveries are kept for EVENTS_RETENTION.',
  })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  deliveries(
    @Param('id', ParseIdPipe) id: number,
    @Query() query: ListDeliveriesQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeliveryPageDto> {
    return this.webhooks.deliveries(principal, id, query);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @Idempotent()
  @RequireRole('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a delivery again, now',
    description:
      'Role: admin. Re-queues the delivery, due now, whatever its state, for one more attempt (a failed one that fails again stays failed). Answers the queued delivery; its attempt follows at once. 409 while the endpoint is not active.',
  })
  @ApiAcceptedResponse({ type: DeliveryDto })
  @ApiErrors(400, 404, 409)
  @ApiIdParam()
  @DELIVERY_ID
  retry(
    @Param('id', ParseIdPipe) id: number,
    @Param('deliveryId', ParseIdPipe) deliveryId: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeliveryDto> {
    return this.webhooks.retry(principal, id, deliveryId);
  }

  @Post(':id/ping')
  @Idempotent()
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a webhook.ping to this endpoint',
    description:
      'Role: admin. Sends a signed `webhook.ping` (`data: { webhookId }`, `webhook-id: ping-<delivery id>`) to this endpoint only, within the request (at most WEBHOOK_TIMEOUT_MS), and answers its delivery after that attempt: `delivered`, or `pending` with the error and the time of the retry. Works on an inactive endpoint too (its retries then wait for it to be enabled).',
  })
  @ApiOkResponse({ type: DeliveryDto })
  @ApiErrors(400, 404)
  @ApiIdParam()
  ping(
    @Param('id', ParseIdPipe) id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeliveryDto> {
    return this.webhooks.ping(principal, id);
  }
}
