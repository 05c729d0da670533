/**
 * Large objects end to end from a real PostgreSQL table (issue 15, item 2): `text`, `jsonb`, `bytea` and `text[]`
 * columns are extracted as included LOB columns; DMS-format files of the table's rows, cut as DMS's limited LOB mode
 * cuts them (lob-source.ts), are validated and replayed on DuckDB and MariaDB; every value equals the source's up to
 * the limit, and the value that was longer is flagged.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import mysql from "mysql2/promise";
import { readMetadataDir } from "../../../../metadata/load";
import { cdc } from "../../../support/cli";
import { mysqlTestDatabase, postgresTestDatabase } from "../../../support/databases";
import { buildLobSource, expected, LIMIT, publishedRows, type LobSource } from "./lob-source";

const pg = postgresTestDatabase("cdc_lob_source");
const target = mysqlTestDatabase("cdc_lob_target");

pg.describe("LOB columns of a real PostgreSQL table, extracted, validated and replayed", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-lob-"));
  let lob: LobSource;

  beforeAll(async () => (lob = await buildLobSource(pg.url(), root)));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("extracts text, jsonb, bytea and text[] of a keyed table as included LOB columns; a keyless table keeps the exclusion", () => {
    const str = { physical: "BYTE_ARRAY", logical: { type: "STRING" } };
    expect(lob.meta.excluded).toEqual([]);
    expect(lob.meta.columns.map((c) => [c.name, c.sourceType, c.dmsType, c.lob ?? false, c.parquet])).toEqual([
      ["id", "integer", "INT4", false, { physical: "INT32", logical: { type: "INTEGER", bitWidth: 32, signed: true } }],
      ["body", "text", "NCLOB", true, str],
      ["doc", "jsonb", "NCLOB", true, str],
      ["raw", "bytea", "BLOB", true, { physical: "BYTE_ARRAY" }],
      ["tags", "text[]", "NCLOB", true, str],
    ]);
    const audit = readMetadataDir(lob.metadata).tables.find((t) => t.table === "audit")!;
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
    const r = await cdc("validate", lob.loadFile, lob.cdcFile, "--metadata", lob.metadata, "--lob-max-kb", "1", "--json");
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
      const r = await cdc(
        "replay",
        lob.dms,
        "--metadata",
        lob.metadata,
        "--out",
        out,
        "--mysql",
        target.url(),
        "--lob-max-kb",
        "1",
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("public.notes: 3 rows (");
      expect(r.stdout).toContain(
        "warning public/notes/LOAD00000001.parquet: LOB_POSSIBLY_TRUNCATED: public.notes.body (NCLOB): 1 value reaches the LOB limit of 1024 bytes (largest 2048)",
      );
      expect(r.stdout).toContain("LOB_POSSIBLY_TRUNCATED: public.notes.raw (BLOB): 1 value reaches the LOB limit of 1024 bytes");
      const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
      expect(report.files.warned.map((w: { file: string }) => w.file)).toEqual(["public/notes/LOAD00000001.parquet"]);

      const want = expected(lob.source);
      // Rows 1 and 2 are whole; row 3's body and raw were longer than the limit and are its first 1024 bytes.
      expect(want[2].body).toHaveLength(LIMIT);
      expect(lob.source[2].body).toHaveLength(5000);
      expect(want[0]).toEqual({ ...lob.source[0], raw: "DEADBEEF00" });

      expect(await publishedRows(out)).toEqual(want);

      const my = await mysql.createConnection({ uri: target.url() });
      const [myRows] = await my.query("SELECT id, body, doc, HEX(raw) AS raw, tags FROM `public__notes` ORDER BY id");
      await my.end();
      expect(myRows).toEqual(want);
    });
  });
});
