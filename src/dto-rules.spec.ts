/** The validation decorators of common/validation, as the feature modules' DTOs use them. */
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateInterviewDto } from './interviews/dto/create-interview.dto';
import { ListTodosQueryDto } from './todos/dto/list-todos-query.dto';
import { UpdateTodoDto } from './todos/dto/update-todo.dto';

const errorsOf = <T extends object>(cls: new () => T, plain: object) =>
  validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true }).map(
    (e) => e.property,
  );

const interview = { title: 'Technical', candidateId: 1, recruiterId: 2 };

describe('DTO rules', () => {
  it.each([
    '2025-10-02T09:30:00Z',
    '2025-10-02T09:30:00.123Z',
    '2025-10-02T09:30:00+09:00',
    '2025-10-02T09:30Z',
  ])('accepts the timestamp %s', (scheduledStart) => {
    expect(errorsOf(CreateInterviewDto, { ...interview, scheduledStart })).toEqual([]);
  });

  it.each([
    '2025-10-02T09:30:00',
    '2025-10-02',
    '2025-02-30T09:30:00Z',
    '0999-12-31T23:59:59Z',
    '10000-01-01T00:00:00Z',
    'yesterday',
    1759397400000,
  ])('rejects the timestamp %s', (scheduledStart) => {
    expect(errorsOf(CreateInterviewDto, { ...interview, scheduledStart })).toEqual([
      'scheduledStart',
    ]);
  });

  it('rejects text with a lone surrogate, which the drivers would silently replace', () => {
    expect(errorsOf(CreateInterviewDto, { ...interview, title: 'bad \ud800' })).toEqual(['title']);
    expect(errorsOf(CreateInterviewDto, { ...interview, title: 'ok 🚀' })).toEqual([]);
  });

  it('on PATCH, treats null as a value: allowed where the column is nullable, rejected where it is not', () => {
    expect(errorsOf(UpdateTodoDto, { description: null, workflowId: null, dueDate: null })).toEqual(
      [],
    );
    expect(errorsOf(UpdateTodoDto, { title: null })).toEqual(['title']);
    expect(errorsOf(UpdateTodoDto, { ownerId: null })).toEqual(['ownerId']);
    expect(errorsOf(UpdateTodoDto, { status: null })).toEqual(['status']);
  });

  it('reads integer query parameters strictly', () => {
    const ok = plainToInstance(ListTodosQueryDto, { limit: '5', ownerId: '7' });
    expect(ok).toMatchObject({ limit: 5, ownerId: 7 });
    for (const ownerId of ['7.5', '1e3', '0x10', ' 7', '', '-1', '99999999999']) {
      expect(errorsOf(ListTodosQueryDto, { ownerId })).toEqual(['ownerId']);
    }
  });
});
