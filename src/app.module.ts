import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { DomainEventPublisher } from './common/events/domain-events';
import type { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { InterviewsModule } from './interviews/interviews.module';
import { createRootLogger, loggerParams, ROOT_LOGGER } from './logging/logging.options';
import { TodosModule } from './todos/todos.module';
import { WorkflowsModule } from './workflows/workflows.module';

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
        ThrottlerModule.forRoot({
          throttlers: [{ ttl: 60_000, limit: config.rateLimitPerMinute }],
        }),
        WorkflowsModule,
        InterviewsModule,
        TodosModule,
        HealthModule,
        AdminModule,
      ],
      providers: [
        { provide: ROOT_LOGGER, useValue: rootLogger },
        DomainEventPublisher,
        // RATE_LIMIT_PER_MINUTE=0 leaves the guard out altogether rather than running it to skip
        ...(config.rateLimitPerMinute > 0
          ? [{ provide: APP_GUARD, useClass: ThrottlerGuard }]
          : []),
      ],
      exports: [DomainEventPublisher, ROOT_LOGGER],
    };
  }
}
