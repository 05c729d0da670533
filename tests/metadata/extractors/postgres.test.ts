import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { readMetadataDir } from "../../../metadata/load";
import { lobReason } from "../../../metadata/type-mapping";
import { cdc } from "../../support/cli";
import { postgresTestDatabase } from "../../support/databases";
import { readTree } from "./tree";

const db = postgresTestDatabase("cdc_meta_postgres");

const SCHEMA = `
  CREATE TYPE order_status AS ENUM ('new', 'shipped', 'cancelled');
  CREATE DOMAIN email AS varchar(320);
  CREATE TABLE everything (
    id bigint PRIMARY KEY, small smallint, int_s integer, serial_id serial, amount numeric(12,2) NOT NULL, any_num numeric,
    wide numeric(40,5), ratio real, measure double precision, price money,
    code char(3), name varchar(100) NOT NULL, loose varchar, body text, contact email,
    day date, at_time time, at_time_tz time with time zone, happened timestamp(3), happened_tz timestamptz,
    span interval, flag boolean NOT NULL, doc json, docb jsonb, uid uuid, raw bytea,
    status order_status NOT NULL, tags text[], addr inet, bits bit(4));
  CREATE SCHEMA sales;
  CREATE TABLE sales.order_lines (order_id integer, line_no smallint, sku varchar(40) NOT NULL, PRIMARY KEY (line_no, order_id));
  CREATE TABLE event_log (happened timestamptz NOT NULL, who varchar(64) NOT NULL, payload jsonb);
  CREATE VIEW everything_ids AS SELECT id FROM everything;
  ALTER TABLE event_log ADD COLUMN gone integer;
  ALTER TABLE event_log DROP COLUMN gone;
  ALTER TABLE event_log ADD COLUMN source_ip inet;`;

type Expected = [name: string, sourceType: string, dmsType: string, sizing: Record<string, number>, nullable: boolean];
const EVERYTHING: Expected[] = [
  ["id", "bigint", "INT8", {}, false],
  ["small", "smallint", "INT2", {}, true],
  ["int_s", "integer", "INT4", {}, true],
  ["serial_id", "integer", "INT4", {}, false],
  ["amount", "numeric", "NUMERIC", { precision: 12, scale: 2 }, false],
  ["any_num", "numeric", "NUMERIC", { precision: 28, scale: 6 }, true],
  ["wide", "numeric", "STRING", { length: 42 }, true],
  ["ratio", "real", "REAL4", {}, true],
  ["measure", "double precision", "REAL8", {}, true],
  ["price", "money", "NUMERIC", { precision: 38, scale: 4 }, true],
  ["code", "character", "WSTRING", { length: 3 }, true],
  ["name", "character varying", "WSTRING", { length: 100 }, false],
  ["loose", "character varying", "WSTRING", { length: 8000 }, true],
  ["contact", "character varying", "WSTRING", { length: 320 }, true],
  ["day", "date", "DATE", {}, true],
  ["at_time", "time without time zone", "TIME", { length: 16, scale: 6 }, true],
  ["at_time_tz", "time with time zone", "TIME", { length: 22, scale: 6 }, true],
  ["happened", "timestamp without time zone", "DATETIME", { scale: 3 }, true],
  ["happened_tz", "timestamp with time zone", "DATETIME", { scale: 6 }, true],
  ["span", "interval", "STRING", { length: 128 }, true],
  ["flag", "boolean", "STRING", { length: 5 }, false],
  ["uid", "uuid", "STRING", { length: 36 }, true],
  ["status", "order_status", "STRING", { length: 64 }, false],
  ["addr", "inet", "STRING", { length: 50 }, true],
  ["bits", "bit", "STRING", { length: 4 }, true],
];

