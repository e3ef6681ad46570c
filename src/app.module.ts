import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { DomainEventPublisher } from './common/events/domain-events';
import { IdempotencyKeysRepository } from './common/idempotency/idempotency-keys.repository';
import { IDEMPOTENCY_OPTIONS } from './common/idempotency/idempotency.options';
import { OUTBOX_OPTIONS, OutboxEventsRepository } from './common/outbox/outbox-events.repository';
import { ChangeFeedModule } from './change-feed/change-feed.module';
import type { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { InterviewsModule } from './interviews/interviews.module';
import { createRootLogger, loggerParams, ROOT_LOGGER } from './logging/logging.options';
import { RateLimiter } from './rate-limit/rate-limiter';
import { TodosModule } from './todos/todos.module';
import { WorkflowsModule } from './workflows/workflows.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WEBHOOK_OPTIONS } from './webhooks/webhooks.options';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const rootLogger = createRootLogger(config.logging);
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot(loggerParams(rootLogger)),
        DatabaseModule.forRoot(config),
        AuthModule.forRoot(config.auth),
        DiscoveryModule,
        WorkflowsModule,
        InterviewsModule,
        TodosModule,
        HealthModule,
        AdminModule,
        ChangeFeedModule,
        WebhooksModule,
      ],
      providers: [
        { provide: ROOT_LOGGER, useValue: rootLogger },
        DomainEventPublisher,
        { provide: IDEMPOTENCY_OPTIONS, useValue: { ttlMs: config.idempotencyTtlMs } },
        IdempotencyKeysRepository,
        {
          provide: OUTBOX_OPTIONS,
          useValue: { retentionMs: config.eventsRetentionMs, settleMs: config.eventsSettleMs },
        },
        OutboxEventsRepository,
        { provide: WEBHOOK_OPTIONS, useValue: config.webhooks },
        {
          // installed as a Fastify hook by configureApp (every request counts, not only routes')
          provide: RateLimiter,
          useFactory: (logger: Pino) =>
            new RateLimiter(
              {
                perMinute: config.rateLimitPerMinute,
                store: config.rateLimitStore,
                failClosed: config.rateLimitFailClosed,
              },
              logger,
            ),
          inject: [ROOT_LOGGER],
        },
      ],
      exports: [
        DomainEventPublisher,
        ROOT_LOGGER,
        RateLimiter,
        IDEMPOTENCY_OPTIONS,
        IdempotencyKeysRepository,
        OUTBOX_OPTIONS,
        OutboxEventsRepository,
        WEBHOOK_OPTIONS,
      ],
    };
  }
}
