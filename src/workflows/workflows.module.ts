import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WorkflowEntity } from './entities/workflow.entity';
import { LinkedKinds } from './linked-kinds/linked-kinds';
import { WorkflowLinks } from './workflow-links';
import { WorkflowsController } from './workflows.controller';
import { WorkflowsRepository } from './workflows.repository';
import { WorkflowsService } from './workflows.service';

/**
 * Workflows (recruitment_processes) and the extension point for the kinds of rows linked to
 * them (./linked-kinds). Imports no module that declares a kind: they import it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WorkflowEntity]), DiscoveryModule],
  controllers: [WorkflowsController],
  providers: [WorkflowsService, WorkflowsRepository, WorkflowLinks, LinkedKinds],
  exports: [WorkflowLinks, WorkflowsService, LinkedKinds],
})
export class WorkflowsModule {}
