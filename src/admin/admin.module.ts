import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows/workflows.module';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { PurgeService } from './purge.service';

/** Maintenance routes; reaches interviews and todos only through the WorkflowLinks port. */
@Module({
  imports: [WorkflowsModule],
  controllers: [AdminController],
  providers: [AdminService, PurgeService],
  exports: [PurgeService],
})
export class AdminModule {}
