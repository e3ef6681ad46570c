import { Injectable } from '@nestjs/common';
import { Database } from '../common/persistence/database.service';
import { SoftDeletableRepository } from '../common/persistence/soft-deletable.repository';
import { softDeletableFields, TableMapping } from '../common/persistence/table-mapping';
import type { WorkflowDto } from './dto/workflow.dto';

const WORKFLOWS = new TableMapping<WorkflowDto>(
  'recruitment_processes',
  softDeletableFields({
    name: { column: 'name', type: 'string' },
    description: { column: 'description', type: 'string' },
    status: { column: 'status', type: 'string' },
    createdBy: { column: 'created_by', type: 'int' },
  }),
);

@Injectable()
export class WorkflowsRepository extends SoftDeletableRepository<WorkflowDto> {
  constructor(db: Database) {
    super(db, WORKFLOWS);
  }
}
