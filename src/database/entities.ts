import { InterviewEntity } from '../interviews/entities/interview.entity';
import { TodoEntity } from '../todos/entities/todo.entity';
import { DeletionEntity } from '../workflows/deletions/deletion.entity';
import { WorkflowEntity } from '../workflows/entities/workflow.entity';

/** Every entity, for the data source; they describe the schema that the migrations create. */
export const ENTITIES = [WorkflowEntity, InterviewEntity, TodoEntity, DeletionEntity];
