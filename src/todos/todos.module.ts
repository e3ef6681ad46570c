import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows/workflows.module';
import { RestoreTodosWhenWorkflowRestoredListener } from './listeners/restore-todos-when-workflow-restored.listener';
import { SoftDeleteTodosWhenWorkflowSoftDeletedListener } from './listeners/soft-delete-todos-when-workflow-soft-deleted.listener';
import { TodosController } from './todos.controller';
import { TodosRepository } from './todos.repository';
import { TodosService } from './todos.service';

@Module({
  imports: [WorkflowsModule],
  controllers: [TodosController],
  providers: [
    TodosService,
    TodosRepository,
    SoftDeleteTodosWhenWorkflowSoftDeletedListener,
    RestoreTodosWhenWorkflowRestoredListener,
  ],
})
export class TodosModule {}
