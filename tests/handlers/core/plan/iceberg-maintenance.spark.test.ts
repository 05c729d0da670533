/**
 * The maintenance proof (#15 item 3) on the Glue job's own code (handlers/glue/apply_changes.py on local Spark 3.5.4 +
 * Iceberg 1.7.1): many small runs into one Iceberg table, each a manifest built by the plan core with the target's
 * write properties, leave hundreds of data files and snapshots; the maintenance the Glue table optimizers run —
 * rewrite_data_files, expire_snapshots, remove_orphan_files, as `maintenanceStatements` renders them for a scheduled
 * fallback — cuts the data files on storage at least tenfold, leaves the snapshots to keep, removes a dead write's
 * file, and the table still equals the reference model. For copy-on-write and merge-on-read.
 *
 * The changes are the property tests' (change-batches.ts): several seeds at a time, each its own keys, delivered with
 * duplicated, reordered and replayed files; each run takes every active seed's next batch. Time passes as the
 * optimizers see it: the retention runs "6 days later" (its cut-off from a clock moved on), and the files on storage
 * are made 4 days old for the orphan removal, whose procedure refuses a cut-off within the last 24 hours.
 *
 * Knob: CDC_MAINTENANCE_RUNS (default 12 runs per write mode, the fewest that leave ten times the files compaction
 * leaves; 200 is the issue's proof: each run costs seconds of local Spark, tens of seconds on a busy machine).
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { spark as sparkDialect } from "../../../../handlers/core/plan/dialect";
import { maintainedTables, maintenanceStatements } from "../../../../handlers/core/plan/iceberg-maintenance";
import {
  DEFAULT_ICEBERG_SETTINGS,
  type IcebergSettings,
  type IcebergWriteMode,
} from "../../../../handlers/core/plan/iceberg-settings";
import { buildRunManifest, manifestBody, sha256Hex } from "../../../../handlers/core/plan/manifest";
import { defaultTableNames, TablePlan } from "../../../../handlers/core/plan/plan";
import type { TableMetadata } from "../../../../metadata/format";
import { PROPERTY_TABLES, randomScenario, scenarioPath, writeDmsFiles, type Scenario } from "../../../support/change-batches";
import { canonicalRows, ReferenceModel } from "../../../support/reference-model";
import { sparkDescribe, useLocalGlue } from "../../../support/spark";

const RUNS = Number(process.env.CDC_MAINTENANCE_RUNS ?? 12);
/** Seeds delivering at once: each run carries a few files of each. */
const ACTIVE_SEEDS = 3;
const DATABASE = "cdc_maint";
const NAMESPACE = ["glue_catalog", DATABASE];
const DAY = 86_400_000;

interface Counts {
  /** Data files the current snapshot reads. */
  liveDataFiles: number;
  /** Delete files the current snapshot reads (merge-on-read). */
  liveDeleteFiles: number;
  /** Data files of every snapshot: what storage holds besides orphans. */
  allDataFiles: number;
  snapshots: number;
  /** Parquet files under the table's data/ directory but the delete files any snapshot lists: data and orphan files. */
  dataFilesOnStorage: number;
}

