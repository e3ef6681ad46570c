import { Injectable, OnModuleInit } from '@nestjs/common';
import { InvalidInputError } from '../common/errors/domain-errors';
import { toUtcIso, WorkflowLinkedService } from '../common/linked-rows/workflow-linked.service';
import { Database } from '../common/persistence/database.service';
import { WorkflowLinks } from '../workflows/workflow-links';
import type { CreateInterviewDto } from './dto/create-interview.dto';
import type { InterviewDto } from './dto/interview.dto';
import type { UpdateInterviewDto } from './dto/update-interview.dto';
import { InterviewsRepository } from './interviews.repository';

@Injectable()
export class InterviewsService extends WorkflowLinkedService<InterviewDto> implements OnModuleInit {
  constructor(
    db: Database,
    interviews: InterviewsRepository,
    private readonly links: WorkflowLinks,
  ) {
    super(db, interviews, links, 'Interview');
  }

  onModuleInit(): void {
    this.links.register('interviews', this);
  }

  create(dto: CreateInterviewDto): Promise<InterviewDto> {
    const values = {
      workflowId: dto.workflowId ?? null,
      title: dto.title,
      description: dto.description ?? null,
      candidateId: dto.candidateId,
      recruiterId: dto.recruiterId,
      status: dto.status ?? 'scheduled',
      scheduledStart: toUtcIso(dto.scheduledStart) ?? null,
      scheduledEnd: toUtcIso(dto.scheduledEnd) ?? null,
      location: dto.location ?? null,
      meetingUrl: dto.meetingUrl ?? null,
    };
    assertEndsAfterStart(values);
    return this.createRow(values);
  }

  update(id: number, dto: UpdateInterviewDto): Promise<InterviewDto> {
    const changes = {
      ...dto,
      scheduledStart: toUtcIso(dto.scheduledStart),
      scheduledEnd: toUtcIso(dto.scheduledEnd),
    };
    return this.updateRow(id, changes, assertEndsAfterStart);
  }
}

function assertEndsAfterStart(
  interview: Pick<InterviewDto, 'scheduledStart' | 'scheduledEnd'>,
): void {
  const { scheduledStart, scheduledEnd } = interview;
  if (scheduledStart !== null && scheduledEnd !== null && scheduledEnd <= scheduledStart) {
    throw new InvalidInputError(
      `scheduledEnd (${scheduledEnd}) must be after scheduledStart (${scheduledStart})`,
    );
  }
}
