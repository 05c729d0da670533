/**
 * `cdc local` end to end, in-process: moto started by the command itself, the generator's full load and CDC rounds
 * landing in raw (whose notifications reach the validation queue from moto itself), the real validate → fan-out → poller handlers, manifests applied by the local Glue runner. The
 * final tables — DuckDB, the publication Parquet files and (when MariaDB is there) MySQL — must equal the reference
 * model's single in-order pass over every file DMS wrote, duplicates and all.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { readMetadataDir } from "../../../../metadata/load";
import { tableId, type TableMetadata } from "../../../../metadata/format";
import { compareDmsFiles } from "../../../../handlers/core/dms-key";
import { defaultTableNames } from "../../../../handlers/core/plan/plan";
import { runManifestSchema } from "../../../../handlers/core/plan/manifest";
import { MySqlExecutor } from "../../../../src/executors/mysql";
import { cdc } from "../../../support/cli";
import { mysqlTestDatabase } from "../../../support/databases";
import { motoDescribe } from "../../../support/moto";
import { canonicalRows, ReferenceModel, type ModelFile } from "../../../support/reference-model";
import { readModelFile } from "../../local/model-files";

const METADATA = path.resolve(__dirname, "../../../../metadata/sources/sales");
const { tables: TABLES } = readMetadataDir(METADATA);
const SMALL = ["--rows", "30", "--changes", "12", "--rounds", "10", "--seed", "4"];

/** Every file the generator wrote for a table, in DMS order, as the model reads them. */
async function modelFiles(conn: DuckDBConnection, out: string, meta: TableMetadata): Promise<ModelFile[]> {
  const dir = path.join(out, "dms", meta.schema, meta.table);
  const keys = fs
    .readdirSync(dir)
    .map((f) => `${meta.schema}/${meta.table}/${f}`)
    .sort(compareDmsFiles);
  return Promise.all(keys.map((k) => readModelFile(conn, path.join(out, "dms", k))));
}

/** The model after one in-order pass over all files. */
async function expectedRows(conn: DuckDBConnection, out: string, meta: TableMetadata) {
  const model = new ReferenceModel(meta);
  const files = await modelFiles(conn, out, meta);
  model.applyBatch(files);
  return { rows: model.rows(), files };
}

/**
 * Rows as a MySQL target holds them: binary columns left out (mysql2 returns Buffers; the DuckDB test compares them) and
 * timestamps cut to the column's declared scale — the generator writes microseconds even into a `datetime2(3)`
 * column, which real DMS output never carries, and DATETIME(3) keeps milliseconds (MariaDB truncates); REAL4 compared
 * to 6 significant digits, as MariaDB's text protocol prints FLOAT.
 */
const asMysqlHolds = (meta: TableMetadata, rows: Array<Record<string, unknown>>) => {
  const bytes = meta.columns.filter((c) => c.dmsType === "BYTES").map((c) => c.name);
  const scale = new Map(meta.columns.filter((c) => c.dmsType === "DATETIME").map((c) => [c.name, Math.min(c.scale ?? 6, 6)]));
  const floats = meta.columns.filter((c) => c.dmsType === "REAL4").map((c) => c.name);
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => !bytes.includes(k))
        .map(([k, v]) => {
          if (floats.includes(k) && v !== null) return [k, Number(v).toPrecision(6)];
          const s = scale.get(k);
          return [k, s === undefined || typeof v !== "string" ? v : v.slice(0, 20 + s).padEnd(26, "0")];
        }),
    ),
  );
};

