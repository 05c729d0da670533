/**
 * Table metadata and Parquet files for validation, generator and pipeline tests. Tables are built through the real
 * type mapping (`targetTypes`), so a fixture can never disagree with what the extractor would write.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { targetTypes, type DmsColumnType } from "../../metadata/dms-types";
import type { ColumnMetadata, TableMetadata } from "../../metadata/format";
import { writeMetadataDir } from "../../metadata/load";
import { isLob } from "../../metadata/type-mapping";

type ColumnSpec = DmsColumnType & { name: string; nullable?: boolean; sourceType?: string };

/** A table from short column specs; the first `primaryKey` columns are NOT NULL. */
export function table(schema: string, name: string, columns: ColumnSpec[], primaryKey: string[] = []): TableMetadata {
  return {
    schema,
    table: name,
    primaryKey,
    excluded: [],
    columns: columns.map((c, i): ColumnMetadata => ({
      name: c.name,
      ordinal: i + 1,
      sourceType: c.sourceType ?? c.dmsType.toLowerCase(),
      dmsType: c.dmsType,
      ...(c.length !== undefined ? { length: c.length } : {}),
      ...(c.precision !== undefined ? { precision: c.precision } : {}),
      ...(c.scale !== undefined ? { scale: c.scale } : {}),
      nullable: primaryKey.includes(c.name) ? false : (c.nullable ?? true),
      parquet: targetTypes(c).parquet,
      ...(isLob(c.dmsType) && { lob: true as const }),
    })),
  };
}

/** One column of every DMS type `targetTypes` maps, keyed by an INT4 id, plus a NOT NULL string. */
export function allTypesTable(schema = "dbo", name = "all_types"): TableMetadata {
  return table(
    schema,
    name,
    [
      { name: "id", dmsType: "INT4" },
      { name: "code", dmsType: "STRING", length: 20, nullable: false },
      { name: "flag", dmsType: "BOOLEAN" },
      { name: "tiny", dmsType: "INT1" },
      { name: "small", dmsType: "INT2" },
      { name: "big", dmsType: "INT8" },
      { name: "utiny", dmsType: "UINT1" },
      { name: "usmall", dmsType: "UINT2" },
      { name: "uint", dmsType: "UINT4" },
      { name: "ubig", dmsType: "UINT8" },
      { name: "real4", dmsType: "REAL4" },
      { name: "real8", dmsType: "REAL8" },
      { name: "amount", dmsType: "NUMERIC", precision: 12, scale: 2 },
      { name: "wide", dmsType: "NUMERIC", precision: 38, scale: 10 },
      { name: "day", dmsType: "DATE" },
      { name: "at_time", dmsType: "TIME", scale: 7 },
      { name: "at", dmsType: "DATETIME", scale: 6 },
      { name: "note", dmsType: "WSTRING", length: 200 },
      { name: "body", dmsType: "NCLOB" },
      { name: "raw", dmsType: "BYTES", length: 16 },
      { name: "blob", dmsType: "BLOB" },
    ],
    ["id"],
  );
}

/** A small keyed table: `id INT4` key, `name STRING NOT NULL`, `amount NUMERIC(10,2)`. */
export function ordersTable(schema = "dbo", name = "orders"): TableMetadata {
  return table(
    schema,
    name,
    [
      { name: "id", dmsType: "INT4" },
      { name: "name", dmsType: "STRING", length: 50, nullable: false },
      { name: "amount", dmsType: "NUMERIC", precision: 10, scale: 2 },
    ],
    ["id"],
  );
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a metadata directory (source.json + tables/) for `tables` under `dir`; returns `dir`. */
export function writeMetadata(dir: string, tables: TableMetadata[], source = "sales"): string {
  writeMetadataDir(
    dir,
    { source, engine: "sqlserver", database: "Sales", extractedAt: "2024-01-01T00:00:00Z", tables: [] },
    tables,
  );
  return dir;
}
