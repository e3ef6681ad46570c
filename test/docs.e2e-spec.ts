import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OpenAPIV3 } from 'openapi-types';
import { startTestApp, type TestApp } from './setup/test-app';

/** Every route of docs/api.md (and the issues since), with the error answers each may give. */
const ROUTES: Array<[method: string, path: string, errors: number[]]> = [
  ['post', '/workflows', [400]],
  ['get', '/workflows', [400]],
  ['get', '/workflows/{id}', [400, 404]],
  ['patch', '/workflows/{id}', [400, 404]],
  ['delete', '/workflows/{id}', [400, 404]],
  ['post', '/workflows/{id}/restore', [400, 404, 409]],
  ['post', '/interviews', [400, 422]],
  ['get', '/interviews', [400]],
  ['get', '/interviews/{id}', [400, 404]],
  ['patch', '/interviews/{id}', [400, 404, 422]],
  ['delete', '/interviews/{id}', [400, 404]],
  ['post', '/todos', [400, 422]],
  ['get', '/todos', [400]],
  ['get', '/todos/{id}', [400, 404]],
  ['patch', '/todos/{id}', [400, 404, 422]],
  ['delete', '/todos/{id}', [400, 404]],
  ['post', '/deletions', [400, 404]],
  ['get', '/deletions', [400]],
  ['get', '/deletions/{id}', [400, 404]],
  ['get', '/deletions/{id}/rows', [400, 404]],
  ['post', '/deletions/{id}/restore', [400, 404, 409]],
  ['post', '/deletions/{id}/purge', [400, 404, 409]],
  ['get', '/health', [503]],
  ['get', '/admin/orphans', []],
  ['post', '/admin/orphans/repair', []],
  ['post', '/admin/purge', [400]],
  ['get', '/events', [400]],
  ['post', '/webhooks', [400]],
  ['get', '/webhooks', [400]],
  ['get', '/webhooks/{id}', [400, 404]],
  ['patch', '/webhooks/{id}', [400, 404]],
  ['delete', '/webhooks/{id}', [400, 404]],
  ['get', '/webhooks/{id}/deliveries', [400, 404]],
  ['post', '/webhooks/{id}/deliveries/{deliveryId}/retry', [400, 404, 409]],
  ['post', '/webhooks/{id}/ping', [400, 404]],
];

/** The routes with a request body (POST and PATCH but restore and repair). */
function operationTakesBody(method: string, path: string): boolean {
  return (method === 'post' || method === 'patch') && !/restore|repair|retry|ping/.test(path);
}

