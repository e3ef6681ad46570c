import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/roles';
import type { Scope } from '../common/persistence/scope';
import { InvalidInputError } from '../common/errors/domain-errors';
import type { Page } from '../common/pagination/page';
import type { Row } from '../common/persistence/table-mapping';
import { toUtcIso } from '../common/validation/utc';
import { InjectLinkedRows, type LinkedRows } from '../workflows';
import type { CreateInterviewDto } from './dto/create-interview.dto';
import type { ListInterviewsQueryDto } from './dto/list-interviews-query.dto';
import type { UpdateInterviewDto } from './dto/update-interview.dto';
import type { InterviewEntity } from './entities/interview.entity';
import { INTERVIEWS } from './interviews.kind';

export type Interview = Row<InterviewEntity>;

@Injectable()
export class InterviewsService {
  constructor(@InjectLinkedRows(INTERVIEWS) private readonly rows: LinkedRows<InterviewEntity>) {}

  create(scope: Scope, dto: CreateInterviewDto): Promise<Interview> {
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
    return this.rows.create(scope, values);
  }

  list(scope: Scope, query: ListInterviewsQueryDto): Promise<Page<Interview>> {
    const { workflowId, status, limit, cursor } = query;
    return this.rows.list(scope, { workflowId, status }, limit, cursor);
  }

  get(scope: Scope, id: number): Promise<Interview> {
    return this.rows.get(scope, id);
  }

  update(scope: Scope, id: number, dto: UpdateInterviewDto): Promise<Interview> {
    const changes = {
      ...dto,
      scheduledStart: toUtcIso(dto.scheduledStart),
      scheduledEnd: toUtcIso(dto.scheduledEnd),
    };
    return this.rows.update(scope, id, changes, assertEndsAfterStart);
  }

  /** Soft-deletes one row on behalf of the caller (deletedBy is the caller's user id). */
  remove(principal: Principal, id: number, reason?: string): Promise<Interview> {
    return this.rows.remove(principal, id, principal.id, reason ?? null);
  }
}

function assertEndsAfterStart(interview: Pick<Interview, 'scheduledStart' | 'scheduledEnd'>): void {
  const { scheduledStart, scheduledEnd } = interview;
  if (scheduledStart !== null && scheduledEnd !== null && scheduledEnd <= scheduledStart) {
    throw new InvalidInputError(
      `scheduledEnd (${scheduledEnd}) must be after scheduledStart (${scheduledStart})`,
    );
  }
}
