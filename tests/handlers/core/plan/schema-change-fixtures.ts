/** A table before and after every compatible change, and a runner of schema statements as the Glue job runs them. */
import type { ColumnMetadata, TableMetadata } from "../../../../metadata/format";
import { targetTypes, type DmsColumnType } from "../../../../metadata/dms-types";
import type { SchemaStatement } from "../../../../handlers/core/plan/schema-change";

function column(name: string, ordinal: number, type: DmsColumnType, nullable = true): ColumnMetadata {
  return { name, ordinal, sourceType: type.dmsType.toLowerCase(), nullable, ...type, parquet: targetTypes(type).parquet };
}

/** The applied shape: an int key, a short string, an int, a decimal, a float. */
export const BEFORE: TableMetadata = {
  schema: "dbo",
  table: "Evolving",
  primaryKey: ["id"],
  excluded: [],
  columns: [
    column("id", 1, { dmsType: "INT4" }, false),
    column("name", 2, { dmsType: "STRING", length: 10 }),
    column("qty", 3, { dmsType: "INT4" }),
    column("price", 4, { dmsType: "NUMERIC", precision: 10, scale: 2 }),
    column("ratio", 5, { dmsType: "REAL4" }),
  ],
};

/** Every compatible change at once: the key int → bigint, widen, promote ×3, and two added columns (one NOT NULL). */
export const AFTER: TableMetadata = {
  ...BEFORE,
  columns: [
    column("id", 1, { dmsType: "INT8" }, false),
    column("name", 2, { dmsType: "STRING", length: 40 }),
    column("qty", 3, { dmsType: "INT8" }),
    column("price", 4, { dmsType: "NUMERIC", precision: 14, scale: 2 }),
    column("ratio", 5, { dmsType: "REAL8" }),
    column("note", 6, { dmsType: "WSTRING", length: 100 }),
    column("flag", 7, { dmsType: "BOOLEAN" }, false),
  ],
};

/** Incompatible versions of BEFORE, one change each. */
export const INCOMPATIBLE: Record<string, TableMetadata> = {
  drop: { ...BEFORE, columns: BEFORE.columns.filter((c) => c.name !== "ratio") },
  narrow: {
    ...BEFORE,
    columns: BEFORE.columns.map((c) => (c.name === "name" ? column("name", 2, { dmsType: "STRING", length: 5 }) : c)),
  },
  retype: {
    ...BEFORE,
    columns: BEFORE.columns.map((c) => (c.name === "qty" ? column("qty", 3, { dmsType: "STRING", length: 11 }) : c)),
  },
  key: { ...BEFORE, primaryKey: ["id", "name"] },
  notNull: { ...BEFORE, columns: BEFORE.columns.map((c) => (c.name === "qty" ? { ...c, nullable: false } : c)) },
};

/**
 * Runs schema statements as apply_changes.py does: a statement with `unless` is skipped when its probe lists the
 * name (case-insensitively; in the probe's first column or its `field`). Returns the statements run.
 */
export async function runSchemaStatements(
  statements: readonly SchemaStatement[],
  exec: (sql: string) => Promise<unknown>,
  columns: (probe: string, field?: string) => Promise<string[]>,
): Promise<string[]> {
  const ran: string[] = [];
  for (const s of statements) {
    const names = s.unless && (await columns(s.unless.probe, s.unless.field));
    if (names?.some((c) => c.toLowerCase() === s.unless!.column.toLowerCase())) continue;
    await exec(s.sql);
    ran.push(s.sql);
  }
  return ran;
}
