/**
 * Property: the Glue apply job's own code (handlers/glue/apply_changes.py) on local Spark 3.5.4 + Iceberg 1.7.1, fed
 * each batch as a run manifest built by the plan core and read from S3 (moto), leaves the Iceberg table and the MySQL
 * target (real MariaDB, over Connector/J as in Glue) exactly as the reference model: the same generator and model as the
 * DuckDB and MariaDB property tests — duplicated, reordered and replayed files, delete → re-insert — plus a run that
 * fails between two commits and is run again, and tombstones expiring as the stream moves on.
 *
 * Each run costs local Spark seconds (a dozen statements, two Iceberg commits), and the seeds of a group share each
 * round's run, so the cost follows the longest delivery, not the seed count: the default is CDC_SPARK_SEEDS=9 (three
 * per table); CDC_SPARK_SEEDS=1000 runs the full proof (see README).
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
import { checkSeeds, SEED_START, type PropertyTarget } from "./property-run";

const SEEDS = Number(process.env.CDC_SPARK_SEEDS ?? 9);
/** Histories a little shorter than the DuckDB/MariaDB tests' (24 changes): each batch costs Spark seconds, not ms. */
const SIZE = { keys: 6, changes: Number(process.env.CDC_SPARK_CHANGES ?? 16) };
const GROUP = Math.max(1, Number(process.env.CDC_SPARK_GROUP ?? 100));
const NAMESPACE = ["glue_catalog", "cdc_props"];
const db = mysqlTestDatabase("cdc_spark_property");

sparkDescribe("Glue apply job on local Spark + Iceberg against the reference model", () => {
  const glue = useLocalGlue();
  db.describe("with a MariaDB target", () => {
    let instance: DuckDBInstance;
    let conn: DuckDBConnection;
    let mysql: MySqlExecutor;
    let runs = 0;
    const problems: string[] = [];

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

    const target = (): PropertyTarget => ({
      reset: async (meta) => {
        const plan = sparkPlan(meta);
        for (const sql of plan.create()) await glue().spark.sql(sql);
        await glue().spark.sql(`DELETE FROM ${plan.name("target")}`);
        if (plan.mode === "upsert") await glue().spark.sql(`DELETE FROM ${plan.name("tombstones")}`);
        const mp = mysql.plan(meta);
        await mysql.ensureTables(mp);
        await mysql.connection.query(`DELETE FROM ${mp.name("target")}`);
        if (mp.mode === "upsert") await mysql.connection.query(`DELETE FROM ${mp.name("tombstones")}`);
      },
      apply: async (meta, files, { round, tombstoneCutoff }) => {
        const runId = `run-${String(++runs).padStart(6, "0")}`;
        const uris: string[] = [];
        const etags: string[] = [];
        // Keys as DMS lays them out (…/<schema>/<table>/<file>), under a run prefix: the file name says LOAD or CDC.
        for (const f of files) {
          const key = `raw/${runId}/${path.relative(path.dirname(path.dirname(path.dirname(path.dirname(f)))), f)}`;
          const put = await glue().s3.send(new PutObjectCommand({ Bucket: glue().bucket, Key: key, Body: fs.readFileSync(f) }));
          uris.push(`s3://${glue().bucket}/${key}`);
          etags.push(put.ETag as string);
        }
        // The manifest's cutoff is `now` minus the retention: choose `now` so the cutoff is this round's.
        const now = tombstoneCutoff
          ? new Date(Date.parse(`${tombstoneCutoff.replace(" ", "T")}Z`) + 86_400_000)
          : new Date("2000-01-01T00:00:00Z");
        const manifest = buildRunManifest({
          target: "props/spark",
          runId,
          manifestUri: glue().manifestUri(runId),
          sparkNamespace: NAMESPACE,
          mysql: "mariadb",
          tombstoneRetentionDays: 1,
          now,
          tables: [{ meta, files: uris, etags }],
        });
        const uri = await glue().putManifest(manifest);
        const sha = sha256Hex(manifestBody(manifest));
        const jdbc = jdbcFromMysqlUrl(db.url());
        // Every third run dies right after a commit — MySQL's (Iceberg not merged yet), the tombstones' (the target's
        // MERGE not run) or the table's last — and is run again, as the poller re-submits a manifest that has no
        // `.done` marker.
        if (round % 3 === 1) {
          const commit = (["mysql", "tombstones", "iceberg"] as const)[Math.floor(round / 3) % 3];
          const missed = await missedInjectedFailure(runId, glue().spark.apply(uri, sha, jdbc, { table: 0, commit }));
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

    it(`Iceberg and MySQL equal the reference model: ${SEEDS} seeds, failed runs retried, tombstones expiring`, async () => {
      // Scenario changes are stamped 2024-01-02 00:00, 00:01, … in stream order. From round 7 on, each run expires the
      // tombstones of deletes two minutes further along, so the late rounds meet expired tombstones while the
      // earlier ones still need every tombstone (expiring them early would let the model resurrect the very rows a
      // missing tombstone guard resurrects, and hide it).
      const cutoffs = (round: number) =>
        round < 7 ? undefined : `2024-01-02 00:${String(Math.min(59, 2 * (round - 6))).padStart(2, "0")}:00.000000`;
      const started = Date.now();
      const failure = await checkSeeds(conn, target(), { start: SEED_START, count: SEEDS, group: GROUP, cutoffs, size: SIZE });
      console.log(`Spark property: ${SEEDS} seeds, ${runs} runs in ${Math.round((Date.now() - started) / 1000)} s`);
      expect(failure).toBeUndefined();
      expect(problems.slice(0, 3)).toEqual([]);
    }, 3_600_000);
  });
});
