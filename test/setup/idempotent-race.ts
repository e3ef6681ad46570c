import { randomBytes } from 'node:crypto';
import type { AppProcess } from './app-process';
import { adminHeaders } from './auth';

export interface RaceAnswer {
  status: number;
  replayed: boolean;
  retryAfter: string | null;
  body: string;
}

/**
 * Sends `copies` copies of one request with one Idempotency-Key at once, spread over the replicas
 * in turn, as a client that timed out and retried (or several of its threads) would. A copy
 * answered 409 (the first still running) is sent again after its Retry-After, as the README tells
 * clients to, until every copy has an answer that is not 409. Answers every answer, the 409s
 * included, in the order they arrived.
 */
export async function raceOneRequest(
  apps: AppProcess[],
  method: string,
  path: string,
  body?: object,
  copies = 10,
): Promise<RaceAnswer[]> {
  const key = `race-${randomBytes(8).toString('hex')}`;
  const answers: RaceAnswer[] = [];
  const send = async (app: AppProcess): Promise<void> => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: adminHeaders({
          'idempotency-key': key,
          ...(body ? { 'content-type': 'application/json' } : {}),
        }),
        body: body ? JSON.stringify(body) : undefined,
      });
      const answer: RaceAnswer = {
        status: res.status,
        replayed: res.headers.get('idempotent-replayed') === 'true',
        retryAfter: res.headers.get('retry-after'),
        body: await res.text(),
      };
      answers.push(answer);
      if (res.status !== 409) return;
      await new Promise((resolve) => setTimeout(resolve, Number(answer.retryAfter ?? 1) * 1000));
    }
  };
  await Promise.all(Array.from({ length: copies }, (_, i) => send(apps[i % apps.length])));
  return answers;
}

/**
 * What ten copies of one request must come to: one answer that ran (not replayed), the others
 * either that same answer replayed (same status and body) or 409 with Retry-After.
 */
export function expectOneEffect(answers: RaceAnswer[], status: number): void {
  const final = answers.filter((a) => a.status !== 409);
  const ran = final.filter((a) => !a.replayed);
  expect(ran.map((a) => a.status)).toEqual([status]);
  for (const answer of final) expect([answer.status, answer.body]).toEqual([status, ran[0].body]);
  for (const answer of answers.filter((a) => a.status === 409)) {
    expect(answer.retryAfter).toBe('1');
  }
}
