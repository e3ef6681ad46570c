import { PartialType } from '@nestjs/swagger';
import { CreateInterviewDto } from './create-interview.dto';

/** Partial update; `workflowId: null` unlinks, another id relinks (422 unless it is active). */
export class UpdateInterviewDto extends PartialType(CreateInterviewDto, {
  skipNullProperties: false,
}) {}
