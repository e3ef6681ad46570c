import { Module } from '@nestjs/common';
import { WorkflowsModule } from '../workflows';
import { ChangeFeedController } from './change-feed.controller';
import { ChangeFeedService } from './change-feed.service';

/** `GET /events`: reads the outbox that every change writes to (src/common/outbox). */
@Module({
  imports: [WorkflowsModule],
  controllers: [ChangeFeedController],
  providers: [ChangeFeedService],
})
export class ChangeFeedModule {}
