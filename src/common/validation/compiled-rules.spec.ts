import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { PurgeRequestDto } from '../../admin/dto/purge.dto';
import { OrphansQueryDto } from '../../admin/dto/orphans.dto';
import { EventsQueryDto } from '../../change-feed/dto/events.dto';
import { CreateInterviewDto } from '../../interviews/dto/create-interview.dto';
import { ListInterviewsQueryDto } from '../../interviews/dto/list-interviews-query.dto';
import { UpdateInterviewDto } from '../../interviews/dto/update-interview.dto';
import { CreateTodoDto } from '../../todos/dto/create-todo.dto';
import { ListTodosQueryDto } from '../../todos/dto/list-todos-query.dto';
import { UpdateTodoDto } from '../../todos/dto/update-todo.dto';
import {
  CreateWebhookDto,
  ListDeliveriesQueryDto,
  UpdateWebhookDto,
} from '../../webhooks/dto/webhook.dto';
import { CreateWorkflowDto } from '../../workflows/dto/create-workflow.dto';
import { UpdateWorkflowDto } from '../../workflows/dto/update-workflow.dto';
import {
  GetWorkflowQueryDto,
  ListWorkflowsQueryDto,
} from '../../workflows/dto/workflow-queries.dto';
import {
  DeleteWorkflowQueryDto,
  ListDeletionsQueryDto,
  SoftDeleteQueryDto,
} from '../../workflows/deletions/dto/deletion-queries.dto';
import { compiledRulesOf, passes } from './compiled-rules';
import { copiedAsTheyAre, plainInstance, transformsOf } from './plain-instance';
import { MAX_ERROR_MESSAGES_LENGTH, StrictValidationPipe } from './strict-validation.pipe';

type Class = new () => object;

const BODIES: Class[] = [
  CreateTodoDto,
  UpdateTodoDto,
  CreateInterviewDto,
  UpdateInterviewDto,
  CreateWorkflowDto,
  UpdateWorkflowDto,
  CreateWebhookDto,
  UpdateWebhookDto,
  PurgeRequestDto,
];
const QUERIES: Class[] = [
  ListTodosQueryDto,
  ListInterviewsQueryDto,
  ListWorkflowsQueryDto,
  GetWorkflowQueryDto,
  SoftDeleteQueryDto,
  DeleteWorkflowQueryDto,
  ListDeletionsQueryDto,
  EventsQueryDto,
  OrphansQueryDto,
  ListDeliveriesQueryDto,
];

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/** The values a field is tried with: right and wrong for every kind of field the DTOs have. */
const BODY_VALUES: unknown[] = [
  null,
  '',
  'ab',
  'x'.repeat(256),
  'bad \ud800',
  'pending',
  'completed',
  'done',
  'scheduled',
  'cancelled',
  'active',
  'archived',
  'todos',
  '2025-10-02T09:30:00.000Z',
  '2025-10-02T09:30:00+02:00',
  '2025-02-30T09:30:00Z',
  '30d',
  'https://example.com/hook',
  0,
  1,
  2,
  -1,
  1.5,
  2 ** 31,
  true,
  false,
];
const QUERY_VALUES: unknown[] = [
  '',
  '1',
  '20',
  '0',
  '101',
  '1.5',
  'abc',
  'true',
  'false',
  'pending',
  'completed',
  'todos',
  'interviews,todos',
  '2025-10-02T09:30:00.000Z',
];

/** A valid value of the DTOs that need more than a field or two. */
const VALID: Record<string, Record<string, unknown>> = {
  CreateTodoDto: { title: 'ab', ownerId: 1, workflowId: 1 },
  CreateInterviewDto: { title: 'ab', candidateId: 1, recruiterId: 2 },
  CreateWorkflowDto: { name: 'ab' },
  CreateWebhookDto: { url: 'https://example.com/hook' },
};

