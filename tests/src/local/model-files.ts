/** Reads a DMS-format Parquet file back as the reference model's input (tests of the poller and local mode). */
import * as path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ModelChange, ModelFile } from "../../support/reference-model";

/** The file's changes in row order: Op, cdc_seq, cdc_timestamp and the source columns as text (or null). */
export async function readModelFile(conn: DuckDBConnection, file: string): Promise<ModelFile> {
  const reader = await conn.runAndReadAll(
    `SELECT * FROM read_parquet('${file.replace(/'/g, "''")}', file_row_number = true) ORDER BY file_row_number`,
  );
  const changes = reader.getRowObjectsJson().map((row): ModelChange => {
    const values: ModelChange["values"] = {};
    for (const [k, v] of Object.entries(row)) {
      if (!["Op", "cdc_seq", "cdc_timestamp", "file_row_number"].includes(k)) values[k] = v === null ? null : String(v);
    }
    return {
      op: String(row.Op) as ModelChange["op"],
      seq: row.cdc_seq === null ? null : String(row.cdc_seq),
      timestamp: String(row.cdc_timestamp),
      values,
    };
  });
  return { name: path.basename(file), changes };
}