describe('Swagger UI and the OpenAPI document (e2e)', () => {
  let t: TestApp;
  let doc: OpenAPIV3.Document;

  beforeAll(async () => {
    t = await startTestApp('docs');
    doc = (await t.http.get('/docs-json').expect(200)).body as OpenAPIV3.Document;
  });

  afterAll(async () => {
    await t?.close();
  });

  const schema = (name: string) => doc.components?.schemas?.[name] as OpenAPIV3.SchemaObject;

  it('GET /docs serves the Swagger UI', async () => {
    const res = await t.http.get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
    const init = await t.http.get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/workflows');
  });

  it('GET /docs-json is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it("passes Spectral's spectral:oas ruleset (the project's .spectral.yaml) with no error or warning", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spectral-'));
    try {
      const document = join(dir, 'openapi.json');
      const report = join(dir, 'report.json');
      await writeFile(document, JSON.stringify(doc));
      const root = join(__dirname, '..');
      await promisify(execFile)(
        join(root, 'node_modules', '.bin', 'spectral'),
        ['lint', document, '--ruleset', join(root, '.spectral.yaml'), '-f', 'json', '-o', report],
        { timeout: 60_000 },
      ).catch(() => undefined); // it exits 1 when it finds errors: the report below names them
      const results = JSON.parse(await readFile(report, 'utf8')) as Array<{
        code: string;
        severity: number;
        path: string[];
        message: string;
      }>;
      expect(results.map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("passes Redocly's recommended rules (the project's redocly.yaml) with no error", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redocly-'));
    try {
      const document = join(dir, 'openapi.json');
      await writeFile(document, JSON.stringify(doc));
      const root = join(__dirname, '..');
      const run = await promisify(execFile)(
        join(root, 'node_modules', '.bin', 'redocly'),
        ['lint', document, '--config', join(root, 'redocly.yaml'), '--format', 'json'],
        {
          timeout: 60_000,
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
      ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      const report = JSON.parse(run.stdout) as {
        problems: Array<{
          ruleId: string;
          severity: string;
          message: string;
          location: Array<{ pointer: string }>;
        }>;
      };
      expect(
        report.problems.map(
          (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
        ),
      ).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('types generated by openapi-typescript (default options) compile a client of every operation under --strict, without casts', async () => {
    const root = join(__dirname, '..');
    // inside the repository, so that the client resolves openapi-fetch from node_modules
    await mkdir(join(root, 'test', 'artifacts'), { recursive: true });
    const dir = await mkdtemp(join(root, 'test', 'artifacts', 'contract-'));
    try {
      await writeFile(join(dir, 'openapi.json'), JSON.stringify(doc));
      await copyFile(join(__dirname, 'contract', 'client.ts'), join(dir, 'client.ts'));
      const exec = promisify(execFile);
      await exec(
        join(root, 'node_modules', '.bin', 'openapi-typescript'),
        [join(dir, 'openapi.json'), '-o', join(dir, 'schema.d.ts')],
        { timeout: 60_000 },
      );
      const compiled = await exec(
        join(root, 'node_modules', '.bin', 'tsc'),
        [
          '--strict',
          '--noEmit',
          '--skipLibCheck',
          '--target',
          'ES2022',
          '--module',
          'preserve',
          '--moduleResolution',
          'bundler',
          '--types',
          'node',
          join(dir, 'client.ts'),
        ],
        { timeout: 120_000, cwd: dir },
      ).then(
        () => '',
        (err: { stdout?: string; message?: string }) => err.stdout || (err.message ?? 'tsc failed'),
      );
      expect(compiled).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('describes every number as an integer, and no request body has a default (the service fills it in)', () => {
    const numbers: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      if ((node as { type?: unknown }).type === 'number') numbers.push(path);
      for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
    };
    walk(doc, '#');
    expect(numbers).toEqual([]);
    const bodies = Object.values(doc.paths).flatMap((item) =>
      Object.values(item ?? {}).flatMap((operation) => {
        const body = (operation as OpenAPIV3.OperationObject).requestBody as
          OpenAPIV3.RequestBodyObject | undefined;
        const ref = (body?.content['application/json'].schema as OpenAPIV3.ReferenceObject)?.$ref;
        return ref ? [ref.split('/').pop()!] : [];
      }),
    );
    expect(bodies.length).toBeGreaterThan(5);
    for (const name of bodies) {
      const defaults = Object.entries(schema(name).properties ?? {})
        .filter(([, property]) => 'default' in property)
        .map(([property]) => `${name}.${property}`);
      expect(defaults).toEqual([]);
    }
  });

  it.each(ROUTES.filter(([, , errors]) => errors.includes(400)))(
    "%s %s: each 400 example's message is what the service answers to that mistake",
    async (method, path) => {
      const operation = (doc.paths[path] as Record<string, OpenAPIV3.OperationObject>)[method];
      const response = operation.responses['400'] as OpenAPIV3.ResponseObject;
      const examples = response.content?.['application/json'].examples ?? {};
      for (const [name, example] of Object.entries(examples)) {
        const expected = (example as OpenAPIV3.ExampleObject).value as { message: string[] };
        let url = path.replace('{id}', name === 'badId' ? 'abc' : '1');
        if (name === 'badLimit') url += '?limit=101';
        if (name === 'unknownParameter' || name === 'unknownQueryField') url += '?color=red';
        const req = t.as(1, 'admin')[method as 'get'](url).set('content-type', 'application/json');
        // a PATCH's body is valid empty, so that only the id is wrong
        const body =
          name === 'unknownField' ? { color: 'red' } : operation.requestBody ? {} : undefined;
        const res = await req.send(body);
        expect([name, res.status]).toEqual([name, 400]);
        expect(res.body.message).toEqual(expect.arrayContaining(expected.message));
      }
    },
  );

  it('documents exactly the routes of the API', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });

  it.each(ROUTES)(
    '%s %s has its request body, a success schema and its error answers in the error shape',
    (method, path, errors) => {
      const operation = (doc.paths[path] as Record<string, OpenAPIV3.OperationObject>)[method];
      if (method === 'post' || method === 'patch') {
        if (!/restore|repair|\{id\}\/purge|retry|ping/.test(path)) {
          const body = operation.requestBody as OpenAPIV3.RequestBodyObject;
          expect(body.content['application/json'].schema).toHaveProperty('$ref');
        }
      }
      const success = Object.entries(operation.responses).find(([status]) =>
        status.startsWith('2'),
      );
      expect(success).toBeDefined();
      const content = (success![1] as OpenAPIV3.ResponseObject).content?.['application/json'];
      expect(content?.schema).toHaveProperty('$ref');
      for (const status of [...errors, 500, 503]) {
        const response = operation.responses[String(status)] as OpenAPIV3.ResponseObject;
        const json = response?.content?.['application/json'];
        expect([status, json?.schema]).toEqual([status, { $ref: '#/components/schemas/ErrorDto' }]);
        // each error answer shows an example of itself, not one shared example; a 400 one per
        // kind of mistake the operation can meet (checked against the wire below)
        const examples =
          status === 400
            ? Object.values(json?.examples ?? {}).map((e) => (e as OpenAPIV3.ExampleObject).value)
            : [json?.example];
        expect(examples.length).toBeGreaterThan(0);
        for (const example of examples) {
          expect([status, example]).toEqual([
            status,
            {
              statusCode: status,
              error: expect.any(String),
              message: status === 400 ? [expect.any(String)] : expect.any(String),
            },
          ]);
        }
      }
    },
  );

  it('documents 429 with Retry-After and the RateLimit fields on every route but /health, and Retry-After on 503', () => {
    for (const [method, path] of ROUTES) {
      const responses = (doc.paths[path] as Record<string, OpenAPIV3.OperationObject>)[method]
        .responses as Record<string, OpenAPIV3.ResponseObject>;
      const limited = responses['429'];
      if (path === '/health') {
        expect(limited).toBeUndefined();
      } else {
        expect([method, path, Object.keys(limited?.headers ?? {}).sort()]).toEqual([
          method,
          path,
          ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id'],
        ]);
      }
      expect(Object.keys(responses['503'].headers ?? {}).sort()).toEqual([
        'Retry-After',
        'X-Request-Id',
      ]);
      // every answer carries the request id; a 401 says which scheme to use
      for (const [status, response] of Object.entries(responses)) {
        expect([status, response.headers?.['X-Request-Id']]).toEqual([status, expect.anything()]);
      }
      if (path !== '/health') {
        expect(responses['401'].headers?.['WWW-Authenticate']).toBeDefined();
      }
      if (operationTakesBody(method, path)) {
        expect([method, path, responses['413'] && responses['415']]).toEqual([
          method,
          path,
          expect.anything(),
        ]);
      }
    }
  });

  it.each([
    ['WorkflowStatus', ['draft', 'active', 'closed', 'archived']],
    ['InterviewStatus', ['scheduled', 'completed', 'cancelled', 'no_show']],
    ['TodoStatus', ['pending', 'in_progress', 'completed', 'cancelled']],
  ])('lists the values of %s', (name, values) => {
    expect(schema(name).enum).toEqual(values);
  });

  it.each([
    [
      'WorkflowDto',
      [
        'id',
        'name',
        'description',
        'status',
        'createdBy',
        'createdAt',
        'updatedAt',
        'isDeleted',
        'deletedAt',
        'deletedBy',
      ],
    ],
    [
      'InterviewDto',
      [
        'id',
        'workflowId',
        'title',
        'description',
        'candidateId',
        'recruiterId',
        'status',
        'scheduledStart',
        'scheduledEnd',
        'location',
        'meetingUrl',
        'createdAt',
        'updatedAt',
        'isDeleted',
        'deletedAt',
        'deletedBy',
      ],
    ],
    [
      'TodoDto',
      [
        'id',
        'workflowId',
        'title',
        'description',
        'ownerId',
        'status',
        'dueDate',
        'createdAt',
        'updatedAt',
        'isDeleted',
        'deletedAt',
        'deletedBy',
      ],
    ],
    ['ErrorDto', ['statusCode', 'error', 'message']],
  ])(
    'gives %s every field of the contract, each with an example or a reference',
    (name, fields) => {
      const properties = schema(name).properties ?? {};
      expect(Object.keys(properties).sort()).toEqual([...fields].sort());
      for (const field of fields) {
        const property = properties[field] as OpenAPIV3.SchemaObject;
        expect([field, 'example' in property || 'allOf' in property]).toEqual([field, true]);
      }
    },
  );

  it('marks the nullable fields nullable and the deletion answer with its cascade counts', () => {
    const workflow = schema('WorkflowDto').properties as Record<string, OpenAPIV3.SchemaObject>;
    expect(workflow.description.nullable).toBe(true);
    expect(workflow.deletedAt.nullable).toBe(true);
    expect(schema('DeletedWorkflowDto').properties).toHaveProperty('cascaded');
    expect(schema('RestoredWorkflowDto').properties).toHaveProperty('restored');
  });
});
