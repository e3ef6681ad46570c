import { Injectable } from '@nestjs/common';
import { Database } from '../common/persistence/database.service';
import { WorkflowLinkedRepository } from '../common/linked-rows/workflow-linked.repository';
import { softDeletableFields, TableMapping } from '../common/persistence/table-mapping';
import type { InterviewDto } from './dto/interview.dto';

const INTERVIEWS = new TableMapping<InterviewDto>(
  'interviews',
  softDeletableFields({
    workflowId: { column: 'workflow_id', type: 'int' },
    title: { column: 'title', type: 'string' },
    description: { column: 'description', type: 'string' },
    candidateId: { column: 'candidate_id', type: 'int' },
    recruiterId: { column: 'recruiter_id', type: 'int' },
    status: { column: 'status', type: 'string' },
    scheduledStart: { column: 'scheduled_start', type: 'timestamp' },
    scheduledEnd: { column: 'scheduled_end', type: 'timestamp' },
    location: { column: 'location', type: 'string' },
    meetingUrl: { column: 'meeting_url', type: 'string' },
  }),
);

@Injectable()
export class InterviewsRepository extends WorkflowLinkedRepository<InterviewDto> {
  constructor(db: Database) {
    super(db, INTERVIEWS);
  }
}
