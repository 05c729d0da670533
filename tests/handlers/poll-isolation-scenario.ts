/**
 * The per-table isolation scenario (DESIGN §5, issue #12 item 3), run by each engine's test file with its own job:
 * tests/handlers/poll-failures.test.ts (the local DuckDB runner with MariaDB) and poll-failures.spark.test.ts (the
 * Glue job's own code, handlers/glue/apply_changes.py, on local Spark + Iceberg with MariaDB over Connector/J).
 *
 * On moto (S3, SQS, SNS) with the real poller: a poison file in table A holds that table with one alert, while table B
 * of the same target is applied to the end, including files whose queue messages are gone; after the file is fixed
 * and `cdc target resume` runs, A equals the reference model on the engine's lake table and on MariaDB.
 *
 * The poison passes the validate Lambda's rules (checked here on its bytes): its footer and its Op, cdc_seq and key
 * chunks are intact, only the pages of another column (InvoiceNumber) are garbage — which only the apply reads.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import type { TableMetadata } from "../../metadata/format";
import { createPollHandler } from "../../handlers/poll";
import { validateLocalFile } from "../../handlers/core/validation/validate-object";
import type { GeneratedFile } from "../../src/local/dms-generator";
import { DuckDbExecutor } from "../../src/executors/duckdb";
import { MySqlExecutor } from "../../src/executors/mysql";
import type { LocalJobRuns } from "../../src/local/glue-runner";
import { MOTO_REGION } from "../../src/local/glue-env/moto";
import { canonicalRows, ReferenceModel } from "../support/reference-model";
import type { Moto } from "../support/moto";
import { cdc } from "../support/cli";
import { readModelFile } from "../src/local/model-files";
import { chunkOf } from "./core/validation/parquet-surgery";
import { INVOICE, PAYMENT, SALES, SPARK_NAMESPACE, pollTarget } from "./poll-target-fixture";

export { INVOICE, PAYMENT, SALES, SPARK_NAMESPACE };

/** What the engine under test gets to build its job: the lake table's copy (DuckDB) and MariaDB are the scenario's. */
export interface IsolationJobContext {
  tables: readonly TableMetadata[];
  duck: DuckDbExecutor;
  mysql: MySqlExecutor;
  /** A scratch directory of the scenario's. */
  root: string;
}

export interface IsolationEngine {
  /** The engine's stand-in for the target's Glue job; after each run, `duck` holds the lake table's rows. */
  job(ctx: IsolationJobContext): LocalJobRuns;
  /** MariaDB database URL (a scratch database of the test file). */
  mysqlUrl: string;
  /** The engine's own error on the poison file, as the held table records it. */
  poisonError: RegExp;
}

/** A copy of a generated file whose InvoiceNumber pages are garbage: footer, Op, cdc_seq and key intact. */
export function poisonOf(file: GeneratedFile): Uint8Array {
  const bytes = new Uint8Array(fs.readFileSync(file.path));
  const chunk = chunkOf(bytes, "InvoiceNumber");
  bytes.fill(0xee, chunk.start, chunk.end);
  return bytes;
}

