import { defineLinkedKind } from '../workflows';
import { InterviewDto } from './dto/interview.dto';
import { InterviewEntity } from './entities/interview.entity';

/** Interviews are a kind of row linked to a workflow: soft-deleted and restored with it. */
export const INTERVIEWS = defineLinkedKind({
  name: 'interviews',
  label: 'Interview',
  event: 'interview',
  entity: InterviewEntity,
  dto: InterviewDto,
  description: 'Interviews, optionally linked to a workflow',
  exampleCount: 3,
});
