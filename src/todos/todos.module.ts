import { Module } from '@nestjs/common';
import { LinkedKindsModule } from '../workflows';
import { TodosController } from './todos.controller';
import { TODOS } from './todos.kind';
import { TodosService } from './todos.service';

@Module({
  imports: [LinkedKindsModule.forFeature(TODOS)],
  controllers: [TodosController],
  providers: [TodosService],
})
export class TodosModule {}
