/** A keyed table with LOB columns, and DMS-shaped CDC files of it (lob-limit.test.ts, the validate Lambda's test). */
import { targetTypes } from "../../../../metadata/dms-types";
import { writeParquet, type ParquetColumn, type ParquetValue } from "../../../../src/local/dms-generator";
import { table } from "../../../support/parquet-fixtures";

export const DOCS_KEY = "dbo/docs/20240102-030405678.parquet";
export const docs = table(
  "dbo",
  "docs",
  [
    { name: "id", dmsType: "INT4" },
    { name: "title", dmsType: "WSTRING", length: 100 },
    { name: "body", dmsType: "NCLOB" },
    { name: "blob", dmsType: "BLOB" },
  ],
  ["id"],
);
const STRING = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;
const col = (name: string, values: ParquetValue[]): ParquetColumn => {
  const meta = docs.columns.find((c) => c.name === name);
  return { name, type: meta ? targetTypes(meta).parquet : STRING, values };
};

export function docsFile(rows: Array<{ title?: string; body: string | null; blob: Uint8Array | null }>): Uint8Array {
  const values: Record<string, ParquetValue[]> = {
    Op: rows.map(() => "I"),
    cdc_timestamp: rows.map(() => "2024-01-02 03:04:05.000000"),
    cdc_seq: rows.map((_, i) => `20240102030405${String(i).padStart(21, "0")}`),
    id: rows.map((_, i) => i + 1),
    title: rows.map((r) => r.title ?? "t"),
    body: rows.map((r) => r.body),
    blob: rows.map((r) => r.blob),
  };
  return writeParquet(Object.entries(values).map(([name, v]) => col(name, v)));
}
