/**
 * A source schema change mid-stream, end to end through the real poller (DESIGN §5 "Schema changes", issue #15 item 1),
 * run by each engine's test file with its own job: tests/handlers/poll-schema.test.ts (the local DuckDB runner with
 * MariaDB) and poll-schema.spark.test.ts (the Glue job's own code on local Spark + Iceberg, MariaDB over JDBC).
 *
 * dbo.Invoice starts without `DueOn`, with `InvoiceNumber` VARCHAR(20), `CustomerID` INT and `Total` NUMERIC(15,4).
 * Then new metadata is deployed: `DueOn` added, `InvoiceNumber` widened to 40, `CustomerID` BIGINT, `Total`
 * NUMERIC(19,4) — all compatible. The next run alters both targets first and applies old-shape files still in flight
 * (the new column NULL) and new-shape files in one batch; the targets equal the reference model. Then metadata that
 * drops `IssuedAt` is deployed: the table is held at once, with one alert naming the change and the way out, while
 * dbo.Payment goes on; putting the metadata back and resuming applies the waiting files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { ColumnMetadata, TableMetadata } from "../../metadata/format";
import { tableShape } from "../../metadata/schema-diff";
import { createPollHandler } from "../../handlers/poll";
import { DuckDbExecutor } from "../../src/executors/duckdb";
import { MySqlExecutor } from "../../src/executors/mysql";
import type { GeneratedFile } from "../../src/local/dms-generator";
import type { LocalJobRuns } from "../../src/local/glue-runner";
import { MOTO_REGION } from "../../src/local/glue-env/moto";
import { canonicalRows, ReferenceModel, type ModelFile } from "../support/reference-model";
import type { Moto } from "../support/moto";
import { cdc } from "../support/cli";
import { validatedFileMessage } from "../support/validated-message";
import { readModelFile } from "../src/local/model-files";
import { INVOICE, PAYMENT, pollTarget } from "./poll-target-fixture";

export interface SchemaJobContext {
  tables: readonly TableMetadata[];
  duck: DuckDbExecutor;
  mysql: MySqlExecutor;
}

export interface SchemaEngine {
  /** The engine's stand-in for the target's Glue job, deployed with `tables`; after each run `duck` holds the lake rows. */
  job(ctx: SchemaJobContext): LocalJobRuns;
  mysqlUrl: string;
  /** The lake table's column names as the engine has them (Iceberg or DuckDB). */
  lakeColumns(meta: TableMetadata): Promise<string[]>;
}

const column = (meta: TableMetadata, name: string) => meta.columns.find((c) => c.name === name) as ColumnMetadata;
const withColumn = (meta: TableMetadata, name: string, change: Partial<ColumnMetadata>): TableMetadata => ({
  ...meta,
  columns: meta.columns.map((c) => (c.name === name ? { ...c, ...change } : c)),
});

/** The new metadata: CustomerID BIGINT, InvoiceNumber 40, DueOn as extracted. */
export const NEW_INVOICE = withColumn(
  withColumn(INVOICE, "CustomerID", { dmsType: "INT8", sourceType: "bigint", parquet: { physical: "INT64" } }),
  "InvoiceNumber",
  { length: 40, sourceType: "nvarchar(40)" },
);
/** The metadata the targets were first applied with. */
export const OLD_INVOICE: TableMetadata = {
  ...withColumn(
    withColumn(
      withColumn(NEW_INVOICE, "CustomerID", {
        dmsType: "INT4",
        sourceType: "int",
        parquet: column(INVOICE, "CustomerID").parquet,
      }),
      "InvoiceNumber",
      { length: 20, sourceType: "nvarchar(20)" },
    ),
    "Total",
    {
      precision: 15,
      sourceType: "decimal(15,4)",
      parquet: { physical: "INT64", logical: { type: "DECIMAL", precision: 15, scale: 4 } },
    },
  ),
  columns: NEW_INVOICE.columns.filter((c) => c.name !== "DueOn"),
};
/** Metadata the targets cannot follow: IssuedAt dropped. */
const DROPPED_INVOICE: TableMetadata = { ...NEW_INVOICE, columns: NEW_INVOICE.columns.filter((c) => c.name !== "IssuedAt") };

