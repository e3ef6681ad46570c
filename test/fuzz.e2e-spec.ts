import fc from 'fast-check';
import type { OpenAPIV3 } from 'openapi-types';
import { expectErrorShape } from './setup/fixtures';
import { startTestApp, type TestApp } from './setup/test-app';

/** Cases per property; `npm run fuzz` raises it. Seeded, so that a failure replays. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
/** The fuzzer's requests come from admins of both, at random. */
const ORGANIZATIONS = [1, 2];

interface Operation {
  method: string;
  path: string;
  bodyFields: string[] | null;
  queryFields: string[];
}

/** Values no client should send, and some it may. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    2 ** 31,
    2 ** 53,
    1e308,
    -1e308,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '🚀😀𝄞',
    '1e3',
    '0x10',
    'NaN',
    '2025-02-30T09:30:00Z',
    '2025-10-02T09:30:00Z',
    'https://meet.example.com/x',
    'javascript:alert(1)',
    'draft',
    'scheduled',
    'pending',
    "'; DROP TABLE todos; --",
    'x'.repeat(256),
    'x'.repeat(100_000),
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

const pathId: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '1e3',
    '99999999999',
    '2147483648',
    '%00',
    'abc',
    '1'.repeat(300),
    '%F0%9F%9A%80',
    '01',
  ),
  fc.integer({ min: 1, max: 12 }).map(String),
);

const queryText: fc.Arbitrary<string> = fc.oneof(
  hostileValue.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
  fc.base64String({ maxLength: 24 }),
  fc.integer({ min: -5, max: 200 }).map(String),
);

function deepJson(depth: number): string {
  return `{"title":"deep","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** Names of Object.prototype's members, which once passed the whitelist as body fields. */
const INHERITED_NAMES = [
  'constructor',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  'isPrototypeOf',
  'prototype',
];

/** `{"name":"x","0":0,"1":0,...}` with `keys` keys in all. */
function wideJson(keys: number): string {
  return `{"name":"x",${Array.from({ length: keys - 1 }, (_, i) => `"${i}":0`).join(',')}}`;
}

