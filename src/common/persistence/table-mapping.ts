import type { EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { SoftDeletableEntity } from './soft-deletable.entity';
import { ROW_VERSION } from './row-version';
import { timestampFromDb, timestampToDb } from './sql-values';

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
  }

  fromRow(row: Record<string, unknown>): R {
    const result: Record<string | symbol, unknown> = {};
    for (const { property, column, type } of this.fields) {
      result[property] = fromDb(type, row[column]);
    }
    if (this.versionColumn) result[ROW_VERSION] = Number(row[this.versionColumn]);
    return result as R;
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

function fromDb(type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamp':
      return timestampFromDb(value);
    case 'boolean':
      return value === true || Number(value) === 1;
    case 'int':
      return typeof value === 'number' ? value : Number(value);
    default:
      return value;
  }
}

function toDb(type: FieldType, value: unknown): unknown {
  if (value === null) return null;
  switch (type) {
    case 'timestamp':
      return timestampToDb(typeof value === 'string' ? new Date(value) : (value as Date));
    case 'boolean':
      return value ? 1 : 0;
    default:
      return value;
  }
}
