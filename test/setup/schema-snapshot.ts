import type { DataSource } from 'typeorm';

export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
}

export interface ForeignKeyInfo {
  name: string;
  column: string;
  referencedTable: string;
  referencedColumn: string;
  onDelete: string;
}

export interface TableInfo {
  columns: ColumnInfo[];
  /** Index name -> its columns, excluding the primary key. */
  indexes: Record<string, string[]>;
  foreignKeys: ForeignKeyInfo[];
}

/** The schema of one table as the database itself reports it (information_schema / sqlite_master). */
export async function describeTable(db: DataSource, table: string): Promise<TableInfo> {
  return db.options.type === 'better-sqlite3'
    ? describeSqlite(db, table)
    : describeServer(db, table);
}

export async function describeTables(
  db: DataSource,
  tables: string[],
): Promise<Record<string, TableInfo>> {
  const result: Record<string, TableInfo> = {};
  for (const table of tables) result[table] = await describeTable(db, table);
  return result;
}

async function describeServer(db: DataSource, table: string): Promise<TableInfo> {
  const columns = await db.query(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  const indexRows = await db.query(
    `SELECT INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [table],
  );
  const fks = await db.query(
    `SELECT rc.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS refTable,
            k.REFERENCED_COLUMN_NAME AS refCol, rc.DELETE_RULE AS onDelete
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
      WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND rc.TABLE_NAME = ? ORDER BY rc.CONSTRAINT_NAME`,
    [table],
  );
  return {
    columns: columns.map((c: Record<string, string | null>) => ({
      name: c.name,
      type: String(c.type),
      nullable: c.nullable === 'YES',
      default: c.dflt,
    })),
    indexes: groupIndexes(indexRows),
    foreignKeys: fks.map((f: Record<string, string>) => ({
      name: f.name,
      column: f.col,
      referencedTable: f.refTable,
      referencedColumn: f.refCol,
      onDelete: f.onDelete,
    })),
  };
}

async function describeSqlite(db: DataSource, table: string): Promise<TableInfo> {
  const columns = await db.query(
    `SELECT name, type, "notnull" AS nn, dflt_value AS dflt FROM pragma_table_info(?)`,
    [table],
  );
  const indexRows = await db.query(
    `SELECT il.name AS name, ii.name AS col FROM pragma_index_list(?) il, pragma_index_info(il.name) ii
      WHERE il.origin = 'c' ORDER BY il.name, ii.seqno`,
    [table],
  );
  // SQLite keeps constraint names only in the CREATE TABLE text
  const [{ sql }] = await db.query(
    `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`,
    [table],
  );
  const fkPattern =
    /CONSTRAINT "([^"]+)" FOREIGN KEY \("([^"]+)"\) REFERENCES "([^"]+)" \("([^"]+)"\)(?: ON DELETE (SET NULL|CASCADE|RESTRICT|NO ACTION|SET DEFAULT))?/g;
  const foreignKeys = [...String(sql).matchAll(fkPattern)].map((m) => ({
    name: m[1],
    column: m[2],
    referencedTable: m[3],
    referencedColumn: m[4],
    onDelete: m[5] ?? 'NO ACTION',
  }));
  // and the rules as SQLite enforces them must agree with the text
  const enforced = await db.query(
    `SELECT "from" AS col, "table" AS refTable, on_delete FROM pragma_foreign_key_list(?)`,
    [table],
  );
  expect(
    enforced.map((f: Record<string, string>) => [f.col, f.refTable, f.on_delete]).sort(),
  ).toEqual(foreignKeys.map((f) => [f.column, f.referencedTable, f.onDelete]).sort());
  return {
    columns: columns.map((c: Record<string, string | number | null>) => ({
      name: String(c.name),
      type: String(c.type).toLowerCase(),
      nullable: Number(c.nn) === 0,
      default: c.dflt === null ? null : String(c.dflt),
    })),
    indexes: groupIndexes(indexRows),
    foreignKeys: foreignKeys.sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function groupIndexes(rows: Array<{ name: string; col: string }>): Record<string, string[]> {
  const indexes: Record<string, string[]> = {};
  for (const { name, col } of rows) (indexes[name] ??= []).push(col);
  return indexes;
}
