import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkflowsModule } from '../workflows';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { PurgeService } from './purge.service';

/** Maintenance routes; reaches the linked kinds only through the Workflows module's LinkedKinds. */
@Module({
  imports: [WorkflowsModule, WebhooksModule],
  controllers: [AdminController],
  providers: [AdminService, PurgeService],
  exports: [PurgeService],
})
export class AdminModule {}