describe("cdc local without the local Glue environment", () => {
  it("fails in one line saying how to create it", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-local-noenv-"));
    const before = process.env.CDC_GLUE_ENV;
    process.env.CDC_GLUE_ENV = path.join(root, "missing");
    try {
      const r = await cdc("local", "--out", path.join(root, "out"), ...SMALL);
      expect([r.code, r.stderr]).toEqual([
        1,
        `cdc: no local Glue environment in ${path.join(root, "missing")}: run \`bash .ci/python-env\` (needs Python 3.11, Java 17 and network access to PyPI and Maven Central)`,
      ]);
      expect(fs.existsSync(path.join(root, "out"))).toBe(false);
    } finally {
      if (before === undefined) delete process.env.CDC_GLUE_ENV;
      else process.env.CDC_GLUE_ENV = before;
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

motoDescribe("cdc local", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-local-"));
  const out = path.join(root, ".cdc-local");
  let result: Awaited<ReturnType<typeof cdc>>;
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;

  beforeAll(async () => {
    result = await cdc("local", "--metadata", METADATA, "--out", out, ...SMALL);
    instance = await DuckDBInstance.create(path.join(out, "cdc.duckdb"), { access_mode: "READ_ONLY" });
    conn = await instance.connect();
  }, 120_000);
  afterAll(() => {
    conn?.closeSync();
    instance?.closeSync();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("runs every stage, says what it did and how to query it", () => {
    expect(result.stderr).toContain("started moto at http://127.0.0.1:");
    expect(result.stderr).toMatch(/round 0 \(full load\): landed 12 files → validated 12 → fanned out 12 → 1 run applied/);
    expect(result.stderr).toMatch(/round 10: landed \d+ files → validated \d+ → fanned out \d+ → 1 run applied/);
    expect(result.code).toBe(0);
    const runs = Number(/(\d+) runs applied to DuckDB/.exec(result.stdout)?.[1]);
    expect(runs).toBeGreaterThanOrEqual(11);
    expect(result.stdout).toMatch(/0 quarantined/);
    expect(result.stdout).toMatch(/landed → queryable over \d+ files: p50 \d+ ms, p95 \d+ ms/);
    expect(result.stdout).toContain("dbo.AuditEvent (change log)");
    // The manifests the poller wrote, kept for reading: one per run, each valid for the Glue runner.
    const manifests = fs.readdirSync(path.join(out, "runs"));
    expect(manifests).toHaveLength(runs);
    const first = runManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(out, "runs", manifests.sort()[0]), "utf8")));
    expect(first.tables.map((t) => t.table)).toEqual(TABLES.map(tableId));
    expect(first.tables[0].files.every((f) => /LOAD0000000[12]\.parquet$/.test(f))).toBe(true);
    expect(result.stdout).toContain(`query: npm run cdc -- local --query "SELECT * FROM billing__subscription LIMIT 5"`);
  });

  it("ends with every table equal to the reference model's in-order pass, including deletes and re-inserts", async () => {
    let deletes = 0;
    let reinserts = 0;
    for (const meta of TABLES) {
      const { rows, files } = await expectedRows(conn, out, meta);
      const target = defaultTableNames(meta).target.join(".");
      const cols = [
        ...meta.columns.map((c) => `"${c.name}"`),
        ...(meta.primaryKey.length ? [] : ["_cdc_op"]),
        "_cdc_seq",
        "_cdc_timestamp",
      ];
      const live = (await conn.runAndReadAll(`SELECT ${cols.join(", ")} FROM ${target}`)).getRowObjectsJson();
      expect({ table: tableId(meta), rows: canonicalRows(meta, live) }).toEqual({ table: tableId(meta), rows });
      const published = path.join(out, "publication", `${tableId(meta)}.parquet`);
      const pub = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${published}')`)).getRowObjectsJson();
      expect(canonicalRows(meta, pub)).toEqual(rows);

      if (meta.primaryKey.length === 0) continue;
      const deleted = new Set<string>();
      for (const change of files.flatMap((f) => f.changes)) {
        const key = JSON.stringify(meta.primaryKey.map((k) => change.values[k]));
        if (change.op === "D") {
          deletes++;
          deleted.add(key);
        } else if (change.op === "I" && deleted.has(key)) reinserts++;
      }
    }
    expect(deletes).toBeGreaterThan(0);
    expect(reinserts).toBeGreaterThan(0);
  });

  it("answers --query on the database it left behind", async () => {
    const r = await cdc("local", "--out", out, "--query", "SELECT COUNT(*) AS n FROM dbo__customer");
    expect(r.code).toBe(0);
    const model = await expectedRows(conn, out, TABLES.find((t) => t.table === "Customer") as TableMetadata);
    expect(r.stdout).toBe(`n\n${model.rows.length}`);
  });

  it("refuses a directory it did not make, and bad numbers, in one line", async () => {
    const other = fs.mkdtempSync(path.join(root, "mine-"));
    fs.writeFileSync(path.join(other, "keep.txt"), "precious");
    const r = await cdc("local", "--out", other, ...SMALL);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cdc: ${other}: exists and was not made by cdc local; choose another --out`);
    expect(fs.readFileSync(path.join(other, "keep.txt"), "utf8")).toBe("precious");
    const bad = await cdc("local", "--out", path.join(root, "x"), "--rounds", "0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('cdc: --rounds: expected a whole number ≥ 1, received "0"');
  });
});

const mysqlDb = mysqlTestDatabase("cdc_local_e2e");
motoDescribe("cdc local on moto, with MySQL", () =>
  mysqlDb.describe("cdc local --mysql", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-local-mysql-"));
    const out = path.join(root, ".cdc-local");
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it("applies the same runs to MySQL, ending equal to the model", async () => {
      // Fewer rounds than above: the MySQL executor's own tests cover its breadth; this checks local mode wires it in.
      const r = await cdc("local", "--out", out, "--mysql", mysqlDb.url(), "--rows", "20", "--changes", "10", "--rounds", "4");
      expect(r.stderr).toContain("and MySQL");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("to DuckDB and MySQL");
      const instance = await DuckDBInstance.create(":memory:");
      const conn = await instance.connect();
      const mysql = await MySqlExecutor.connect(mysqlDb.url());
      try {
        for (const meta of TABLES) {
          const { rows } = await expectedRows(conn, out, meta);
          const got = canonicalRows(meta, await mysql.rows(meta));
          expect({ table: tableId(meta), rows: asMysqlHolds(meta, got) }).toEqual({
            table: tableId(meta),
            rows: asMysqlHolds(meta, rows),
          });
        }
      } finally {
        await mysql.close();
        conn.closeSync();
        instance.closeSync();
      }
    }, 120_000);
  }),
);
