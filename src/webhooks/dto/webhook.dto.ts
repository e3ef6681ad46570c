import { ApiProperty, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  Matches,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { IsOptionalNotNull, IsOptionalOrNull, IsText } from '../../common/validation/decorators';

const EVENT_TYPE = /^[a-z][a-z0-9_]*\.[a-z]+$/;
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;

export class CreateWebhookDto {
  /**
   * Where deliveries are POSTed: http or https (https only in production unless
   * WEBHOOK_ALLOW_HTTP), and a host that resolves to public addresses only (unless
   * WEBHOOK_ALLOW_PRIVATE_NETWORKS). @example "https://hooks.example.com/recruitment"
   */
  @IsText(1, 2048)
  url!: string;

  /**
   * The event types to deliver; omit (or null) for every type, including types added later.
   * @example ["workflow.deleted", "deletion.created"]
   */
  @ApiProperty({ required: false, nullable: true, type: [String], minItems: 1, maxItems: 50 })
  @IsOptionalOrNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(EVENT_TYPE, {
    each: true,
    message: 'each of types must be an event type such as workflow.deleted',
  })
  types?: string[] | null;

  /** @example "Search index sync" */
  @IsOptionalOrNull()
  @IsText(0, 500)
  description?: string | null;
}

/** Partial update: each field as on create (a new url is checked again), and `active`. */
export class UpdateWebhookDto extends PartialType(CreateWebhookDto, { skipNullProperties: false }) {
  /** false pauses deliveries (events are kept for the endpoint); true resumes them and clears a disabling. */
  @ApiProperty({ required: false, type: Boolean })
  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;
}

/** A webhook endpoint (its secret is shown only by POST /webhooks). */
export class WebhookDto {
  @ApiProperty({ type: 'integer', example: 3 })
  id!: number;

  /** @example "https://hooks.example.com/recruitment" */
  url!: string;

  /** The event types delivered; null for every type. @example ["workflow.deleted"] */
  @ApiProperty({ type: [String], nullable: true })
  types!: string[] | null;

  /** @example "Search index sync" */
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  /** false when paused (PATCH active=false) or disabled after failing for WEBHOOK_DISABLE_AFTER. */
  active!: boolean;

  /** When the service disabled the endpoint (null unless it did). */
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  disabledAt!: string | null;

  /** Why the service disabled it. @example null */
  @ApiProperty({ type: String, nullable: true, example: null })
  disabledReason!: string | null;

  /** Since when every attempt has failed (null after a success). */
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  failingSince!: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:00.000Z' })
  updatedAt!: string;
}

/** The answer to POST /webhooks: the endpoint and its signing secret, shown this once. */
export class CreatedWebhookDto extends WebhookDto {
  /**
   * The Standard Webhooks signing secret (`whsec_` + base64 of 32 random bytes): verify each
   * delivery with it. Shown only in this answer. @example "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
   */
  secret!: string;
}

export class WebhookPageDto {
  @ApiProperty({ type: WebhookDto, isArray: true })
  items!: WebhookDto[];

  /** Pass as `cursor` for the next page; null on the last. */
  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

/** One attempt of a delivery. */
export class DeliveryAttemptDto {
  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:05.120Z' })
  at!: string;

  /** The endpoint's HTTP status; null when none came (timeout, refused connection...). @example 503 */
  @ApiProperty({ type: 'integer', nullable: true })
  statusCode!: number | null;

  /** From the start of the attempt (DNS included) to the answer's status, or to the failure. @example 84 */
  @ApiProperty({ type: 'integer' })
  latencyMs!: number;

  /** Why it failed; null when delivered. @example "HTTP 503" */
  @ApiProperty({ type: String, nullable: true })
  error!: string | null;
}

/** One event (or ping) for one endpoint, and its attempts. */
export class DeliveryDto {
  @ApiProperty({ type: 'integer', example: 812 })
  id!: number;

  @ApiProperty({ type: 'integer', example: 3 })
  webhookId!: number;

  /** The outbox event's id (as in GET /events); null for a ping. @example "1043" */
  @ApiProperty({ type: String, nullable: true })
  eventId!: string | null;

  /** @example "workflow.deleted" */
  eventType!: string;

  /** The `webhook-id` header sent: the event id, or `ping-<delivery id>`. @example "1043" */
  messageId!: string;

  @ApiProperty({ enum: DELIVERY_STATES, example: 'delivered' })
  state!: (typeof DELIVERY_STATES)[number];

  /** Attempts made so far. @example 2 */
  @ApiProperty({ type: 'integer' })
  attemptCount!: number;

  /** When the next attempt is due (pending deliveries only). */
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt!: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-10-02T09:30:00.000Z' })
  createdAt!: string;

  /** The attempts, oldest first (the latest 25). */
  @ApiProperty({ type: DeliveryAttemptDto, isArray: true })
  attempts!: DeliveryAttemptDto[];
}

export class DeliveryPageDto {
  @ApiProperty({ type: DeliveryDto, isArray: true })
  items!: DeliveryDto[];

  /** Pass as `cursor` for the next page; null on the last. */
  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

/** `GET /webhooks/:id/deliveries?state=&limit=&cursor=`: newest first. */
export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiProperty({ required: false, enum: DELIVERY_STATES })
  @IsOptional()
  @IsIn(DELIVERY_STATES)
  state?: (typeof DELIVERY_STATES)[number];
}
