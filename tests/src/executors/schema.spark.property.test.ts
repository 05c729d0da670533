/**
 * Property: a schema change in the middle of a stream (tests/src/executors/schema-property.ts) through the Glue apply
 * job's own code (handlers/glue/apply_changes.py) on local Spark 3.5.4 + Iceberg 1.7.1 with a MariaDB target: each
 * round is one run manifest built by the plan core (`buildRunManifest`) for all three tables, with each file's column
 * names. The three tables change shape in the same round (`together`: one run alters all three, before any of them
 * sees a new-shape file), whose manifest gives each its `applied` shape, so it carries the ALTER statements (`evolve`)
 * the job runs before reading the batch. That run dies once right after its last commit and is run again, as the
 * poller re-submits a manifest without `.done`: the job alters again (the ADDs skipped by their probes) and applies
 * again. Iceberg and MySQL must both equal the reference model and the closed form.
 *
 * Cost: every round is one Spark run whatever the seed count (the seeds of a group share each table), so the default
 * is CDC_SCHEMA_SEEDS=9 (three per table, one group) over short histories; CDC_SCHEMA_SEEDS=300 runs a wider proof.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import * as fs from "node:fs";
import * as path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { TableMetadata } from "../../../metadata/format";
import { buildRunManifest, manifestBody, sha256Hex } from "../../../handlers/core/plan/manifest";
import { defaultTableNames, TablePlan } from "../../../handlers/core/plan/plan";
import { spark as sparkDialect } from "../../../handlers/core/plan/dialect";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { jdbcFromMysqlUrl } from "../../../src/local/spark/spark-session";
import { mysqlTestDatabase } from "../../support/databases";
import { sparkDescribe, useLocalGlue } from "../../support/spark";
import { icebergRowsLikeMysql, missedInjectedFailure } from "./spark-property-checks";
import { checkSchemaSeeds, schemaSeeds, type SchemaPropertyTarget } from "./schema-property";

const SEEDS = schemaSeeds(9);
/** Shorter histories than DuckDB's and MariaDB's: each round costs Spark seconds. */
const SIZE = { keys: 6, changes: Number(process.env.CDC_SCHEMA_CHANGES ?? 8) };
const NAMESPACE = ["glue_catalog", "cdc_schema_props"];
const db = mysqlTestDatabase("cdc_schema_spark_property");

sparkDescribe("a schema change mid-stream through the Glue apply job (Spark + Iceberg)", () => {
  const glue = useLocalGlue();
  db.describe("with a MariaDB target", () => {
    let instance: DuckDBInstance;
    let conn: DuckDBConnection;
    let mysql: MySqlExecutor;
    let runs = 0;
    const problems: string[] = [];
    /** Each local file's S3 URI and ETag, uploaded once. */
    const uploaded = new Map<string, { uri: string; etag: string }>();

    beforeAll(async () => {
      instance = await DuckDBInstance.create(":memory:");
      conn = await instance.connect();
      mysql = await MySqlExecutor.connect(db.url());
    });
    afterAll(async () => {
      conn?.closeSync();
      instance?.closeSync();
      await mysql?.close();
    });

    const sparkPlan = (meta: TableMetadata) => new TablePlan(meta, sparkDialect, defaultTableNames(meta, NAMESPACE));

    /** Keys as DMS lays them out (…/<seed>/<schema>/<table>/<file>): the file name says LOAD or CDC. */
    const upload = async (file: string) => {
      const known = uploaded.get(file);
      if (known) return known;
      const key = `raw/${file.split(path.sep).slice(-5).join("/")}`;
      const put = await glue().s3.send(new PutObjectCommand({ Bucket: glue().bucket, Key: key, Body: fs.readFileSync(file) }));
      const at = { uri: `s3://${glue().bucket}/${key}`, etag: put.ETag as string };
      uploaded.set(file, at);
      return at;
    };

    const target = (): SchemaPropertyTarget => ({
      reset: async (meta) => {
        const plan = sparkPlan(meta);
        for (const kind of ["target", "tombstones"] as const) await glue().spark.sql(`DROP TABLE IF EXISTS ${plan.name(kind)}`);
        for (const sql of plan.create()) await glue().spark.sql(sql);
        const mp = mysql.plan(meta);
        for (const kind of ["target", "tombstones", "staging"] as const)
          await mysql.connection.query(`DROP TABLE IF EXISTS ${mp.name(kind)}`);
        for (const sql of mp.create()) await mysql.connection.query(sql);
      },
      apply: async (batches) => {
        const runId = `run-${String(++runs).padStart(6, "0")}`;
        const tables = [];
        for (const { meta, files, applied } of batches) {
          const at = await Promise.all(files.map((f) => upload(f.uri)));
          tables.push({
            meta,
            files: at.map((a) => a.uri),
            etags: at.map((a) => a.etag),
            columns: files.map((f) => f.columns),
            ...(applied ? { applied } : {}),
          });
        }
        const manifest = buildRunManifest({
          target: "props/schema",
          runId,
          manifestUri: glue().manifestUri(runId),
          sparkNamespace: NAMESPACE,
          mysql: "mariadb",
          tombstoneRetentionDays: 1,
          now: new Date("2000-01-01T00:00:00Z"),
          tables,
        });
        const uri = await glue().putManifest(manifest);
        const sha = sha256Hex(manifestBody(manifest));
        const jdbc = jdbcFromMysqlUrl(db.url());
        const evolving = batches.map((b, i) => (b.applied ? i : -1)).filter((i) => i >= 0);
        if (evolving.length > 0) {
          if (!manifest.tables.every((t, i) => !evolving.includes(i) || (t.spark.evolve && t.mysql?.evolve)))
            problems.push(`${runId}: a table changing shape has no evolve statements in its manifest`);
          // Dies right after the last changing table's last commit: every ALTER ran, and runs again below.
          const missed = await missedInjectedFailure(
            runId,
            glue().spark.apply(uri, sha, jdbc, { table: evolving[evolving.length - 1], commit: "iceberg" }),
          );
          if (missed) problems.push(missed);
        }
        await glue().spark.apply(uri, sha, jdbc);
      },
      // The Iceberg table; MySQL's rows must be the same (checked here, reported by the test).
      rows: async (meta) => {
        const { rows, problem } = await icebergRowsLikeMysql((sql) => glue().spark.query(sql), mysql, meta, NAMESPACE);
        if (problem) problems.push(problem);
        return rows;
      },
    });

    it(`Iceberg and MySQL equal the reference model: ${SEEDS} seeds, each table changing shape mid-stream`, async () => {
      const started = Date.now();
      const report = await checkSchemaSeeds(conn, target(), { count: SEEDS, size: SIZE, together: true });
      console.log(`Spark schema property: ${SEEDS} seeds, ${runs} runs in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(report.failure).toBeUndefined();
      expect(problems.slice(0, 3)).toEqual([]);
      expect(report.checked).toBeGreaterThanOrEqual(Math.floor(SEEDS * 0.6));
      expect(report.inFlight).toBeGreaterThan(0);
      expect(report.changes).toBeGreaterThan(0);
    }, 3_600_000);
  });
});