sparkDescribe("Iceberg maintenance on the Glue job's tables (local Spark + Iceberg)", () => {
  const glue = useLocalGlue();
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-maintenance-"));
  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
    conn = await instance.connect();
  });
  afterAll(() => {
    conn?.closeSync();
    instance?.closeSync();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const tableDir = (name: string) => path.join(glue().warehouse, DATABASE, name);
  const parquetUnder = (dir: string): string[] =>
    fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".parquet")) : [];

  async function counts(name: string): Promise<Counts> {
    const t = `${NAMESPACE.join(".")}.${sparkDialect.quote(name)}`;
    const n = async (sql: string) => Number((await glue().spark.query(sql))[0].n);
    const deletes = new Set(
      (await glue().spark.query(`SELECT file_path FROM ${t}.all_delete_files`)).map((r) => path.basename(String(r.file_path))),
    );
    return {
      liveDataFiles: await n(`SELECT count(*) AS n FROM ${t}.files WHERE content = 0`),
      liveDeleteFiles: await n(`SELECT count(*) AS n FROM ${t}.files WHERE content > 0`),
      allDataFiles: await n(`SELECT count(DISTINCT file_path) AS n FROM ${t}.all_data_files`),
      snapshots: await n(`SELECT count(*) AS n FROM ${t}.snapshots`),
      dataFilesOnStorage: parquetUnder(path.join(tableDir(name), "data")).filter((f) => !deletes.has(path.basename(f))).length,
    };
  }

  /** Applies `runs` runs of the seeds' deliveries to `meta`'s table; returns the reference model of each seed. */
  async function applyRuns(meta: TableMetadata, settings: IcebergSettings, runs: number): Promise<ReferenceModel[]> {
    const models: ReferenceModel[] = [];
    const active: Array<{ scenario: Scenario; next: number; model: ReferenceModel }> = [];
    let seed = 0;
    for (let run = 1; run <= runs; run++) {
      while (active.length < ACTIVE_SEEDS) {
        const scenario = randomScenario(++seed * 3, meta, { keys: 8, changes: 30 });
        const model = new ReferenceModel(meta);
        models.push(model);
        active.push({ scenario, next: 0, model });
        const files = scenario.inOrder.map((file) => ({ path: scenarioPath(root, scenario, file), file }));
        await writeDmsFiles(conn, meta, files);
      }
      const uris: string[] = [];
      const etags: string[] = [];
      for (const a of active) {
        const batch = a.scenario.batches[a.next++];
        a.model.applyBatch(batch);
        for (const file of batch) {
          const local = scenarioPath(root, a.scenario, file);
          const key = `raw/${meta.table}/${path.relative(root, local).split(path.sep).join("/")}`;
          const put = await glue().s3.send(
            new PutObjectCommand({ Bucket: glue().bucket, Key: key, Body: fs.readFileSync(local) }),
          );
          uris.push(`s3://${glue().bucket}/${key}`);
          etags.push(put.ETag as string);
        }
      }
      for (let i = active.length - 1; i >= 0; i--) if (active[i].next >= active[i].scenario.batches.length) active.splice(i, 1);
      const runId = `${meta.table}-${String(run).padStart(6, "0")}`;
      const manifest = buildRunManifest({
        target: "maint/spark",
        runId,
        manifestUri: glue().manifestUri(runId),
        sparkNamespace: NAMESPACE,
        mysql: false,
        tombstoneRetentionDays: 1,
        iceberg: settings,
        // No tombstone expires: the cut-off is before every change.
        now: new Date("2000-01-01T00:00:00Z"),
        tables: [{ meta, files: uris, etags }],
      });
      await glue().spark.apply(await glue().putManifest(manifest), sha256Hex(manifestBody(manifest)));
    }
    return models;
  }

  /** The table's live rows against every seed's reference model; the first difference, if any. */
  async function differences(meta: TableMetadata, models: ReferenceModel[]): Promise<string | undefined> {
    const plan = new TablePlan(meta, sparkDialect, defaultTableNames(meta, NAMESPACE));
    const rows = await glue().spark.query(
      `SELECT ${plan.publicationColumns().map(sparkDialect.quote).join(", ")} FROM ${plan.name("target")}`,
    );
    const actual = canonicalRows(meta, rows);
    const expected = canonicalRows(
      meta,
      models.flatMap((m) => m.rows()),
    );
    if (actual.length === 0) return "the table is empty";
    const i = actual.findIndex((row, n) => JSON.stringify(row) !== JSON.stringify(expected[n]));
    if (i < 0 && actual.length === expected.length) return undefined;
    return `Iceberg has ${actual.length} rows, the model ${expected.length}; first difference: Iceberg ${JSON.stringify(actual[i])}, model ${JSON.stringify(expected[i])}`;
  }

  /** Every file under the table's location made `days` old, as if the runs had happened then. */
  function age(name: string, days: number): void {
    const when = new Date(Date.now() - days * DAY);
    const dir = tableDir(name);
    for (const f of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isFile()) fs.utimesSync(p, when, when);
    }
  }

  it.each<[IcebergWriteMode]>([["copy-on-write"], ["merge-on-read"]])(
    `%s: maintenance after ${RUNS} small runs cuts the data files on storage tenfold and keeps the rows`,
    async (writeMode) => {
      const meta: TableMetadata = { ...PROPERTY_TABLES[0], table: `orders_${writeMode.replace(/-/g, "_")}` };
      // The local table has far fewer files than Glue's default trigger of 100 per partition: compact from 2.
      const settings: IcebergSettings = { ...DEFAULT_ICEBERG_SETTINGS, writeMode, compactionMinInputFiles: 2 };
      const models = await applyRuns(meta, settings, RUNS);
      const [target, tombstones] = maintainedTables(meta);
      expect(await differences(meta, models)).toBeUndefined();
      const properties = await glue().spark.query(`SHOW TBLPROPERTIES ${NAMESPACE.join(".")}.${target}`);
      expect(properties).toContainEqual(expect.objectContaining({ key: "write.merge.mode", value: writeMode }));

      // A write that died before its commit leaves a file no snapshot references.
      const dataDir = path.join(tableDir(target), "data");
      const someFile = parquetUnder(dataDir)[0];
      const orphan = path.join(dataDir, "00000-0-dead-write-00001.parquet");
      fs.copyFileSync(path.join(dataDir, someFile), orphan);
      const before = await counts(target);
      const tombstonesBefore = await counts(tombstones);

      age(target, 4);
      age(tombstones, 4);
      for (const name of [target, tombstones]) {
        const later = maintenanceStatements(DATABASE, name, settings, new Date(Date.now() + 6 * DAY));
        const today = maintenanceStatements(DATABASE, name, settings, new Date());
        for (const sql of [...later.compaction, ...later.retention, ...today.orphans]) await glue().spark.sql(sql);
      }
      const after = await counts(target);
      const tombstonesAfter = await counts(tombstones);
      console.log(
        `Iceberg maintenance, ${writeMode}, ${RUNS} runs: target ${JSON.stringify(before)} → ${JSON.stringify(after)}; ` +
          `tombstones ${JSON.stringify(tombstonesBefore)} → ${JSON.stringify(tombstonesAfter)}`,
      );

      expect(await differences(meta, models)).toBeUndefined();
      expect(fs.existsSync(orphan)).toBe(false);
      expect(after.snapshots).toBe(settings.snapshotsToKeep);
      // A delete file committed with the compacted files' starting snapshot stays listed (Iceberg keeps deletes as new
      // as the data), though the file it pointed into is gone; every older one goes with the files it applied to.
      expect(after.liveDeleteFiles).toBeLessThanOrEqual(Math.min(1, before.liveDeleteFiles));
      expect(before.dataFilesOnStorage).toBeGreaterThanOrEqual(10 * after.dataFilesOnStorage);
      expect(before.allDataFiles).toBeGreaterThanOrEqual(10 * after.allDataFiles);
      expect(tombstonesAfter.snapshots).toBe(settings.snapshotsToKeep);
      expect(tombstonesAfter.dataFilesOnStorage).toBeLessThan(tombstonesBefore.dataFilesOnStorage);
    },
    3_600_000,
  );
});
