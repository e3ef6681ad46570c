import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows/workflows.module';
import { InterviewsController } from './interviews.controller';
import { InterviewsRepository } from './interviews.repository';
import { InterviewsService } from './interviews.service';
import { RestoreInterviewsWhenWorkflowRestoredListener } from './listeners/restore-interviews-when-workflow-restored.listener';
import { SoftDeleteInterviewsWhenWorkflowSoftDeletedListener } from './listeners/soft-delete-interviews-when-workflow-soft-deleted.listener';

@Module({
  imports: [WorkflowsModule],
  controllers: [InterviewsController],
  providers: [
    InterviewsService,
    InterviewsRepository,
    SoftDeleteInterviewsWhenWorkflowSoftDeletedListener,
    RestoreInterviewsWhenWorkflowRestoredListener,
  ],
})
export class InterviewsModule {}
