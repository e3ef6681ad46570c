import { expectErrorShape } from './setup/fixtures';
import { describeLinkedResourceRoutes } from './setup/linked-resource-suite';
import { startTestApp, type TestApp } from './setup/test-app';

describe('Interviews (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('interviews');
  });

  afterAll(async () => {
    await t?.close();
  });

  describeLinkedResourceRoutes(
    {
      path: '/interviews',
      table: 'interviews',
      name: 'Interview',
      minimal: { title: 'Technical interview', candidateId: 456, recruiterId: 789 },
      full: {
        title: 'Technical interview',
        description: 'Pairing, 60 minutes',
        candidateId: 456,
        recruiterId: 789,
        status: 'completed',
        scheduledStart: '2025-10-02T09:30:00.000Z',
        scheduledEnd: '2025-10-02T10:30:00.000Z',
        location: 'Room 4.12',
        meetingUrl: 'https://meet.example.com/abc',
      },
      defaults: {
        workflowId: null,
        title: 'Technical interview',
        description: null,
        candidateId: 456,
        recruiterId: 789,
        status: 'scheduled',
        scheduledStart: null,
        scheduledEnd: null,
        location: null,
        meetingUrl: null,
      },
      statuses: ['scheduled', 'completed', 'cancelled', 'no_show'],
      invalid: [
        [{ title: undefined }, 'title'],
        [{ title: 'x'.repeat(256) }, 'title'],
        [{ candidateId: undefined }, 'candidateId'],
        [{ candidateId: '456' }, 'candidateId'],
        [{ recruiterId: 1.5 }, 'recruiterId'],
        [{ recruiterId: -1 }, 'recruiterId'],
        [{ candidateId: 2_147_483_648 }, 'candidateId'],
        [{ status: 'done' }, 'status'],
        [{ workflowId: 0 }, 'workflowId'],
        [{ workflowId: 'abc' }, 'workflowId'],
        [{ scheduledStart: '2025-10-02T09:30:00' }, 'scheduledStart'],
        [{ scheduledStart: '2025-02-30T09:30:00Z' }, 'scheduledStart'],
        [{ meetingUrl: 'ftp://files.example.com' }, 'meetingUrl'],
        [{ meetingUrl: 'not a url' }, 'meetingUrl'],
        [
          { scheduledStart: '2025-10-02T10:00:00Z', scheduledEnd: '2025-10-02T09:00:00Z' },
          'scheduledEnd',
        ],
        [
          { scheduledStart: '2025-10-02T10:00:00Z', scheduledEnd: '2025-10-02T10:00:00Z' },
          'scheduledEnd',
        ],
        [{ extra: true }, 'extra'],
      ],
    },
    () => t,
  );

  describe('scheduled times', () => {
    it('normalises timestamps with an offset to UTC with milliseconds', async () => {
      const res = await t.http
        .post('/interviews')
        .send({
          title: 'tz',
          candidateId: 1,
          recruiterId: 2,
          scheduledStart: '2025-10-02T18:30:00+09:00',
        })
        .expect(201);
      expect(res.body.scheduledStart).toBe('2025-10-02T09:30:00.000Z');
      expect((await t.http.get(`/interviews/${res.body.id}`).expect(200)).body.scheduledStart).toBe(
        '2025-10-02T09:30:00.000Z',
      );
    });

    it('answers 400 when a PATCH would put scheduledEnd before the stored scheduledStart, and changes nothing', async () => {
      const created = await t.http
        .post('/interviews')
        .send({
          title: 'range',
          candidateId: 1,
          recruiterId: 2,
          scheduledStart: '2025-10-02T10:00:00Z',
        })
        .expect(201);
      const res = await t.http
        .patch(`/interviews/${created.body.id}`)
        .send({ scheduledEnd: '2025-10-02T09:00:00Z' })
        .expect(400);
      expectErrorShape(res.body, 400);
      expect((await t.http.get(`/interviews/${created.body.id}`).expect(200)).body).toEqual(
        created.body,
      );
      await t.http
        .patch(`/interviews/${created.body.id}`)
        .send({ scheduledEnd: '2025-10-02T11:00:00Z' })
        .expect(200);
    });
  });
});
