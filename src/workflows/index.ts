/**
 * What other modules may use of the Workflows module: the extension point for linked kinds,
 * the module itself, and its service (retention). The dependency rules of .dependency-cruiser.js
 * hold every other module to this file.
 */
export * from './linked-kinds';
export { WorkflowsModule } from './workflows.module';
export { WorkflowsService } from './workflows.service';
export { DeletionsService } from './deletions/deletions.service';
export { changeEventTypes, type ChangeEventType } from './events/change-events';
