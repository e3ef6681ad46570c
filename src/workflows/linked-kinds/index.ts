/**
 * The Workflows module's extension point for kinds of rows linked to a workflow: what another
 * module may use of the Workflows module (the dependency rules of .dependency-cruiser.js hold
 * other modules to this file and src/workflows/index.ts).
 */
export { defineLinkedKind, type LinkedKind } from './linked-kind';
export { LinkedKinds } from './linked-kinds';
export {
  ApiPropertyPerLinkedKind,
  describeLinkedKinds,
  linkedKindModels,
  schemaRef,
} from './linked-kinds.openapi';
export { InjectLinkedRows, LinkedKindsModule } from './linked-kinds.module';
export { LinkedRowInputDto } from './linked-row-input.dto';
export { LinkedRows } from './linked-rows';
export type { Orphan, OrphanReason, OrphanRepair, OrphanReport } from './linked-rows.repository';
export { WorkflowLinkedEntity } from './workflow-linked.entity';
export { SoftDeleteQueryDto } from '../deletions/dto/deletion-queries.dto';