export async function runSchemaScenario(aws: Moto, engine: SchemaEngine, root: string): Promise<void> {
  const target = await pollTarget(aws, root, { rows: 20, changes: 90, seed: 15 }, [NEW_INVOICE, PAYMENT]);
  const { a, b, harmonized, lake, alertsQueue, land, state } = target;
  expect(a.length).toBeGreaterThanOrEqual(9);
  expect(b.length).toBeGreaterThanOrEqual(4);
  const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
  const mysql = await MySqlExecutor.connect(engine.mysqlUrl);
  try {
    // Old-shape copies of A's files, written as a DMS task on the old table would have: DueOn absent, the old types.
    const oldShape = async (f: GeneratedFile): Promise<GeneratedFile> => {
      const out = path.join(root, "old-shape", f.key);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      await duck.connection.run(
        `COPY (SELECT * EXCLUDE ("DueOn") REPLACE (CAST("CustomerID" % 1000000 AS INTEGER) AS "CustomerID", left("InvoiceNumber", 20) AS "InvoiceNumber", ` +
          `CAST("Total" % 100000000000 AS DECIMAL(15,4)) AS "Total") FROM read_parquet('${f.path}')) TO '${out}' (FORMAT parquet)`,
      );
      return { ...f, path: out };
    };
    const old = await Promise.all(a.slice(0, 4).map(oldShape));
    const announce = async (f: GeneratedFile, meta: TableMetadata) => {
      const etag = (await aws.s3.send(new HeadObjectCommand({ Bucket: harmonized, Key: f.key }))).ETag as string;
      const message = { ...validatedFileMessage(f, { bucket: harmonized, etag, validatedAt: new Date().toISOString() }) };
      await aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: target.queueUrl,
          MessageBody: JSON.stringify({ ...message, columns: meta.columns.map((c) => c.name) }),
        }),
      );
    };
    const send = async (f: GeneratedFile, meta: TableMetadata) => {
      await land(f);
      await announce(f, meta);
    };
    /** A poller and a job deployed with `invoice` as dbo.Invoice's metadata. */
    const deploy = (invoice: TableMetadata) => {
      const tables = [invoice, PAYMENT];
      const job = engine.job({ tables, duck, mysql });
      const poll = createPollHandler({
        s3: aws.s3,
        sqs: aws.sqs,
        sns: aws.sns,
        runs: job,
        tables,
        logger: new Logger({ logLevel: "SILENT" }),
        settings: { ...target.settings, mysql: mysql.flavor },
      });
      return async () => {
        for (let tick = 0; tick < 20; tick++) {
          const r = await poll();
          if (r.outcome === "idle") return job;
          await job.wait();
        }
        throw new Error("the poller did not settle");
      };
    };
    // The model reads every file as it is; an old-shape file's rows have no DueOn, which the new metadata reads as NULL.
    const modelFiles = async (files: GeneratedFile[]): Promise<ModelFile[]> =>
      Promise.all(
        files.map(async (f) => {
          const m = await readModelFile(duck.connection, f.path);
          return { ...m, changes: m.changes.map((c) => ({ ...c, values: { DueOn: null, ...c.values } })) };
        }),
      );
    const expectModel = async (meta: TableMetadata, files: GeneratedFile[]) => {
      const model = new ReferenceModel(meta);
      model.applyBatch(await modelFiles(files));
      expect(canonicalRows(meta, await mysql.rows(meta))).toEqual(model.rows());
      expect(canonicalRows(meta, await duck.rows(meta))).toEqual(model.rows());
    };

    // 1. The old metadata: A's full load and first CDC file, B's full load. The state records the applied shape.
    let tick = deploy(OLD_INVOICE);
    for (const f of old.slice(0, 2)) await send(f, OLD_INVOICE);
    await send(b[0], PAYMENT);
    await tick();
    expect((await state()).tables["dbo.Invoice"].shape).toEqual(tableShape(OLD_INVOICE));
    await expectModel(OLD_INVOICE, old.slice(0, 2));
    expect(await engine.lakeColumns(OLD_INVOICE)).not.toContain("DueOn");

    // 2. The new metadata is deployed while two old-shape files are in flight; new-shape files follow them.
    tick = deploy(NEW_INVOICE);
    for (const f of old.slice(2, 4)) await send(f, OLD_INVOICE);
    for (const f of a.slice(4, 6)) await send(f, NEW_INVOICE);
    await send(b[1], PAYMENT);
    const invoiceRun = (job: LocalJobRuns) =>
      job.finished.flatMap((r) => r.manifest.tables).findLast((t) => t.table === "dbo.Invoice");
    const manifest = invoiceRun(await tick());
    expect(manifest?.evolvedFrom).toEqual(tableShape(OLD_INVOICE));
    expect(manifest?.spark.evolve?.map((s) => s.sql).join("\n")).toMatch(/ADD COLUMNS \(`DueOn` date\)/);
    expect(manifest?.fileColumns?.map((c) => c !== null)).toEqual([true, true, false, false]);
    expect(await engine.lakeColumns(NEW_INVOICE)).toContain("DueOn");
    const [[typed]] = (await mysql.connection.query(
      "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'CustomerID'",
      [mysql.plan(NEW_INVOICE).names.target.at(-1)],
    )) as unknown as [[{ COLUMN_TYPE: string }]];
    expect(typed.COLUMN_TYPE).toBe("bigint(20)");
    await expectModel(NEW_INVOICE, [...old, ...a.slice(4, 6)]);
    expect((await state()).tables["dbo.Invoice"].shape).toEqual(tableShape(NEW_INVOICE));
    // The alteration ran once: the next run of the table carries none.
    await send(a[6], NEW_INVOICE);
    const next = invoiceRun(await tick());
    expect(next?.files).toEqual([`s3://${harmonized}/${a[6].key}`]);
    expect(next?.spark.evolve).toBeUndefined();
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);

    // 3. Metadata that drops IssuedAt: dbo.Invoice is held before any file of it is applied; dbo.Payment goes on.
    tick = deploy(DROPPED_INVOICE);
    // One of them of the old shape, still in flight: its message goes while the table is held, its columns must not.
    const rest = [await oldShape(a[7]), ...a.slice(8, -1)];
    for (const [i, f] of rest.entries()) await send(f, i === 0 ? OLD_INVOICE : NEW_INVOICE);
    await send(b[2], PAYMENT);
    await tick();
    const held = (await state()).tables["dbo.Invoice"].held;
    expect(held?.schema).toEqual(["dbo.Invoice: drop-column IssuedAt WSTRING(34) (incompatible: a rename is a drop and an add)"]);
    expect(held?.error).toBe(
      "the deployed metadata changes dbo.Invoice in a way its targets cannot follow: dbo.Invoice: drop-column IssuedAt WSTRING(34) (incompatible: a rename is a drop and an add)",
    );
    expect((await state()).tables["dbo.Payment"].appliedThrough).toBe(`s3://${harmonized}/${b[2].key}`);
    const alerts = (await aws.drainQueue(alertsQueue)).map((m) => JSON.parse(m) as { Subject: string; Message: string });
    expect(alerts.map((m) => m.Subject)).toEqual(["cdc: sales/reporting holds dbo.Invoice (schema change)"]);
    const where = ["--lake-bucket", lake, "--source", "sales", "--target", "reporting"];
    expect(JSON.parse(alerts[0].Message)).toMatchObject({
      kind: "schema-change-held",
      table: "dbo.Invoice",
      changes: held?.schema,
      command: `cdc target resume ${where.join(" ")} --table dbo.Invoice --rebuild`,
      reload: "cdc dms reload-table --stack <stack> --source sales --table dbo.Invoice",
    });
    const cli = [...where, "--endpoint", aws.endpoint, "--region", MOTO_REGION];
    const status = await cdc("target", "status", ...cli);
    expect(status.stdout).toContain("dbo.Invoice: HELD since");
    expect(status.stdout).toContain(
      "schema: dbo.Invoice: drop-column IssuedAt WSTRING(34) (incompatible: a rename is a drop and an add)",
    );
    // Later ticks keep it held without another alert.
    await tick();
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);

    // 4. The metadata is put back and the table resumed: its waiting files apply, in order.
    tick = deploy(NEW_INVOICE);
    const resumed = await cdc("target", "resume", ...cli, "--table", "dbo.Invoice");
    expect(resumed).toMatchObject({ code: 0, stderr: "" });
    await tick();
    expect((await state()).tables["dbo.Invoice"].held).toBeUndefined();
    await expectModel(NEW_INVOICE, [...old, ...a.slice(4, 7), ...rest]);
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);

    // 5. The source really dropped IssuedAt. Held again (with a file waiting); resumed for a rebuild, the table waits
    // for the reload's full load, and the run that takes it sets the old tables aside and creates them anew.
    tick = deploy(DROPPED_INVOICE);
    const pending = a[a.length - 1];
    await send(pending, NEW_INVOICE);
    await tick();
    expect((await state()).tables["dbo.Invoice"].held?.schema).toHaveLength(1);
    expect(await aws.drainQueue(alertsQueue)).toHaveLength(1);
    const [[{ n: before }]] = (await mysql.connection.query(
      `SELECT COUNT(*) AS n FROM ${mysql.plan(NEW_INVOICE).name("target")}`,
    )) as unknown as [[{ n: number }]];
    const rebuilding = await cdc("target", "resume", ...cli, "--table", "dbo.Invoice", "--rebuild");
    expect(rebuilding).toMatchObject({ code: 0, stderr: "" });
    await tick();
    expect((await cdc("target", "status", ...cli)).stdout).toContain("dbo.Invoice: REBUILD PENDING since");
    expect((await state()).tables["dbo.Invoice"].appliedThrough).toBe(`s3://${harmonized}/${a[a.length - 2].key}`);

    // The reload: the source as it is now (every file applied, `pending` too), without IssuedAt, as LOAD00000001 again;
    // then a change after it. Written from a scratch DuckDB table fed the whole history.
    const scratch = await DuckDbExecutor.open(":memory:", { threads: 1 });
    try {
      const history = [...old, ...a.slice(4, 7), ...rest, pending];
      const oldNames = OLD_INVOICE.columns.map((c) => c.name);
      await scratch.apply(
        NEW_INVOICE,
        history.map((f) => (old.includes(f) || f === rest[0] ? { uri: f.path, columns: oldNames } : { uri: f.path })),
      );
      const source = scratch.plan(NEW_INVOICE).name("target");
      const kept = DROPPED_INVOICE.columns.map((c) => `"${c.name}"`).join(", ");
      const reload: GeneratedFile = { ...a[0], path: path.join(root, "reload", a[0].key) };
      const later: GeneratedFile = {
        ...pending,
        key: pending.key.replace(/[^/]+$/, "20991231-235959000.parquet"),
        path: path.join(root, "reload", "later.parquet"),
      };
      fs.mkdirSync(path.dirname(reload.path), { recursive: true });
      await scratch.connection.run(
        `COPY (SELECT 'I' AS "Op", '2099-12-31 00:00:00.000000' AS cdc_timestamp, CAST(NULL AS VARCHAR) AS cdc_seq, ${kept} ` +
          `FROM ${source} ORDER BY "InvoiceID") TO '${reload.path}' (FORMAT parquet)`,
      );
      await scratch.connection.run(
        `COPY (SELECT 'U' AS "Op", '2099-12-31 23:59:59.000000' AS cdc_timestamp, '${"9".repeat(35)}' AS cdc_seq, ` +
          `${kept.replace('"CustomerID"', '"CustomerID" + 1 AS "CustomerID"')} FROM ${source} ORDER BY "InvoiceID" LIMIT 2) ` +
          `TO '${later.path}' (FORMAT parquet)`,
      );
      await send(reload, DROPPED_INVOICE);
      await send(later, DROPPED_INVOICE);
      const rebuilt = invoiceRun(await tick());
      expect(rebuilt?.rebuild?.backups).toHaveLength(2);
      expect(rebuilt?.generation?.sweep).toBe(true);
      const after = (await state()).tables["dbo.Invoice"];
      expect(after).toMatchObject({ shape: tableShape(DROPPED_INVOICE), rebuilt: { backups: rebuilt?.rebuild?.backups } });
      expect(after.held ?? after.rebuild).toBeUndefined();
      expect(await engine.lakeColumns(DROPPED_INVOICE)).not.toContain("IssuedAt");

      // The targets hold the new load with the later change, no more; the old MySQL table is kept aside, whole.
      await scratch.apply(DROPPED_INVOICE, [{ uri: later.path }]);
      const values = (rows: Array<Record<string, unknown>>) =>
        canonicalRows(DROPPED_INVOICE, rows).map((r) => DROPPED_INVOICE.columns.map((c) => r[c.name]));
      const expected = values(await scratch.rows(DROPPED_INVOICE));
      expect(expected.length).toBeGreaterThan(0);
      expect(values(await mysql.rows(DROPPED_INVOICE))).toEqual(expected);
      expect(values(await duck.rows(DROPPED_INVOICE))).toEqual(expected);
      const backup = rebuilt?.rebuild?.backups[0] as string;
      const [[{ n: kept_ }]] = (await mysql.connection.query(`SELECT COUNT(*) AS n FROM \`${backup}\``)) as unknown as [
        [{ n: number }],
      ];
      expect(kept_).toBe(before);
      expect((await cdc("target", "status", ...cli)).stdout).toContain(`the old tables are kept as ${backup}`);
      // A replay of changes the old tables had (a file applied in round 1, announced again) is stale against the reload.
      await send(old[1], OLD_INVOICE);
      await tick();
      expect(values(await mysql.rows(DROPPED_INVOICE))).toEqual(expected);
      expect(values(await duck.rows(DROPPED_INVOICE))).toEqual(expected);
      expect(await aws.drainQueue(alertsQueue)).toEqual([]);
    } finally {
      scratch.close();
    }
  } finally {
    duck.close();
    await mysql.close();
  }
}
