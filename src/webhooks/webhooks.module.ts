import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks: the endpoints, and the dispatcher that delivers the outbox (src/common/outbox) to
 * them from within the service process (docs/webhooks.md). Exports the repository for the
 * retention purge (deliveries are kept as long as events).
 */
@Module({
  imports: [WorkflowsModule],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhookDispatcher],
  exports: [WebhooksRepository],
})
export class WebhooksModule {}
