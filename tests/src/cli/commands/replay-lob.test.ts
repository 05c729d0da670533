/**
 * Large objects end to end from a real PostgreSQL table (issue 15, item 2): `text`, `jsonb`, `bytea` and `text[]`
 * columns are extracted as included LOB columns; DMS-format files of the table's rows (full load, then a CDC file of
 * the changes made at the source), cut as DMS's limited LOB mode cuts them, are validated and replayed on DuckDB and
 * MariaDB; every value equals the source's up to the limit, and the value that was longer is flagged.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import mysql from "mysql2/promise";
import { Client } from "pg";
import type { TableMetadata } from "../../../../metadata/format";
import { readMetadataDir } from "../../../../metadata/load";
import { writeParquet, type ParquetValue } from "../../../../src/local/dms-generator";
import { cdc } from "../../../support/cli";
import { mysqlTestDatabase, postgresTestDatabase } from "../../../support/databases";

const pg = postgresTestDatabase("cdc_lob_source");
const target = mysqlTestDatabase("cdc_lob_target");
/** `--lob-max-kb 1`: the task's LobMaxSize in this test. */
const LIMIT = 1024;

const SCHEMA = `
  CREATE TABLE notes (id integer PRIMARY KEY, body text, doc jsonb, raw bytea, tags text[]);
  INSERT INTO notes VALUES
    (1, 'short text é', '{"b": [true, null], "a": 1}', '\\xdeadbeef00', ARRAY['a', 'b c', NULL]),
    (2, repeat('x', 400), '{"k": "${"v".repeat(200)}"}', decode(repeat('ab', 300), 'hex'), '{}'),
    (3, repeat('long ', 1000), '{"n": 3}', decode(repeat('0f', 3000), 'hex'), ARRAY['z']),
    (4, NULL, NULL, NULL, NULL);
  CREATE TABLE audit (at timestamptz NOT NULL, detail text);`;
/** What DMS carries for each column: jsonb and arrays as the text PostgreSQL gives them, bytea as bytes. */
const READ = "SELECT id, body, doc::text AS doc, raw, tags::text AS tags FROM notes";

type Row = { id: number; body: string | null; doc: string | null; raw: Buffer | null; tags: string | null };

/** DMS limited LOB mode: a value longer than LobMaxSize arrives cut to it (ASCII here, so bytes are characters). */
function cut<T extends string | Buffer | null>(v: T): T {
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
const expected = (rows: Row[]) =>
  rows.map((r) => ({ ...r, body: cut(r.body), raw: r.raw === null ? null : cut(r.raw).toString("hex").toUpperCase() }));

pg.describe("LOB columns of a real PostgreSQL table, extracted, validated and replayed", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-lob-"));
  const metadata = path.join(root, "metadata");
  const dms = path.join(root, "dms");
  const loadFile = path.join(dms, "public", "notes", "LOAD00000001.parquet");
  const cdcFile = path.join(dms, "public", "notes", "20240101-000100000.parquet");
  let source: Row[];
  let meta: TableMetadata;

  beforeAll(async () => {
    const c = new Client({ connectionString: pg.url() });
    await c.connect();
    try {
      await c.query(SCHEMA);
      const extract = await cdc(
        "metadata",
        "extract",
        "--engine",
        "postgres",
        "--url",
        pg.url(),
        "--source",
        "crm",
        "--out",
        metadata,
      );
      expect(extract.code).toBe(0);
      meta = readMetadataDir(metadata).tables.find((t) => t.table === "notes")!;
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
      source = (await c.query<Row>(`${READ} ORDER BY id`)).rows;
    } finally {
      await c.end();
    }
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("extracts text, jsonb, bytea and text[] of a keyed table as included LOB columns; a keyless table keeps the exclusion", () => {
    const str = { physical: "BYTE_ARRAY", logical: { type: "STRING" } };
    expect(meta.excluded).toEqual([]);
    expect(meta.columns.map((c) => [c.name, c.sourceType, c.dmsType, c.lob ?? false, c.parquet])).toEqual([
      ["id", "integer", "INT4", false, { physical: "INT32", logical: { type: "INTEGER", bitWidth: 32, signed: true } }],
      ["body", "text", "NCLOB", true, str],
      ["doc", "jsonb", "NCLOB", true, str],
      ["raw", "bytea", "BLOB", true, { physical: "BYTE_ARRAY" }],
      ["tags", "text[]", "NCLOB", true, str],
    ]);
    const audit = readMetadataDir(metadata).tables.find((t) => t.table === "audit")!;
    expect(audit.excluded).toEqual([
      {
        name: "detail",
        ordinal: 2,
        sourceType: "text",
        reason: "LOB (DMS NCLOB): AWS DMS replicates LOBs only for tables with a primary key; excluded",
      },
    ]);
  });

  it("cdc validate passes both files and flags the values that reached the limit", async () => {
    const r = await cdc("validate", loadFile, cdcFile, "--metadata", metadata, "--lob-max-kb", "1", "--json");
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as Array<{ valid: boolean; warnings?: Array<{ column: string; count: number }> }>;
    expect(results.map((x) => x.valid)).toEqual([true, true]);
    expect(results[0].warnings?.map((w) => [w.column, w.count])).toEqual([
      ["body", 1],
      ["raw", 1],
    ]);
    expect(results[1].warnings).toBeUndefined();
  });

  target.describe("replayed", () => {
    it("on DuckDB and MariaDB, with every value equal to the source's up to the limit, and the cut values flagged", async () => {
      const out = path.join(root, "out");
      const r = await cdc("replay", dms, "--metadata", metadata, "--out", out, "--mysql", target.url(), "--lob-max-kb", "1");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("public.notes: 3 rows (");
      expect(r.stdout).toContain(
        "warning public/notes/LOAD00000001.parquet: LOB_POSSIBLY_TRUNCATED: public.notes.body (NCLOB): 1 value reaches the LOB limit of 1024 bytes (largest 2048)",
      );
      expect(r.stdout).toContain("LOB_POSSIBLY_TRUNCATED: public.notes.raw (BLOB): 1 value reaches the LOB limit of 1024 bytes");
      const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
      expect(report.files.warned.map((w: { file: string }) => w.file)).toEqual(["public/notes/LOAD00000001.parquet"]);

      const want = expected(source);
      // Rows 1 and 2 are whole; row 3's body and raw were longer than the limit and are its first 1024 bytes.
      expect(want[2].body).toHaveLength(LIMIT);
      expect(source[2].body).toHaveLength(5000);
      expect(want[0]).toEqual({ ...source[0], raw: "DEADBEEF00" });

      const duck = await DuckDBInstance.create(":memory:");
      const conn = await duck.connect();
      const published = path.join(out, "public.notes.parquet").replace(/'/g, "''");
      const duckRows = (
        await conn.runAndReadAll(`SELECT id, body, doc, hex(raw) AS raw, tags FROM read_parquet('${published}') ORDER BY id`)
      ).getRowObjectsJson();
      conn.closeSync();
      duck.closeSync();
      expect(duckRows).toEqual(want);

      const my = await mysql.createConnection({ uri: target.url() });
      const [myRows] = await my.query("SELECT id, body, doc, HEX(raw) AS raw, tags FROM `public__notes` ORDER BY id");
      await my.end();
      expect(myRows).toEqual(want);
    });
  });
});
