/** Table metadata for plan tests: every DMS type, and identifiers that need quoting in every dialect. */
import type { ColumnMetadata, TableMetadata } from "../../../../metadata/format";
import { DMS_TYPES, targetTypes, type DmsType } from "../../../../metadata/dms-types";

const SIZES: Partial<Record<DmsType, Partial<ColumnMetadata>>> = {
  NUMERIC: { precision: 18, scale: 4 },
  STRING: { length: 40 },
  WSTRING: { length: 40 },
  BYTES: { length: 16 },
  DATETIME: { scale: 3 },
};

function column(name: string, ordinal: number, dmsType: DmsType, nullable = true): ColumnMetadata {
  const base = { name, ordinal, sourceType: dmsType.toLowerCase(), dmsType, nullable, ...SIZES[dmsType] };
  return { ...base, parquet: targetTypes(base).parquet };
}

/** Composite key with a reserved word and a quote character, then one column of every DMS type. */
export const EVERY_TYPE: TableMetadata = {
  schema: "dbo",
  table: "Order Lines",
  primaryKey: ["order", 'line`no"te'],
  excluded: [],
  columns: [
    column("order", 1, "INT8", false),
    column('line`no"te', 2, "WSTRING", false),
    ...DMS_TYPES.map((t, i) => column(`c_${t.toLowerCase()}`, i + 3, t)),
  ],
};

/** The same columns without a primary key: published as a change log. */
export const NO_KEY: TableMetadata = { ...EVERY_TYPE, table: "select", primaryKey: [] };
