/**
 * Reloads on the Glue job's own code (handlers/glue/apply_changes.py on local Spark 3.5.4 + Iceberg 1.7.1, MariaDB over
 * Connector/J): the reload scenario of reload-scenario.ts, each batch a run manifest read from S3 (moto), Iceberg and
 * MySQL both checked against the reference model. Then the job's trust checks: a file replaced after the manifest was
 * written fails its table (nothing of it applied) and a manifest whose bytes do not hash to the argument is refused.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { spark as sparkDialect } from "../../../handlers/core/plan/dialect";
import { buildRunManifest, manifestBody, sha256Hex, type RunManifest } from "../../../handlers/core/plan/manifest";
import { defaultTableNames, TablePlan } from "../../../handlers/core/plan/plan";
import type { Generation } from "../../../handlers/core/plan/generation";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { jdbcFromMysqlUrl, SparkJobError } from "../../../src/local/spark/spark-session";
import { mysqlTestDatabase } from "../../support/databases";
import { canonicalRows } from "../../support/reference-model";
import { sparkDescribe, useLocalGlue } from "../../support/spark";
import { RELOAD_META, runReloadScenario, writeReloadFiles } from "./reload-scenario";

const NAMESPACE = ["glue_catalog", "cdc_reload"];
const db = mysqlTestDatabase("cdc_reload_spark");

sparkDescribe("reloads on the Glue job (local Spark + Iceberg, MariaDB over JDBC)", () => {
  const glue = useLocalGlue();
  db.describe("with a MariaDB target", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-reload-spark-"));
    let runs = 0;
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const plan = new TablePlan(RELOAD_META, sparkDialect, defaultTableNames(RELOAD_META, NAMESPACE));

    /** Uploads the files under a run prefix (DMS layout kept) and stores the manifest; returns it with its URI. */
    const manifestFor = async (files: string[], generation?: Generation): Promise<{ manifest: RunManifest; uri: string }> => {
      const runId = `run-${String(++runs).padStart(4, "0")}`;
      const uris: string[] = [];
      const etags: string[] = [];
      for (const f of files) {
        const key = `harmonized/${runId}/${path.relative(dir, f)}`;
        const put = await glue().s3.send(new PutObjectCommand({ Bucket: glue().bucket, Key: key, Body: fs.readFileSync(f) }));
        uris.push(`s3://${glue().bucket}/${key}`);
        etags.push(put.ETag as string);
      }
      const manifest = buildRunManifest({
        target: "reload/spark",
        runId,
        manifestUri: glue().manifestUri(runId),
        sparkNamespace: NAMESPACE,
        mysql: "mariadb",
        tombstoneRetentionDays: 3650,
        now: new Date("2024-01-03T00:00:00Z"),
        tables: [{ meta: RELOAD_META, files: uris, etags, generation: generation && { ...generation, file: uris[0] } }],
      });
      return { manifest, uri: await glue().putManifest(manifest) };
    };
    const icebergRows = () =>
      glue().spark.query(`SELECT ${plan.publicationColumns().map(sparkDialect.quote).join(", ")} FROM ${plan.name("target")}`);

    it("rebuilds Iceberg and MySQL from the new load; retries and old files change nothing", async () => {
      const instance = await DuckDBInstance.create(":memory:");
      const conn = await instance.connect();
      const mysql = await MySqlExecutor.connect(db.url());
      const jdbc = jdbcFromMysqlUrl(db.url());
      const mismatch: string[] = [];
      try {
        const at = await writeReloadFiles(conn, dir);
        const problems = await runReloadScenario(
          {
            apply: async (files, generation) => {
              const { manifest, uri } = await manifestFor(files, generation);
              await glue().spark.apply(uri, sha256Hex(manifestBody(manifest)), jdbc);
            },
            rows: async () => {
              const [iceberg, fromMysql] = [await icebergRows(), await mysql.rows(RELOAD_META)];
              const [a, b] = [canonicalRows(RELOAD_META, iceberg), canonicalRows(RELOAD_META, fromMysql)];
              if (JSON.stringify(a) !== JSON.stringify(b))
                mismatch.push(`Iceberg ${JSON.stringify(a)} != MySQL ${JSON.stringify(b)}`);
              return iceberg;
            },
          },
          at,
          { short: true },
        );
        expect(problems).toEqual([]);
        expect(mismatch).toEqual([]);
      } finally {
        conn.closeSync();
        instance.closeSync();
        await mysql.close();
      }
    }, 120_000);

    it("fails the table whose file was replaced after the manifest pinned it, and refuses a tampered manifest", async () => {
      const before = canonicalRows(RELOAD_META, await icebergRows());
      const file = path.join(dir, "gen1", "dbo", "Orders", "20240102-000100000.parquet");
      const { manifest, uri } = await manifestFor([file]);
      const [pinned] = manifest.tables[0].files;
      // Another version under the same key (what a reload does to LOAD00000001.parquet).
      const other = path.join(dir, "gen2", "dbo", "Orders", "20240102-000700000.parquet");
      const key = pinned.replace(`s3://${glue().bucket}/`, "");
      await glue().s3.send(new PutObjectCommand({ Bucket: glue().bucket, Key: key, Body: fs.readFileSync(other) }));
      await glue().spark.apply(uri, sha256Hex(manifestBody(manifest)), jdbcFromMysqlUrl(db.url()));
      const done = JSON.parse(
        (await (
          await glue().s3.send(new GetObjectCommand({ Bucket: glue().bucket, Key: `runs/${manifest.runId}.done` }))
        ).Body?.transformToString()) ?? "{}",
      ) as { tables: Array<{ status: string; error: string }> };
      expect(done.tables).toEqual([
        {
          table: "dbo.Orders",
          status: "failed",
          error: expect.stringMatching(
            new RegExp(
              `^${pinned.replace(/[.]/g, "\\.")}: expected ETag ${manifest.tables[0].etags[0]} .*found [0-9a-f]+: the file was replaced$`,
            ),
          ),
        },
      ]);
      expect(canonicalRows(RELOAD_META, await icebergRows())).toEqual(before);

      const tampered = await glue()
        .spark.apply(uri, sha256Hex(`${manifestBody(manifest)} `), jdbcFromMysqlUrl(db.url()))
        .then(
          () => undefined,
          (err: Error) => err,
        );
      expect(tampered).toBeInstanceOf(SparkJobError);
      expect((tampered as SparkJobError).kind).toBe("ManifestError");
      expect(tampered?.message).toMatch(
        /SHA-256 [0-9a-f]{64} differs from the [0-9a-f]{64} the poller passed .*refusing to run it/,
      );
    }, 60_000);
  });
});
