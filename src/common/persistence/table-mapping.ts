import type { EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { SoftDeletableEntity } from './soft-deletable.entity';
import { ROW_VERSION } from './row-version';
import { isoTimestampToDb, timestampFromDb, timestampToDb } from './sql-values';

type FieldType = 'int' | 'string' | 'timestamp' | 'boolean';

interface Field {
  property: string;
  column: string;
  type: FieldType;
}

export type EntityClass<E> = new () => E;

import type { hidden } from './hidden';

export type { Hidden } from './hidden';

type VisibleKeys<E> = {
  [K in keyof E]-?: typeof hidden extends keyof E[K] ? never : K;
}[keyof E];

/**
 * An entity's row as the service handles it: the columns the API shows, timestamps as
 * ISO 8601 UTC strings with milliseconds.
 */
export type Row<E> = {
  -readonly [K in VisibleKeys<E>]: E[K] extends Date
    ? string
    : E[K] extends Date | null
      ? string | null
      : E[K];
};

/**
 * The row of an entity E of the service, with the columns every table shares known to the
 * compiler even where E is a type parameter.
 */
export type StoredRow<E extends SoftDeletableEntity> = Row<E> & Row<SoftDeletableEntity>;

/**
 * Maps between a table's rows and the service's rows, derived from TypeORM's metadata of the
 * entity: the columns, their names and types are declared once, on the entity. Columns declared
 * with `select: false` are internal (never read into a row). Only the columns the rows show are
 * selected, and nothing is hydrated into entity objects on the hot paths.
 */
export class TableMapping<R extends object> {
  readonly table: string;
  /** "id, name, ..." for SELECT lists. */
  readonly selectList: string;
  private readonly fields: readonly Field[];
  private readonly byProperty: ReadonlyMap<string, Field>;
  /** The `version` column, read into ROW_VERSION (see row-version.ts), if the table has one. */
  private readonly versionColumn: string | undefined;
  /** A driver's row to the service's row: compiled once per table (see compileFromRow). */
  readonly fromRow: (row: Record<string, unknown>) => R;

  constructor(metadata: EntityMetadata) {
    this.table = metadata.tableName;
    const own = (column: ColumnMetadata) => column.target === metadata.target;
    // API order: the key, the entity's own columns, then those it inherits (timestamps, soft delete)
    const columns = metadata.columns
      .filter((column) => column.isSelect)
      .sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary) || Number(own(b)) - Number(own(a)));
    this.fields = columns.map((column) => ({
      property: column.propertyName,
      column: column.databaseName,
      type: fieldType(metadata.tableName, column),
    }));
    this.byProperty = new Map(this.fields.map((field) => [field.property, field]));
    this.versionColumn = metadata.columns.find((c) => c.databaseName === 'version')?.databaseName;
    const selected = this.fields.map((field) => field.column);
    if (this.versionColumn) selected.push(this.versionColumn);
    this.selectList = selected.join(', ');
    this.fromRow = compileFromRow<R>(this.fields, this.versionColumn);
  }

  /** The same row with its properties in the API's order (and its version). */
  ordered(values: R): R {
    const result: Record<string | symbol, unknown> = {};
    const source = values as Record<string | symbol, unknown>;
    // own properties only: a row is a plain object built by the repository
    for (const { property } of this.fields) result[property] = source[property];
    const version = source[ROW_VERSION];
    if (version !== undefined) result[ROW_VERSION] = version;
    return result as R;
  }

  column(property: string): string {
    return this.field(property).column;
  }

  /** Columns and values for the properties present in values (undefined means "leave as is"). */
  toColumns(values: object): { columns: string[]; params: unknown[] } {
    const columns: string[] = [];
    const params: unknown[] = [];
    for (const [property, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const field = this.field(property);
      columns.push(field.column);
      params.push(toDb(field.type, value));
    }
    return { columns, params };
  }

  private field(property: string): Field {
    const field = this.byProperty.get(property);
    if (!field) throw new Error(`${this.table} has no column for ${property}`);
    return field;
  }
}

function fieldType(table: string, column: ColumnMetadata): FieldType {
  const type = typeof column.type === 'function' ? column.type.name.toLowerCase() : column.type;
  switch (type) {
    case 'int':
    case 'integer':
    case 'number':
      return 'int';
    case 'varchar':
    case 'text':
    case 'string':
      return 'string';
    case 'datetime':
    case 'date':
      return 'timestamp';
    case 'boolean':
      return 'boolean';
    default:
      throw new Error(`${table}.${column.databaseName}: no row mapping for column type ${type}`);
  }
}

/** A column's value as the service's row holds it, by the column's type (null stays null). */
const FROM_DB: Readonly<Record<FieldType, (value: unknown) => unknown>> = {
  timestamp: (value) => (value === null || value === undefined ? null : timestampFromDb(value)),
  boolean: (value) =>
    value === null || value === undefined ? null : value === true || Number(value) === 1,
  int: (value) =>
    value === null || value === undefined
      ? null
      : typeof value === 'number'
        ? value
        : Number(value),
  string: (value) => (value === null || value === undefined ? null : value),
};

/** Property and column names the compiled mapping may name in its source: plain identifiers. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The mapping of a table's row, as one function that builds the row with an object literal:
 * `{ id: int(row.id), name: string(row.name), ..., createdAt: timestamp(row.created_at),
 * [ROW_VERSION]: Number(row.version) }`. A loop over the fields (`result[field.property] = ...`) stores and loads by
 * computed keys, which V8 handles through its megamorphic caches: about 4,000 instructions a row
 * of ten columns, most of a list's cost beyond SQLite's and JSON's (docs/performance.md, "Reads:
 * the row mapping, the include ETag, and what SQLite re-prepares"). The literal gives every row
 * of a table one hidden class and fixed property accesses. The source names only the entity's
 * own property and column names, checked to be identifiers; no value of a request reaches it.
 */
function compileFromRow<R>(
  fields: readonly Field[],
  versionColumn: string | undefined,
): (row: Record<string, unknown>) => R {
  for (const name of [...fields.flatMap((f) => [f.property, f.column]), versionColumn ?? 'version'])
    if (!IDENTIFIER.test(name) || name === '__proto__')
      throw new Error(`not an identifier, cannot map: ${name}`);
  const properties = fields.map((f) => `${f.property}: ${f.type}(row.${f.column})`);
  // the version in the literal too, last: stored after it, the symbol would add a property to a
  // literal that has room for none (a map transition and a property array, every row)
  if (versionColumn) properties.push(`[ROW_VERSION]: Number(row.${versionColumn})`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- source from entity metadata only (above)
  const factory = new Function(
    'timestamp',
    'boolean',
    'int',
    'string',
    'ROW_VERSION',
    `return function fromRow(row) { return { ${properties.join(', ')} }; };`,
  ) as (
    ...args: [...Array<(value: unknown) => unknown>, typeof ROW_VERSION]
  ) => (row: Record<string, unknown>) => R;
  return factory(FROM_DB.timestamp, FROM_DB.boolean, FROM_DB.int, FROM_DB.string, ROW_VERSION);
}

function toDb(type: FieldType, value: unknown): unknown {
  if (value === null) return null;
  switch (type) {
    case 'timestamp':
      return typeof value === 'string' ? isoTimestampToDb(value) : timestampToDb(value as Date);
    case 'boolean':
      return value ? 1 : 0;
    default:
      return value;
  }
}
