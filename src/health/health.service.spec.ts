import type { ArgumentsHost } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import type { DataSource } from 'typeorm';
import { ErrorShapeFilter } from '../common/errors/error-shape.filter';
import type { Database } from '../common/persistence/database.service';
import { HealthService } from './health.service';

/** A database whose every statement fails as the driver would. */
function failingDatabase(message: string): Database {
  return {
    read: (work: () => Promise<unknown>) => work(),
    select: () => Promise.reject(Object.assign(new Error(message), { code: 'ECONNREFUSED' })),
  } as unknown as Database;
}

/** What the error filter answers for the health check's error, and what it logs. */
async function answerAndLog(message: string) {
  const noMigrations = { migrations: [], options: {} } as unknown as DataSource;
  const error = await new HealthService(failingDatabase(message), noMigrations).check().then(
    () => undefined,
    (err: unknown) => err,
  );
  const logged: string[] = [];
  const logger = { warn: (_o: object, m: string) => logged.push(m), error: () => undefined };
  const reply = {
    statusCode: 0,
    body: undefined as unknown,
    header: () => reply,
    status: (code: number) => ((reply.statusCode = code), reply),
    send: (body: unknown) => (reply.body = body),
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => ({ id: 'req-1' }) }),
  } as unknown as ArgumentsHost;
  new ErrorShapeFilter(logger as unknown as Pino).catch(error, host);
  return { status: reply.statusCode, body: reply.body, logged };
}

describe('HealthService', () => {
  it.each([
    'connect ECONNREFUSED 127.0.0.1:3399',
    "Access denied for user 'app'@'10.0.0.5' (using password: YES)",
  ])('answers 503 with a fixed message for "%s", and logs the detail', async (detail) => {
    const { status, body, logged } = await answerAndLog(detail);
    expect(status).toBe(503);
    expect(body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The database is unavailable; retry the request later.',
    });
    expect(logged).toEqual([expect.stringContaining(detail)]);
  });
});
