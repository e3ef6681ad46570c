import { timestampFromDb, timestampToDb } from './sql-values';

export type FieldType = 'int' | 'string' | 'timestamp' | 'boolean';

export interface Field {
  column: string;
  type: FieldType;
}

/** Every property of the API object T, with the column that stores it. */
export type FieldMap<T> = { [K in keyof T & string]-?: Field };

/**
 * A table's own fields between the columns every soft-deletable table shares
 * (see SoftDeletableEntity), in the order the API answers them.
 */
export function softDeletableFields<F extends Record<string, Field>>(own: F) {
  return {
    id: { column: 'id', type: 'int' },
    ...own,
    createdAt: { column: 'created_at', type: 'timestamp' },
    updatedAt: { column: 'updated_at', type: 'timestamp' },
    isDeleted: { column: 'is_deleted', type: 'boolean' },
    deletedAt: { column: 'deleted_at', type: 'timestamp' },
    deletedBy: { column: 'deleted_by', type: 'int' },
  } as const satisfies Record<string, Field>;
}

export interface SoftDeletable {
  id: number;
  createdAt: string;
  updatedAt: string;
  isDeleted: boolean;
  deletedAt: string | null;
  deletedBy: number | null;
}

/**
 * Maps between a table's rows and the camelCase objects of the API, selecting only the
 * columns the API shows (no entity hydration on the hot paths).
 */
export class TableMapping<T extends SoftDeletable> {
  /** "id, name, ..." for SELECT lists. */
  readonly selectList: string;
  private readonly fields: ReadonlyArray<readonly [keyof T & string, Field]>;
  private readonly byProperty: ReadonlyMap<string, Field>;

  constructor(
    readonly table: string,
    fields: FieldMap<T>,
  ) {
    this.fields = Object.entries(fields) as Array<[keyof T & string, Field]>;
    this.byProperty = new Map(this.fields);
    this.selectList = this.fields.map(([, field]) => field.column).join(', ');
  }

  fromRow(row: Record<string, unknown>): T {
    const result: Record<string, unknown> = {};
    for (const [property, { column, type }] of this.fields) {
      result[property] = fromDb(type, row[column]);
    }
    return result as T;
  }

  /** The same object with its properties in the API's order. */
  ordered(values: T): T {
    const result: Record<string, unknown> = {};
    for (const [property] of this.fields) result[property] = values[property];
    return result as T;
  }

  column(property: keyof T & string): string {
    return this.field(property).column;
  }

  /** Columns and values for the properties present in values (undefined means "leave as is"). */
  toColumns(values: Partial<T>): { columns: string[]; params: unknown[] } {
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
    if (!field) throw new Error(`${this.table} has no field ${property}`);
    return field;
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
