import { Module } from '@nestjs/common';
import { LinkedKindsModule } from '../workflows';
import { InterviewsController } from './interviews.controller';
import { INTERVIEWS } from './interviews.kind';
import { InterviewsService } from './interviews.service';

@Module({
  imports: [LinkedKindsModule.forFeature(INTERVIEWS)],
  controllers: [InterviewsController],
  providers: [InterviewsService],
})
export class InterviewsModule {}
