import type { OpenAPIV3 } from 'openapi-types';
import { NOTES_MIGRATIONS, NotesModule } from './fixtures/notes';
import { describeLinkedKind, type LinkedKindUnderTest } from './setup/linked-kind-suite';
import { describeLinkedResourceRoutes } from './setup/linked-resource-suite';
import { describeTable } from './setup/schema-snapshot';
import { startTestApp, type TestApp } from './setup/test-app';

const INTERVIEWS: LinkedKindUnderTest = {
  name: 'interviews',
  table: 'interviews',
  label: 'Interview',
  schema: 'InterviewDto',
  event: 'interview',
  minimal: { title: 'Technical interview', candidateId: 456, recruiterId: 789 },
};
const TODOS: LinkedKindUnderTest = {
  name: 'todos',
  table: 'todos',
  label: 'Todo',
  schema: 'TodoDto',
  event: 'todo',
  minimal: { title: 'Review resume', ownerId: 456 },
};
/** The kind of the test tree (test/fixtures/notes), added without editing src/. */
const NOTES: LinkedKindUnderTest = {
  name: 'notes',
  table: 'notes',
  label: 'Note',
  schema: 'NoteDto',
  event: 'note',
  minimal: { title: 'Strong on system design' },
};
const KINDS = [INTERVIEWS, TODOS, NOTES];

describe('Linked kinds: interviews, todos and the fixture kind notes (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(
      'linked_kinds',
      {},
      { imports: [NotesModule], migrations: NOTES_MIGRATIONS },
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  for (const kind of KINDS) describeLinkedKind(kind, () => t, KINDS);

  describe('the fixture kind notes', () => {
    it('has the table its migration creates and its entity describes: no drift, the link indexed and ON DELETE SET NULL', async () => {
      const pending = await t.db.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      const notes = await describeTable(t.db, 'notes');
      expect(notes.columns.map((column) => column.name)).toEqual([
        'id',
        'workflow_id',
        'title',
        'body',
        'created_at',
        'updated_at',
        'is_deleted',
        'deleted_at',
        'deleted_by',
        'organization_id',
        'deletion_id',
        'version',
      ]);
      expect(notes.indexes).toEqual({
        ix_notes_organization_id: ['organization_id'],
        ix_notes_organization_id_deletion_id: ['organization_id', 'deletion_id'],
        ix_notes_workflow_id: ['workflow_id', 'organization_id'],
      });
      expect(notes.foreignKeys).toEqual([
        {
          name: 'fk_notes_workflow_id',
          column: 'workflow_id',
          referencedTable: 'recruitment_processes',
          referencedColumn: 'id',
          onDelete: 'SET NULL',
        },
      ]);
    });

    it('answers every field of NoteDto, each documented with an example', async () => {
      const doc = (await t.http.get('/docs-json').expect(200)).body as OpenAPIV3.Document;
      const properties = (doc.components?.schemas?.NoteDto as OpenAPIV3.SchemaObject).properties;
      const fields = [
        'id',
        'workflowId',
        'title',
        'body',
        'createdAt',
        'updatedAt',
        'isDeleted',
        'deletedAt',
        'deletedBy',
      ];
      expect(Object.keys(properties ?? {}).sort()).toEqual([...fields].sort());
      for (const field of fields) {
        expect([field, 'example' in (properties?.[field] ?? {})]).toEqual([field, true]);
      }
    });

    describeLinkedResourceRoutes(
      {
        path: '/notes',
        table: 'notes',
        name: 'Note',
        minimal: NOTES.minimal,
        full: { title: 'Strong on system design', body: 'Follow up on caching' },
        defaults: { workflowId: null, title: 'Strong on system design', body: null },
        kept: { body: 'keep' },
        invalid: [
          [{ title: undefined }, 'title'],
          [{ title: '' }, 'title'],
          [{ title: null }, 'title'],
          [{ title: 'x'.repeat(256) }, 'title'],
          [{ body: 42 }, 'body'],
          [{ workflowId: 0 }, 'workflowId'],
          [{ workflowId: 'abc' }, 'workflowId'],
          [{ description: 'notes have a body' }, 'description'],
        ],
      },
      () => t,
    );
  });
});
