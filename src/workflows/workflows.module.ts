import { Module } from '@nestjs/common';
import { WorkflowLinks } from './workflow-links';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsRepository } from './workflows.repository';
import { WorkflowsService } from './workflows.service';

/** Workflows (recruitment_processes). Imports neither Interviews nor Todos: they import it. */
@Module({
  controllers: [WorkflowsController],
  providers: [WorkflowsService, WorkflowsRepository, WorkflowLinks],
  exports: [WorkflowLinks, WorkflowsService],
})
export class WorkflowsModule {}
