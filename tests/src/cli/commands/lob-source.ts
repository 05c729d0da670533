/**
 * The LOB scenario on a real PostgreSQL table, shared by the DuckDB/MariaDB and the Spark replay tests: the table,
 * its metadata extracted by `cdc metadata extract`, and the DMS files of its rows (full load, then a CDC file of the
 * changes made at the source), cut as DMS's limited LOB mode cuts them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Client } from "pg";
import type { TableMetadata } from "../../../../metadata/format";
import { readMetadataDir } from "../../../../metadata/load";
import { writeParquet, type ParquetValue } from "../../../../src/local/dms-generator";
import { cdc } from "../../../support/cli";

/** `--lob-max-kb 1`: the task's LobMaxSize in these tests. */
export const LIMIT = 1024;

export const SCHEMA = `
  CREATE TABLE notes (id integer PRIMARY KEY, body text, doc jsonb, raw bytea, tags text[]);
  INSERT INTO notes VALUES
    (1, 'short text é', '{"b": [true, null], "a": 1}', '\\xdeadbeef00', ARRAY['a', 'b c', NULL]),
    (2, repeat('x', 400), '{"k": "${"v".repeat(200)}"}', decode(repeat('ab', 300), 'hex'), '{}'),
    (3, repeat('long ', 1000), '{"n": 3}', decode(repeat('0f', 3000), 'hex'), ARRAY['z']),
    (4, NULL, NULL, NULL, NULL);
  CREATE TABLE audit (at timestamptz NOT NULL, detail text);`;
/** What DMS carries for each column: jsonb and arrays as the text PostgreSQL gives them, bytea as bytes. */
const READ = "SELECT id, body, doc::text AS doc, raw, tags::text AS tags FROM notes";

export type Row = { id: number; body: string | null; doc: string | null; raw: Buffer | null; tags: string | null };

/** DMS limited LOB mode: a value longer than LobMaxSize arrives cut to it (ASCII here, so bytes are characters). */
export function cut<T extends string | Buffer | null>(v: T): T {
  if (v === null) return v;
  if (typeof v === "string") return (Buffer.byteLength(v) > LIMIT ? Buffer.from(v).subarray(0, LIMIT).toString() : v) as T;
  return (v.length > LIMIT ? v.subarray(0, LIMIT) : v) as T;
}

/** One DMS Parquet file of `rows` with the metadata's column types, as DMS writes it to S3. */
function writeDmsFile(file: string, meta: TableMetadata, changes: Array<{ op: string; seq: string | null; row: Row }>) {
  const str = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;
  const value = (row: Row, name: string): ParquetValue => {
    const v = row[name as keyof Row];
    return Buffer.isBuffer(v) ? new Uint8Array(cut(v)) : typeof v === "string" ? cut(v) : v;
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    writeParquet([
      { name: "Op", type: str, values: changes.map((c) => c.op) },
      { name: "cdc_timestamp", type: str, values: changes.map(() => "2024-01-01 00:01:00.000000") },
      { name: "cdc_seq", type: str, values: changes.map((c) => c.seq) },
      ...meta.columns.map((c) => ({ name: c.name, type: c.parquet, values: changes.map((ch) => value(ch.row, c.name)) })),
    ]),
  );
}

/** The source's final rows as the targets must hold them: LOB values cut at the limit, bytes as hex. */
export const expected = (rows: Row[]) =>
  rows.map((r) => ({ ...r, body: cut(r.body), raw: r.raw === null ? null : cut(r.raw).toString("hex").toUpperCase() }));

export interface LobSource {
  metadata: string;
  dms: string;
  loadFile: string;
  cdcFile: string;
  /** The source's rows after the changes. */
  source: Row[];
  meta: TableMetadata;
}

/** Creates the tables in the (empty) database at `pgUrl`, extracts them and writes the DMS files under `root`. */
export async function buildLobSource(pgUrl: string, root: string): Promise<LobSource> {
  const metadata = path.join(root, "metadata");
  const dms = path.join(root, "dms");
  const loadFile = path.join(dms, "public", "notes", "LOAD00000001.parquet");
  const cdcFile = path.join(dms, "public", "notes", "20240101-000100000.parquet");
  const c = new Client({ connectionString: pgUrl });
  await c.connect();
  try {
    await c.query(SCHEMA);
    const extract = await cdc(
      "metadata",
      "extract",
      "--engine",
      "postgres",
      "--url",
      pgUrl,
      "--source",
      "crm",
      "--out",
      metadata,
    );
    if (extract.code !== 0) throw new Error(`cdc metadata extract failed: ${extract.stderr}`);
    const meta = readMetadataDir(metadata).tables.find((t) => t.table === "notes")!;
    const load = (await c.query<Row>(`${READ} ORDER BY id`)).rows;
    writeDmsFile(
      loadFile,
      meta,
      load.map((row) => ({ op: "I", seq: null, row })),
    );
    // Changes at the source, then the CDC file DMS would write for them (after-images; the delete's before-image).
    await c.query(`UPDATE notes SET doc = '{"a": 2, "new": "é"}', tags = ARRAY['x', 'y"q'] WHERE id = 1`);
    await c.query("DELETE FROM notes WHERE id = 4");
    const updated = (await c.query<Row>(`${READ} WHERE id = 1`)).rows[0];
    writeDmsFile(cdcFile, meta, [
      { op: "U", seq: "20240101000100000000000000000000001", row: updated },
      { op: "D", seq: "20240101000100000000000000000000002", row: load[3] },
    ]);
    const source = (await c.query<Row>(`${READ} ORDER BY id`)).rows;
    return { metadata, dms, loadFile, cdcFile, source, meta };
  } finally {
    await c.end();
  }
}

/** The publication `cdc replay` wrote for the table, read back with DuckDB, bytes as hex (as `expected` gives them). */
export async function publishedRows(out: string): Promise<Array<Record<string, unknown>>> {
  const duck = await DuckDBInstance.create(":memory:");
  const conn = await duck.connect();
  try {
    const published = path.join(out, "public.notes.parquet").replace(/'/g, "''");
    const sql = `SELECT id, body, doc, hex(raw) AS raw, tags FROM read_parquet('${published}') ORDER BY id`;
    return (await conn.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
}
