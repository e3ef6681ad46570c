import { PartialType } from '@nestjs/swagger';
import { CreateWorkflowDto } from './create-workflow.dto';

/** Partial update: only the fields present change; null is allowed only for description. */
export class UpdateWorkflowDto extends PartialType(CreateWorkflowDto, {
  skipNullProperties: false,
}) {}
