import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeletionEntity } from './deletions/deletion.entity';
import { DeletionsController } from './deletions/deletions.controller';
import { DeletionsRepository } from './deletions/deletions.repository';
import { DeletionsService } from './deletions/deletions.service';
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
  imports: [TypeOrmModule.forFeature([WorkflowEntity, DeletionEntity]), DiscoveryModule],
  controllers: [WorkflowsController, DeletionsController],
  providers: [
    WorkflowsService,
    WorkflowsRepository,
    WorkflowLinks,
    LinkedKinds,
    DeletionsRepository,
    DeletionsService,
  ],
  exports: [WorkflowLinks, WorkflowsService, LinkedKinds, DeletionsRepository, DeletionsService],
})
export class WorkflowsModule {}