function bodyFor(op: Operation): fc.Arbitrary<{ raw: string } | { json: unknown } | null> {
  if (op.bodyFields === null) return fc.constant(null);
  const fields = op.bodyFields;
  const known = fc.dictionary(fc.constantFrom(...fields), hostileValue, { maxKeys: fields.length });
  const unknownName = fc.oneof(
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.constantFrom(...INHERITED_NAMES),
  );
  const withUnknown = fc
    .tuple(known, fc.dictionary(unknownName, hostileValue, { maxKeys: 2 }))
    .map(([a, b]) => ({ ...b, ...a }));
  return fc.oneof(
    { weight: 6, arbitrary: known.map((json) => ({ json })) },
    { weight: 2, arbitrary: withUnknown.map((json) => ({ json })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<unknown>([], 'text', null, 42, [{ title: 'x' }])
        .map((json) => ({ json })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(10, 40, 5000).map((depth) => ({ raw: deepJson(depth) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{"title":', '{"title":"x",}', '\u0000', '{"__proto__":{"x":1}}')
        .map((raw) => ({ raw })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ raw: JSON.stringify({ title: 'x'.repeat(1_100_000) }) }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(101, 5_000, 116_000).map((keys) => ({ raw: wideJson(keys) })),
    },
  );
}

/** Percent-encodes the UTF-8 bytes of text; unlike encodeURIComponent, accepts lone surrogates. */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

function queryFor(op: Operation): fc.Arbitrary<string> {
  const names = [
    ...op.queryFields,
    'include',
    'unknown',
    'a[b]',
    'limit[]',
    '__proto__',
    ...INHERITED_NAMES,
  ];
  return fc
    .array(fc.tuple(fc.constantFrom(...names), queryText), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${percentEncode(v)}`).join('&'));
}

describe('Hostile input on every route of the OpenAPI document (e2e, fast-check)', () => {
  let t: TestApp;
  let operations: Operation[];
  const statuses: Record<number, number> = {};
  /** `method path` -> the statuses the fuzzer saw, and those the document declares. */
  const observed = new Map<string, Set<number>>();
  const declared = new Map<string, Set<string>>();
  let requests = 0;

  /**
   * Changes whenever any row of the three tables or any deletion record changes (the service stamps updated_at on every
   * write); of one organization's rows when given one.
   */
  async function fingerprint(organizationId?: number): Promise<string> {
    const parts = [];
    for (const table of ['recruitment_processes', 'interviews', 'todos']) {
      const [row] = await t.db.query(
        `SELECT COUNT(*) AS n, COALESCE(SUM(is_deleted), 0) AS deleted, MAX(updated_at) AS touched,
                ${table === 'recruitment_processes' ? '0' : 'COALESCE(SUM(workflow_id), 0)'} AS links FROM ${table}
          WHERE organization_id = ? OR ? IS NULL`,
        [organizationId ?? null, organizationId ?? null],
      );
      parts.push(`${table}:${row.n}/${row.deleted}/${row.touched}/${row.links}`);
    }
    // deletion records: a refused request writes none, restores none, purges none
    const [deletions] = await t.db.query(
      `SELECT COUNT(*) AS n, MAX(restored_at) AS restored, MAX(purged_at) AS purged,
              COUNT(restored_at) AS nr, COUNT(purged_at) AS np FROM deletions
        WHERE organization_id = ? OR ? IS NULL`,
      [organizationId ?? null, organizationId ?? null],
    );
    parts.push(
      `deletions:${deletions.n}/${deletions.nr}/${deletions.np}/${deletions.restored}/${deletions.purged}`,
    );
    return parts.join(' ');
  }

  beforeAll(async () => {
    t = await startTestApp('fuzz');
    // two organizations whose ids interleave, so that the ids the fuzzer tries name rows of both
    for (let i = 0; i < 4; i++) {
      for (const organizationId of ORGANIZATIONS) {
        const http = t.as(organizationId);
        const w = (
          await http
            .post('/workflows')
            .send({ name: `seed ${i}` })
            .expect(201)
        ).body;
        await http
          .post('/interviews')
          .send({ title: 'i', candidateId: 1, recruiterId: 2, workflowId: w.id })
          .expect(201);
        await http.post('/todos').send({ title: 't', ownerId: 1, workflowId: w.id }).expect(201);
        if (i === 3) await http.delete(`/workflows/${w.id}`).expect(200);
        // a deletion restored, so that the fuzzer meets records in every state
        if (i === 2) {
          const { deletionId } = (await http.delete(`/workflows/${w.id}`).expect(200)).body;
          await http.post(`/deletions/${deletionId}/restore`).expect(200);
        }
      }
    }
    const doc = (await t.http.get('/docs-json').expect(200)).body as OpenAPIV3.Document;
    const schemas = doc.components?.schemas ?? {};
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, OpenAPIV3.OperationObject>).map(
        ([method, operation]) => {
          const ref = (
            (operation.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content[
              'application/json'
            ]?.schema as OpenAPIV3.ReferenceObject | undefined
          )?.$ref;
          const bodySchema = ref
            ? (schemas[ref.split('/').pop()!] as OpenAPIV3.SchemaObject)
            : undefined;
          declared.set(`${method} ${path}`, new Set(Object.keys(operation.responses)));
          return {
            method,
            path,
            bodyFields: bodySchema
              ? Object.keys(bodySchema.properties ?? {})
              : method === 'post' || method === 'patch'
                ? ['title']
                : null,
            queryFields: ((operation.parameters ?? []) as OpenAPIV3.ParameterObject[])
              .filter((p) => p.in === 'query')
              .map((p) => p.name),
          };
        },
      ),
    );
    expect(operations.length).toBeGreaterThanOrEqual(26);
  });

  afterAll(async () => {
    console.log(
      `fuzz: ${requests} requests over ${operations?.length} operations (seed ${SEED}, ${RUNS} runs each); statuses:`,
      statuses,
    );
    await t?.close();
  });

  describe("the security review's cases", () => {
    it('refuses an object of 116,000 unknown keys (1 MB) as too large, in the error shape', async () => {
      const res = await t.http
        .post('/workflows')
        .set('content-type', 'application/json')
        .send(wideJson(116_000))
        .expect(413);
      expectErrorShape(res.body, 413);
    });

    it('refuses an object of more than 100 keys within the body limit before validation, with one short message', async () => {
      const res = await t.http
        .post('/workflows')
        .set('content-type', 'application/json')
        .send(wideJson(10_000))
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [
          'Body has an object with more than 100 keys or an array with more than 100 elements',
        ],
      });
      const array = await t.http
        .post('/workflows')
        .set('content-type', 'application/json')
        .send(`[${Array.from({ length: 10_000 }, () => '0').join(',')}]`)
        .expect(400);
      expect(array.body.message).toEqual([expect.stringMatching(/more than 100 elements/)]);
    });

    it('refuses more than 1,000 keys in all (objects of 100 keys under unknown fields), before validation', async () => {
      const inner = `{${Array.from({ length: 100 }, (_, i) => `"${i}":0`).join(',')}}`;
      const fields = Array.from({ length: 60 }, (_, i) => `"k${i}":${inner}`).join(',');
      const res = await t.http
        .post('/workflows')
        .set('content-type', 'application/json')
        .send(`{"name":"x",${fields}}`)
        .expect(400);
      expect(res.body.message).toEqual(['Body has more than 1000 keys and elements in all']);
    });

    it('caps the list of validation errors (99 unknown fields with long names)', async () => {
      const body = Object.fromEntries(
        Array.from({ length: 99 }, (_, i) => [`an_unknown_field_with_a_long_name_${i}`, 0]),
      );
      const res = await t.http
        .post('/workflows')
        .send({ name: 'x', ...body })
        .expect(400);
      expectErrorShape(res.body, 400);
      const messages = res.body.message as string[];
      expect(messages.at(-1)).toBe('Further validation errors were omitted');
      expect(messages.length).toBeLessThan(50);
      expect(JSON.stringify(res.body).length).toBeLessThan(3_000);
    });

    it('accepts the largest real body, a 10,000-character description of 4-byte characters', async () => {
      await t.http
        .post('/workflows')
        .send({ name: 'x', description: '🚀'.repeat(5_000) })
        .expect(201);
    });

    it.each(INHERITED_NAMES)(
      'refuses %s as an unknown body field (400) and creates nothing',
      async (name) => {
        const before = await fingerprint();
        const res = await t.http
          .post('/workflows')
          .set('content-type', 'application/json')
          .send(`{"name":"x","${name}":1}`)
          .expect(400);
        expect(res.body).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: [`property ${name} should not exist`],
        });
        expect(await fingerprint()).toBe(before);
      },
    );

    it.each(['__proto__', 'constructor', 'toString'])(
      'refuses %s as an unknown query parameter (400)',
      async (name) => {
        const res = await t.http.get(`/workflows?${name}=1`).expect(400);
        expect(res.body.message).toEqual([`property ${name} should not exist`]);
      },
    );
  });

  it(
    'never answers 5xx, answers every 4xx in the error shape, changes no row when it refuses, and never a row of the other organization',
    async () => {
      for (const op of operations) {
        await fc.assert(
          fc.asyncProperty(
            pathId,
            queryFor(op),
            bodyFor(op),
            fc.constantFrom(...ORGANIZATIONS),
            async (id, query, body, organizationId) => {
              const url = `${op.path.replace('{id}', id)}${query ? `?${query}` : ''}`;
              const other = ORGANIZATIONS.find((o) => o !== organizationId);
              const before = await fingerprint();
              const otherBefore = await fingerprint(other);
              let req = (
                t.as(organizationId) as unknown as Record<
                  string,
                  (u: string) => import('supertest').Test
                >
              )[op.method](url);
              if (body && 'raw' in body)
                req = req.set('content-type', 'application/json').send(body.raw);
              else if (body)
                req = req.set('content-type', 'application/json').send(JSON.stringify(body.json));
              const res = await req;
              requests++;
              statuses[res.status] = (statuses[res.status] ?? 0) + 1;
              const key = `${op.method} ${op.path}`;
              observed.set(key, (observed.get(key) ?? new Set()).add(res.status));
              if (res.status >= 500) {
                throw new Error(
                  `${op.method.toUpperCase()} ${url} -> ${res.status} ${JSON.stringify(res.body)}`,
                );
              }
              if (res.status >= 400) {
                expectErrorShape(res.body, res.status);
                expect(await fingerprint()).toBe(before);
              }
              expect(await fingerprint(other)).toBe(otherBefore);
            },
          ),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
      }
    },
    60_000 + RUNS * 26 * 30,
  );

  it('saw only statuses that the OpenAPI document declares for each operation', () => {
    expect(observed.size).toBe(operations.length);
    const undeclared = [...observed].flatMap(([operation, seen]) =>
      [...seen]
        .filter((status) => !declared.get(operation)!.has(String(status)))
        .map((status) => `${operation}: ${status}`),
    );
    expect(undeclared).toEqual([]);
  });
});