export async function runIsolationScenario(aws: Moto, engine: IsolationEngine, root: string): Promise<void> {
  const [A, B] = [INVOICE, PAYMENT];
  const target = await pollTarget(aws, root, { rows: 20, changes: 40, seed: 12 });
  const { a, b, harmonized, lake, queueUrl, alertsQueue, land, announce, state } = target;
  expect(a.length).toBeGreaterThanOrEqual(4);
  expect(b.length).toBeGreaterThanOrEqual(4);

  // The poison passes validation as the Lambda runs it (same bytes, same key).
  const poison = a[1];
  const poisonBytes = poisonOf(poison);
  const poisonPath = path.join(root, "poison", poison.key);
  fs.mkdirSync(path.dirname(poisonPath), { recursive: true });
  fs.writeFileSync(poisonPath, poisonBytes);
  expect((await validateLocalFile(poisonPath, [A, B])).errors).toEqual([]);

  const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
  const mysql = await MySqlExecutor.connect(engine.mysqlUrl);
  try {
    const job = engine.job({ tables: [A, B], duck, mysql, root });
    const poll = createPollHandler({
      s3: aws.s3,
      sqs: aws.sqs,
      sns: aws.sns,
      runs: job,
      tables: [A, B],
      logger: new Logger({ logLevel: "SILENT" }),
      settings: { ...target.settings, mysql: mysql.flavor },
    });
    const untilIdle = async () => {
      for (let tick = 0; tick < 20; tick++) {
        const r = await poll();
        if (r.outcome === "idle") return;
        await job.wait();
      }
      throw new Error("the poller did not settle");
    };
    const expectModel = async (meta: TableMetadata, applied: GeneratedFile[]) => {
      const model = new ReferenceModel(meta);
      model.applyBatch(await Promise.all(applied.map((f) => readModelFile(duck.connection, f.path))));
      expect(canonicalRows(meta, await duck.rows(meta))).toEqual(model.rows());
      expect(canonicalRows(meta, await mysql.rows(meta))).toEqual(model.rows());
    };

    // Round 1: both full loads.
    for (const f of [a[0], b[0]]) await land(f).then(() => announce(f));
    await untilIdle();

    // Round 2: A's first CDC file is poison, B's is fine.
    await land(poison, poisonBytes);
    await announce(poison);
    await land(b[1]).then(() => announce(b[1]));
    await untilIdle();
    // The job recorded A's failure in the run's `.done` marker (the run itself finished): A is held, no run failed.
    expect(job.failed).toEqual([]);
    const markers = await Promise.all(
      (await aws.listKeys(lake))
        .filter((k) => k.endsWith(".done"))
        .map(async (k) => JSON.parse(new TextDecoder().decode(await aws.getObject(lake, k))) as { tables: unknown[] }),
    );
    expect(markers.map((m) => m.tables)).toContainEqual([
      { table: "dbo.Invoice", status: "failed", error: expect.stringMatching(engine.poisonError) },
      { table: "dbo.Payment", status: "applied" },
    ]);
    const held = (await state()).tables["dbo.Invoice"].held;
    expect(held).toMatchObject({ file: `s3://${harmonized}/${poison.key}`, files: [`s3://${harmonized}/${poison.key}`] });
    expect(held?.error).toMatch(engine.poisonError);
    expect((await state()).tables["dbo.Payment"]).toMatchObject({ appliedThrough: `s3://${harmonized}/${b[1].key}` });

    // One alert: table, file, error and the command that resumes it.
    const alerts = await aws.drainQueue(alertsQueue);
    expect(alerts).toHaveLength(1);
    const alert = JSON.parse(alerts[0]) as { Subject: string; Message: string };
    expect(alert.Subject).toBe("cdc: sales/reporting holds dbo.Invoice");
    expect(JSON.parse(alert.Message)).toMatchObject({
      kind: "table-held",
      source: "sales",
      target: "reporting",
      table: "dbo.Invoice",
      file: `s3://${harmonized}/${poison.key}`,
      error: held?.error,
      command: `cdc target resume --lake-bucket ${lake} --source sales --target reporting --table dbo.Invoice`,
    });

    // Rounds 3+: the rest of both tables; A's and B's last files land with no message at all (lost, expired).
    const [aLast, bLast] = [a[a.length - 1], b[b.length - 1]];
    for (const f of [...a.slice(2, -1), ...b.slice(2, -1)]) await land(f).then(() => announce(f));
    await land(aLast);
    await land(bLast);
    await untilIdle();
    await untilIdle();

    // B is applied to the end, on both engines; A is still held at its full load, its later files waiting.
    await expectModel(B, b);
    await expectModel(A, [a[0]]);
    expect(await aws.drainQueue(queueUrl)).toEqual([]);
    const s = await state();
    expect(s.tables["dbo.Payment"]).toMatchObject({ appliedThrough: `s3://${harmonized}/${bLast.key}` });
    expect(s.tables["dbo.Invoice"]).toMatchObject({ appliedThrough: `s3://${harmonized}/${a[0].key}` });
    expect(s.tables["dbo.Invoice"].held).toBeDefined();
    const where = [
      "--lake-bucket",
      lake,
      "--source",
      "sales",
      "--target",
      "reporting",
      "--endpoint",
      aws.endpoint,
      "--region",
      MOTO_REGION,
    ];
    const status = await cdc("target", "status", ...where);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("dbo.Invoice: HELD since");
    expect(status.stdout).toContain(`file:  s3://${harmonized}/${poison.key}`);
    expect(status.stdout).toMatch(/dbo\.Payment: ok, applied through/);
    // Still held on later ticks, and alerted once only.
    await untilIdle();
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);

    // The fix: the right file replaces the poison one in harmonized; then resume.
    await land(poison);
    const resumed = await cdc("target", "resume", ...where, "--table", "dbo.invoice");
    expect(resumed.stderr).toBe("");
    expect(resumed.stdout).toBe("resumed dbo.Invoice: the poller's next tick applies its files after its mark, in order");
    await untilIdle();

    await expectModel(A, a);
    await expectModel(B, b);
    const after = await state();
    expect(after.tables["dbo.Invoice"]).toMatchObject({ appliedThrough: `s3://${harmonized}/${aLast.key}` });
    expect(after.tables["dbo.Invoice"].held).toBeUndefined();
    expect(job.failed).toEqual([]);
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);
    // Resuming a table that is not held is one line, not a stack trace.
    const again = await cdc("target", "resume", ...where, "--table", "dbo.Invoice");
    expect(again).toMatchObject({ code: 1, stderr: "cdc: dbo.Invoice is not held on sales/reporting (held: none)" });
  } finally {
    duck.close();
    await mysql.close();
  }
}
