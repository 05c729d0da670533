/**
 * Tables held on a transient error retry by themselves (issue #12): on moto with the real poller and the local DuckDB
 * runner, a job whose run of one table fails as the Glue job reports a transient cause (`.done`: failed, `transient`,
 * handlers/glue/apply_changes.py `is_transient`) has that table held with no alert, resumed by the poller after the
 * backoff and applied, while the other table goes on; when the automatic retries are used up the hold alerts once and
 * waits for `cdc target resume`. The table then equals the reference model.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Logger } from "@aws-lambda-powertools/logger";
import type { TableMetadata } from "../../metadata/format";
import { createPollHandler } from "../../handlers/poll";
import { runManifestSchema } from "../../handlers/core/plan/manifest";
import type { GeneratedFile } from "../../src/local/dms-generator";
import { DuckDbExecutor } from "../../src/executors/duckdb";
import { LocalGlueJob, LocalJobRuns, splitS3Uri, type LocalRun } from "../../src/local/glue-runner";
import { MOTO_REGION } from "../../src/local/glue-env/moto";
import { canonicalRows, ReferenceModel } from "../support/reference-model";
import { motoDescribe, useMoto } from "../support/moto";
import { cdc } from "../support/cli";
import { readModelFile } from "../src/local/model-files";
import { INVOICE, PAYMENT, pollTarget } from "./poll-target-fixture";

const TRANSIENT = "org.apache.spark.SparkException: Job aborted [cause: java.net.SocketTimeoutException: Read timed out]";

/** The local runner, except that its next `flaky` runs end as the Glue job ends a run whose tables hit a transient error. */
class FlakyJob extends LocalJobRuns {
  flaky = 0;
  constructor(
    private readonly inner: LocalGlueJob,
    private readonly s3: S3Client,
  ) {
    super();
  }

  protected async execute(jobRunId: string, manifestUri: string, manifestSha256: string): Promise<LocalRun> {
    if (this.flaky === 0) {
      await this.inner.start(manifestUri, manifestSha256);
      const run = await this.inner.wait();
      if (!run) throw this.inner.failed[this.inner.failed.length - 1].error;
      return { ...run, jobRunId };
    }
    this.flaky--;
    const s3 = this.s3;
    const [bucket, key] = splitS3Uri(manifestUri);
    const text = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString("utf-8");
    const manifest = runManifestSchema.parse(JSON.parse(text ?? ""));
    const tables = manifest.tables.map((t) => ({ table: t.table, status: "failed" as const, error: TRANSIENT, transient: true }));
    const [doneBucket, doneKey] = splitS3Uri(manifest.doneUri);
    await s3.send(
      new PutObjectCommand({ Bucket: doneBucket, Key: doneKey, Body: JSON.stringify({ runId: manifest.runId, tables }) }),
    );
    return { jobRunId, manifest, tables: [], finishedAt: new Date() };
  }
}

motoDescribe("tables held on a transient error retry by themselves", () => {
  const aws = useMoto();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-transient-"));
  const env = { ...process.env };
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    process.env = env;
  });

  it("holds without alerting, resumes after the backoff, and alerts once when the retries are used up", async () => {
    const [A, B] = [INVOICE, PAYMENT];
    const target = await pollTarget(aws(), root, { rows: 10, changes: 30, seed: 5 });
    const { a, b, lake, alertsQueue, state } = target;
    expect(a.length).toBeGreaterThanOrEqual(3);
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    const job = new FlakyJob(
      new LocalGlueJob({
        s3: aws().s3,
        tables: [A, B],
        duck,
        tombstoneRetentionDays: 7,
        workDir: path.join(root, "work"),
        publicationDir: path.join(root, "pub"),
      }),
      aws().s3,
    );
    let clock = new Date();
    const minutes = (n: number) => (clock = new Date(clock.getTime() + n * 60_000));
    const poll = createPollHandler({
      s3: aws().s3,
      sqs: aws().sqs,
      sns: aws().sns,
      runs: job,
      tables: [A, B],
      logger: new Logger({ logLevel: "SILENT" }),
      now: () => clock,
      settings: { ...target.settings, transientRetries: 1 },
    });
    const deliver = (f: GeneratedFile) => target.land(f).then(() => target.announce(f, clock));
    const tick = async () => {
      // Ticks are minutes apart in AWS; a second apart here, so each run gets its own time in its id.
      minutes(1 / 60);
      const r = await poll();
      await job.wait();
      return r;
    };
    const untilIdle = async () => {
      for (let i = 0; i < 10; i++) if ((await tick()).outcome === "idle") return;
      throw new Error("the poller did not settle");
    };
    const expectModel = async (meta: TableMetadata, applied: GeneratedFile[]) => {
      const model = new ReferenceModel(meta);
      model.applyBatch(await Promise.all(applied.map((f) => readModelFile(duck.connection, f.path))));
      expect(canonicalRows(meta, await duck.rows(meta))).toEqual(model.rows());
    };
    const where = ["--lake-bucket", lake, "--source", "sales", "--target", "reporting", "--endpoint", aws().endpoint];
    where.push("--region", MOTO_REGION);

    try {
      await deliver(a[0]);
      await deliver(b[0]);
      await untilIdle();

      // A's next run hits a transient error: held with an automatic retry in 5 minutes, and no alert.
      job.flaky = 1;
      await deliver(a[1]);
      await untilIdle();
      let s = await state();
      const hold = s.tables["dbo.Invoice"].held;
      expect(hold).toMatchObject({ transient: true, error: TRANSIENT });
      expect(Date.parse(hold?.retryAt ?? "") - Date.parse(hold?.since ?? "")).toBe(300_000);
      expect(await aws().drainQueue(alertsQueue)).toEqual([]);
      // B goes on meanwhile.
      await deliver(b[1]);
      await untilIdle();
      await expectModel(B, b.slice(0, 2));

      // After the backoff the poller resumes A by itself and applies it.
      minutes(5);
      await untilIdle();
      s = await state();
      expect(s.tables["dbo.Invoice"].held).toBeUndefined();
      expect(s.tables["dbo.Invoice"].autoRetries).toBeUndefined();
      await expectModel(A, a.slice(0, 2));
      expect(await aws().drainQueue(alertsQueue)).toEqual([]);

      // Twice transient in a row with one automatic retry: the second hold alerts once and waits for resume.
      job.flaky = 2;
      await deliver(a[2]);
      await untilIdle();
      minutes(5);
      await untilIdle();
      s = await state();
      expect(s.tables["dbo.Invoice"]).toMatchObject({ autoRetries: 1, held: { transient: true } });
      expect(s.tables["dbo.Invoice"].held?.retryAt).toBeUndefined();
      const alerts = await aws().drainQueue(alertsQueue);
      expect(alerts).toHaveLength(1);
      expect((JSON.parse(alerts[0]) as { Message: string }).Message).toContain("looks transient");
      minutes(120);
      await untilIdle();
      expect((await state()).tables["dbo.Invoice"].held).toBeDefined();
      const status = await cdc("target", "status", ...where);
      expect(status.stdout).toContain("transient, but its 1 automatic retries are used up");

      const resumed = await cdc("target", "resume", ...where, "--table", "dbo.Invoice");
      expect(resumed.code).toBe(0);
      await untilIdle();
      await expectModel(A, a.slice(0, 3));
      expect((await state()).tables["dbo.Invoice"].held).toBeUndefined();
      expect(await aws().drainQueue(alertsQueue)).toEqual([]);
    } finally {
      duck.close();
    }
  }, 120_000);
});