db.describe("PostgreSQL extractor against PostgreSQL 15", () => {
  let out: string;
  beforeAll(async () => {
    const c = new Client({ connectionString: db.url() });
    await c.connect();
    await c.query(SCHEMA);
    await c.end();
  });
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-meta-pg-"));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  const extract = (...extra: string[]) =>
    cdc("metadata", "extract", "--engine", "postgres", "--url", db.url(), "--source", "crm", "--out", out, ...extra);

  it("extracts every base table of every schema, field by field, with progress per table", async () => {
    const r = await extract();
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")).toEqual([
      `reading the postgres catalog at ${new URL(db.url()).hostname}:${new URL(db.url()).port || 5432}/cdc_meta_postgres`,
      "  public.event_log: 3 columns, 1 excluded (payload), no primary key: published as an append-only change log",
      "  public.everything: 30 columns, primary key (id)",
      "  sales.order_lines: 3 columns, primary key (line_no, order_id)",
    ]);
    const { source, tables } = readMetadataDir(out);
    expect(source).toMatchObject({ source: "crm", engine: "postgres", database: "cdc_meta_postgres" });
    expect(source.tables).toEqual(["public.event_log", "public.everything", "sales.order_lines"]);

    const everything = tables.find((t) => t.table === "everything")!;
    const notLob = everything.columns.filter((c) => c.lob === undefined);
    expect(notLob.map((c) => [c.name, c.sourceType, c.dmsType, pick(c), c.nullable])).toEqual(EVERYTHING);
    // A keyed table replicates its LOBs: text, json and arrays as the strings DMS writes, bytea as binary.
    expect(everything.excluded).toEqual([]);
    const str = { physical: "BYTE_ARRAY", logical: { type: "STRING" } };
    expect(
      everything.columns.filter((c) => c.lob === true).map((c) => [c.name, c.ordinal, c.sourceType, c.dmsType, c.parquet]),
    ).toEqual([
      ["body", 14, "text", "NCLOB", str],
      ["doc", 23, "json", "NCLOB", str],
      ["docb", 24, "jsonb", "NCLOB", str],
      ["raw", 26, "bytea", "BLOB", { physical: "BYTE_ARRAY" }],
      ["tags", 28, "text[]", "NCLOB", str],
    ]);
    // time keeps its precision (scale) and travels as text: Spark 3.5 cannot read a Parquet TIME.
    for (const name of ["at_time", "at_time_tz"]) {
      expect(everything.columns.find((c) => c.name === name)!.parquet).toEqual({
        physical: "BYTE_ARRAY",
        logical: { type: "STRING" },
      });
    }
    expect(everything.columns.find((c) => c.name === "happened_tz")!.parquet).toEqual({
      physical: "INT64",
      logical: { type: "TIMESTAMP", unit: "MICROS", utc: false },
    });

    expect(tables.find((t) => t.table === "order_lines")).toMatchObject({
      schema: "sales",
      primaryKey: ["line_no", "order_id"],
      columns: [
        { name: "order_id", ordinal: 1, dmsType: "INT4", nullable: false },
        { name: "line_no", ordinal: 2, dmsType: "INT2", nullable: false },
        { name: "sku", ordinal: 3, dmsType: "WSTRING", length: 40, nullable: false },
      ],
    });
    // A dropped column leaves a gap in the ordinals, exactly as the catalog numbers them.
    expect(tables.find((t) => t.table === "event_log")).toMatchObject({
      primaryKey: [],
      columns: [
        { name: "happened", ordinal: 1, dmsType: "DATETIME" },
        { name: "who", ordinal: 2 },
        { name: "source_ip", ordinal: 5 },
      ],
      excluded: [{ name: "payload", ordinal: 3, sourceType: "jsonb", reason: lobReason("NCLOB") }],
    });
  });

  it("changes no byte on a second extraction of an unchanged database", async () => {
    expect((await extract()).code).toBe(0);
    const first = readTree(out);
    const again = await extract();
    expect(again.stdout).toBe(`${out}: 3 tables, unchanged`);
    expect(readTree(out)).toEqual(first);
  });

  it("refuses to overwrite another source's metadata", async () => {
    await extract();
    const r = await cdc("metadata", "extract", "--engine", "postgres", "--url", db.url(), "--source", "billing", "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `cdc: ${out}: holds metadata of source crm (postgres database cdc_meta_postgres), not billing (postgres database cdc_meta_postgres); choose another --out`,
    );
  });

  it("fails in one line naming host and port, never the password", async () => {
    const r = await cdc(
      "metadata",
      "extract",
      "--engine",
      "postgres",
      "--url",
      "postgres://crm:pa55word@127.0.0.1:1/crm",
      "--source",
      "crm",
      "--out",
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").pop()).toMatch(/^cdc: cannot connect to postgres at 127\.0\.0\.1:1: connect ECONNREFUSED/);
    expect(r.stderr).not.toContain("pa55word");
  });
});

function pick(c: { length?: number; precision?: number; scale?: number }): Record<string, number> {
  const out: Record<string, number> = {};
  if (c.length !== undefined) out.length = c.length;
  if (c.precision !== undefined) out.precision = c.precision;
  if (c.scale !== undefined) out.scale = c.scale;
  return out;
}