/** A fixed sequence, so that a failure can be repeated. */
function randomFrom(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** The names that have rules (own and inherited), as class-validator's whitelist knows them. */
function fieldsOf(target: Class): string[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(
    target,
    undefined as unknown as string,
    false,
    false,
  );
  return [...new Set(rules.map((rule) => rule.propertyName))];
}

function samples(target: Class, values: unknown[], seed: number): Record<string, unknown>[] {
  const random = randomFrom(seed);
  const fields = fieldsOf(target);
  const out: Record<string, unknown>[] = [{}];
  for (let i = 0; i < 600; i++) {
    // half of them from a valid body, with a few fields changed
    const sample: Record<string, unknown> = i % 2 === 0 ? {} : { ...VALID[target.name] };
    for (const field of fields) {
      if (random() < (i % 2 === 0 ? 0.6 : 0.15)) {
        sample[field] = values[Math.floor(random() * values.length)];
      }
    }
    if (random() < 0.05) sample.unknownField = 1;
    out.push(sample);
  }
  return out;
}

const reference = new ValidationPipe({
  ...OPTIONS,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validationError: { target: false, value: false },
  maxErrorMessagesLength: MAX_ERROR_MESSAGES_LENGTH,
});

async function outcome(
  run: () => unknown,
): Promise<{ value?: unknown; type?: unknown; error?: unknown }> {
  try {
    const value = await run();
    return { value, type: (value as object)?.constructor };
  } catch (error) {
    if (error instanceof BadRequestException) return { error: error.getResponse() };
    throw error;
  }
}

describe('compiled rules: the fast path of StrictValidationPipe', () => {
  const pipe = new StrictValidationPipe();

  it.each([
    ...BODIES.map((c) => ['body', c] as const),
    ...QUERIES.map((c) => ['query', c] as const),
  ])('answers as Nest ValidationPipe does, %s %p', async (type, target) => {
    const values = type === 'body' ? BODY_VALUES : QUERY_VALUES;
    const metadata: ArgumentMetadata = { type, metatype: target };
    let valid = 0;
    for (const sample of samples(target, values, target.name.length)) {
      const expected = await outcome(() => reference.transform(structuredClone(sample), metadata));
      const actual = await outcome(() => pipe.transform(structuredClone(sample), metadata));
      expect({ sample, ...actual }).toStrictEqual({ sample, ...expected });
      if (expected.value !== undefined) valid++;
    }
    // the samples reach both answers
    expect(valid).toBeGreaterThan(0);
  });

  it('agrees with class-validator on which instances pass, for the write bodies', () => {
    for (const target of BODIES) {
      const compiled = compiledRulesOf(target);
      if (compiled === null) continue;
      for (const sample of samples(target, BODY_VALUES, 7)) {
        const instance = plainToInstance(target, sample);
        expect({ target: target.name, sample, passes: passes(compiled, instance) }).toEqual({
          target: target.name,
          sample,
          passes: validateSync(instance, OPTIONS).length === 0,
        });
      }
    }
  });

  it('compiles the rules of the todos and interviews bodies, so that a valid write skips ValidationPipe', async () => {
    for (const target of [CreateTodoDto, UpdateTodoDto, CreateInterviewDto, UpdateInterviewDto]) {
      expect(compiledRulesOf(target)).not.toBeNull();
    }
    const spy = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      const todo = await pipe.transform(
        { title: 'ab', ownerId: 1, workflowId: 1 },
        { type: 'body', metatype: CreateTodoDto },
      );
      expect(todo).toBeInstanceOf(CreateTodoDto);
      expect(todo).toEqual(
        Object.assign(new CreateTodoDto(), { title: 'ab', ownerId: 1, workflowId: 1 }),
      );
      await pipe.transform({ status: 'completed' }, { type: 'body', metatype: UpdateInterviewDto });
      expect(spy).not.toHaveBeenCalled();
      // an invalid body still goes to ValidationPipe, which words the 400
      await expect(
        pipe.transform({ title: 'ab', ownerId: 0 }, { type: 'body', metatype: CreateTodoDto }),
      ).rejects.toThrow(BadRequestException);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('copies a flat value as plainToInstance does, where no class-transformer decorator applies', () => {
    let copied = 0;
    for (const target of [...BODIES, ...QUERIES]) {
      if (!copiedAsTheyAre(target, fieldsOf(target))) continue;
      copied++;
      for (const sample of samples(target, BODY_VALUES, 3)) {
        expect(plainInstance(target, sample)).toStrictEqual(
          plainToInstance(target, sample, { enableImplicitConversion: false }),
        );
      }
    }
    expect(copied).toBeGreaterThan(0);
    // the query DTOs turn their texts into numbers and booleans: class-transformer's to do
    expect(
      copiedAsTheyAre(ListTodosQueryDto, compiledRulesOf(ListTodosQueryDto)?.known ?? []),
    ).toBe(false);
    expect(copiedAsTheyAre(CreateTodoDto, compiledRulesOf(CreateTodoDto)!.known)).toBe(true);
  });

  it('builds a flat query as plainToInstance does, through its @Transform functions', () => {
    let transformed = 0;
    for (const target of QUERIES) {
      const transforms = transformsOf(target, fieldsOf(target));
      if (transforms === null || copiedAsTheyAre(target, fieldsOf(target))) continue;
      transformed++;
      for (const sample of samples(target, QUERY_VALUES, 5)) {
        expect(plainInstance(target, sample, transforms)).toStrictEqual(
          plainToInstance(target, sample, { enableImplicitConversion: false }),
        );
      }
    }
    // the list queries (ToInteger, ToBoolean) and include= (ToList) at least
    expect(transformed).toBeGreaterThanOrEqual(3);
  });

  it('agrees with class-validator on which instances pass, for the queries (include= checks each name)', () => {
    let compiledQueries = 0;
    for (const target of QUERIES) {
      const compiled = compiledRulesOf(target);
      if (compiled === null) continue;
      compiledQueries++;
      for (const sample of samples(target, QUERY_VALUES, 11)) {
        const instance = plainToInstance(target, sample, { enableImplicitConversion: false });
        expect({ target: target.name, sample, passes: passes(compiled, instance) }).toEqual({
          target: target.name,
          sample,
          passes: validateSync(instance, OPTIONS).length === 0,
        });
      }
    }
    expect(compiledQueries).toBe(QUERIES.length);
  });

  it('answers a valid list or include= query without ValidationPipe', async () => {
    const spy = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      const page = await pipe.transform(
        { limit: '20', status: 'active' },
        { type: 'query', metatype: ListWorkflowsQueryDto },
      );
      expect(page).toEqual(
        Object.assign(new ListWorkflowsQueryDto(), { limit: 20, status: 'active' }),
      );
      const get = await pipe.transform(
        { include: 'interviews, todos' },
        { type: 'query', metatype: GetWorkflowQueryDto },
      );
      expect(get).toEqual(
        Object.assign(new GetWorkflowQueryDto(), { include: ['interviews', 'todos'] }),
      );
      expect(spy).not.toHaveBeenCalled();
      // a wrong one still goes to ValidationPipe, which words the 400
      await expect(
        pipe.transform({ limit: '0' }, { type: 'query', metatype: ListWorkflowsQueryDto }),
      ).rejects.toThrow(BadRequestException);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
