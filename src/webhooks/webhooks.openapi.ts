import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  ParameterObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { ChangeEventType } from '../workflows';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** `todo.deleted` -> `TodoDeletedWebhook`. */
function schemaName(type: string): string {
  return `${type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}Webhook`;
}

function header(name: string, description: string, example: string): ParameterObject {
  return { name, in: 'header', required: true, description, schema: { type: 'string', example } };
}

/**
 * What the service sends to a webhook endpoint, in the OpenAPI document: one schema per event
 * type (`TodoDeletedWebhook`...: the Standard Webhooks body `{ type, timestamp, data }` with the
 * same `data` as the feed's event, and its example), `WebhookPingWebhook`, and a callback on
 * `POST /webhooks` that describes the request (its signature headers) and the answers that
 * count as delivered. Call after describeEventTypes (the examples come from its schemas).
 */
export function describeWebhookMessages(
  document: OpenAPIObject,
  types: readonly ChangeEventType[],
): void {
  const schemas = ((document.components ??= {}).schemas ??= {});
  const names: string[] = [];
  for (const { type, payload, description } of types) {
    const event = schemas[`${schemaName(type).replace(/Webhook$/, '')}Event`] as SchemaObject;
    const example = (event?.example as { data?: unknown } | undefined)?.data ?? {};
    schemas[schemaName(type)] = message(
      type,
      `\`${type}\`: ${description}.`,
      ref(payload),
      example,
    );
    names.push(schemaName(type));
  }
  schemas[schemaName('webhook.ping')] = message(
    'webhook.ping',
    '`webhook.ping`: sent by `POST /webhooks/{id}/ping` to that endpoint only (`webhook-id`: `ping-<delivery id>`).',
    {
      type: 'object',
      required: ['webhookId'],
      properties: { webhookId: { type: 'integer', minimum: 1, example: 3 } },
    },
    { webhookId: 3 },
  );
  names.push(schemaName('webhook.ping'));

  const create = document.paths['/webhooks']?.post;
  if (!create) return;
  create.callbacks = {
    delivery: {
      '{$request.body#/url}': {
        post: {
          operationId: 'webhookDelivery',
          tags: ['webhooks'],
          summary: 'A delivery: what the service POSTs to the endpoint, for each event',
          description:
            'Per the Standard Webhooks specification. Verify the signature (e.g. `new Webhook(secret).verify(rawBody, headers)` of the `standardwebhooks` package), then dedupe on `webhook-id`: a delivery is sent at least once, and again on every retry with the same `webhook-id`. Answer 2xx within WEBHOOK_TIMEOUT_MS (10 s) once the message is stored; anything else (a timeout, a refused connection, a 3xx: redirects are not followed, a 4xx, a 5xx) is retried after WEBHOOK_RETRY_SCHEDULE (5s, 30s, 2m, 10m, 1h, 3h, 6h, 12h, plus up to 20% of jitter), then the delivery is failed. Endpoints whose attempts all fail for WEBHOOK_DISABLE_AFTER (24 h) are disabled.',
          security: [],
          parameters: [
            header(
              'webhook-id',
              'The event id (as in `GET /events`); the same on every retry.',
              '1043',
            ),
            header(
              'webhook-timestamp',
              'Seconds since the epoch, when this attempt was signed.',
              '1759397400',
            ),
            header(
              'webhook-signature',
              '`v1,` + base64 of HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the base64-decoded secret after `whsec_`.',
              'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
            ),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: names.map((name) => ref(name)) } },
            },
          },
          responses: {
            '2XX': { description: 'Delivered: no more attempts.' },
            '4XX': { description: 'Not delivered: retried (a 4xx is not special).' },
            '5XX': { description: 'Not delivered: retried.' },
          },
        },
      },
    },
  };
}

function message(type: string, description: string, data: object, example: unknown): SchemaObject {
  return {
    description,
    type: 'object',
    required: ['type', 'timestamp', 'data'],
    properties: {
      type: { type: 'string', enum: [type] },
      timestamp: {
        type: 'string',
        format: 'date-time',
        description: 'When the event occurred (its `occurredAt` in the feed).',
      },
      data,
    },
    example: { type, timestamp: '2025-10-02T09:30:00.000Z', data: example },
  };
}
