/**
 * `cdc replay`: a DMS output tree written by code (full load + CDC, DMS naming) is validated, applied and published;
 * the publication equals the reference model, the report counts what happened, reruns and duplicated files change no
 * byte, bad files are quarantined with their reasons, and a MySQL target ends up with the same rows.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import mysql from "mysql2/promise";
import { writeMetadataDir } from "../../../../metadata/load";
import { DuckDbExecutor } from "../../../../src/executors/duckdb";
import { MySqlExecutor } from "../../../../src/executors/mysql";
import { PROPERTY_TABLES, randomScenario, writeDmsFiles, type Scenario } from "../../../support/change-batches";
import { cdc } from "../../../support/cli";
import { mysqlTestDatabase } from "../../../support/databases";
import { canonicalRows, ReferenceModel } from "../../../support/reference-model";

const SEED = 5;
const scenarios: Scenario[] = PROPERTY_TABLES.map((meta, i) => randomScenario(SEED + i, meta, { keys: 8, changes: 30 }));

/** The model after the whole tree as one batch in DMS order — what replay applies. */
function modelRows(s: Scenario) {
  const model = new ReferenceModel(s.meta);
  model.applyBatch(s.inOrder);
  return model.rows();
}

describe("cdc replay", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-replay-"));
  const dms = path.join(root, "dms");
  const metadata = path.join(root, "metadata");
  let duck: DuckDBInstance;
  let conn: DuckDBConnection;

  beforeAll(async () => {
    duck = await DuckDBInstance.create(":memory:");
    conn = await duck.connect();
    const source = {
      source: "props",
      engine: "sqlserver" as const,
      database: "Props",
      extractedAt: "2024-01-01T00:00:00Z",
      tables: [],
    };
    writeMetadataDir(metadata, { ...source }, PROPERTY_TABLES);
    for (const s of scenarios) {
      const files = s.inOrder.map((file) => ({ path: path.join(dms, s.meta.schema, s.meta.table, file.name), file }));
      await writeDmsFiles(conn, s.meta, files);
    }
  });
  afterAll(() => {
    conn.closeSync();
    duck.closeSync();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const published = async (out: string, s: Scenario) => {
    const file = path.join(out, `${s.meta.schema}.${s.meta.table}.parquet`);
    return canonicalRows(
      s.meta,
      (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`)).getRowObjectsJson(),
    );
  };
  const bytes = (dir: string) =>
    Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString("base64")]));

  it("publishes the model's rows per table and reports what the batch did", async () => {
    const out = path.join(root, "out");
    const r = await cdc("replay", dms, "--metadata", metadata, "--out", out);
    expect(r.stderr).toContain("applying dbo.Orders");
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
    const files = scenarios.reduce((n, s) => n + s.inOrder.length, 0);
    expect(report.files).toEqual({ accepted: files, quarantined: [] });
    for (const s of scenarios) {
      const model = new ReferenceModel(s.meta);
      const counts = model.applyBatch(s.inOrder);
      expect(await published(out, s)).toEqual(model.rows());
      expect(report.tables[`${s.meta.schema}.${s.meta.table}`]).toEqual({
        rows: model.rows().length,
        inserted: counts.inserted,
        updated: counts.updated,
        deleted: counts.deleted,
        skippedStale: counts.skippedStale,
      });
    }
    expect(fs.readdirSync(out).sort()).toEqual([
      "audit.events.parquet",
      "dbo.Orders.parquet",
      "report.json",
      "sales.Stock Levels.parquet",
    ]);
  });

  it("writes byte-identical output when run again, and when files are duplicated", async () => {
    const [a, b, c] = ["a", "b", "c"].map((d) => path.join(root, d));
    expect((await cdc("replay", dms, "--metadata", metadata, "--out", a)).code).toBe(0);
    expect((await cdc("replay", dms, "--metadata", metadata, "--out", b)).code).toBe(0);
    expect(bytes(b)).toEqual(bytes(a));

    // A re-delivered CDC file (same rows, later name) and a second copy of the whole tree under a folder prefix.
    const dup = path.join(root, "dup");
    fs.cpSync(dms, dup, { recursive: true });
    const orders = path.join(dup, "dbo", "Orders");
    const firstCdc = fs.readdirSync(orders).find((f) => !f.startsWith("LOAD")) as string;
    fs.copyFileSync(path.join(orders, firstCdc), path.join(orders, "20991231-235959999.parquet"));
    expect((await cdc("replay", dup, "--metadata", metadata, "--out", c)).code).toBe(0);
    const { "report.json": reportA, ...parquetA } = bytes(a);
    const { "report.json": reportC, ...parquetC } = bytes(c);
    expect(parquetC).toEqual(parquetA);
    const [ra, rc] = [reportA, reportC].map((x) => JSON.parse(Buffer.from(x, "base64").toString("utf8")));
    expect(rc.tables).toEqual(ra.tables);
    expect(rc.files.accepted).toBe(ra.files.accepted + 1);
  });

  it("quarantines files that fail validation, with their reasons, and applies the rest (exit 1)", async () => {
    const bad = path.join(root, "bad");
    fs.cpSync(dms, bad, { recursive: true });
    fs.writeFileSync(path.join(bad, "dbo", "Orders", "20240103-000000000.parquet"), "not parquet at all");
    fs.mkdirSync(path.join(bad, "dbo", "Unknown"), { recursive: true });
    fs.copyFileSync(
      path.join(bad, "dbo", "Orders", "20240103-000000000.parquet"),
      path.join(bad, "dbo", "Unknown", "LOAD00000001.parquet"),
    );
    const out = path.join(root, "bad-out");
    const r = await cdc("replay", bad, "--metadata", metadata, "--out", out);
    expect(r.code).toBe(1);
    const report = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
    expect(report.files.quarantined.map((q: { file: string }) => q.file)).toEqual([
      "dbo/Orders/20240103-000000000.parquet",
      "dbo/Unknown/LOAD00000001.parquet",
    ]);
    for (const q of report.files.quarantined) expect(q.errors.length).toBeGreaterThan(0);
    expect(report.files.quarantined[1].errors.map((e: { code: string }) => e.code)).toContain("UNKNOWN_TABLE");
    for (const s of scenarios) expect(await published(out, s)).toEqual(modelRows(s));
    expect(r.stdout).toContain("quarantined dbo/Orders/20240103-000000000.parquet");
  });

  it("says what is wrong with the call in one line", async () => {
    const missing = await cdc("replay", path.join(root, "nope"), "--metadata", metadata, "--out", path.join(root, "x"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`cdc: ${path.join(root, "nope")}: no such directory`);
    const badUrl = await cdc("replay", dms, "--metadata", metadata, "--out", path.join(root, "x"), "--mysql", "postgres://h/db");
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^cdc: --mysql: expected mysql:\/\/user:pass@host:port\/database/);
    const noMeta = await cdc("replay", dms, "--out", path.join(root, "x"));
    expect(noMeta.code).toBe(2);
    expect(noMeta.stderr).toContain("--metadata");
  });

  const db = mysqlTestDatabase("cdc_apply_replay");
  db.describe("with --mysql", () => {
    it("leaves the MySQL target with the same rows as the publication", async () => {
      const out = path.join(root, "mysql-out");
      const r = await cdc("replay", dms, "--metadata", metadata, "--out", out, "--mysql", db.url());
      expect(r.stderr).toContain("(DuckDB and MySQL)");
      expect(r.code).toBe(0);
      const target = await MySqlExecutor.connect(db.url());
      try {
        for (const s of scenarios) expect(canonicalRows(s.meta, await target.rows(s.meta))).toEqual(await published(out, s));
      } finally {
        await target.close();
      }
      // A second run against the same MySQL target finds every change already applied.
      await cdc("replay", dms, "--metadata", metadata, "--out", out, "--mysql", db.url());
      const c = await mysql.createConnection({ uri: db.url() });
      const [rows] = await c.query("SELECT COUNT(*) AS n FROM `dbo__orders`");
      await c.end();
      expect(Number((rows as Array<{ n: number }>)[0].n)).toBe(modelRows(scenarios[0]).length);
    });
  });

  it("exports with DuckDbExecutor the same bytes for the same state (publication determinism)", async () => {
    const a = await DuckDbExecutor.open();
    const b = await DuckDbExecutor.open(":memory:", { threads: 1 });
    try {
      const s = scenarios[0];
      const files = s.inOrder.map((f) => ({ uri: path.join(dms, s.meta.schema, s.meta.table, f.name) }));
      await a.apply(s.meta, files);
      await b.apply(s.meta, files);
      await a.exportParquet(s.meta, path.join(root, "det-a.parquet"));
      await b.exportParquet(s.meta, path.join(root, "det-b.parquet"));
      expect(fs.readFileSync(path.join(root, "det-a.parquet"))).toEqual(fs.readFileSync(path.join(root, "det-b.parquet")));
    } finally {
      a.close();
      b.close();
    }
  });
});
