/**
 * The poller on fauxqs (target queue, lake bucket) with the Glue control plane mocked (aws-sdk-client-mock, response
 * shapes as Glue returns them). The crash test also executes the manifests with the local Glue runner on DuckDB, so
 * "processed exactly once in effect" is checked on the applied rows, against the reference model.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ConcurrentRunsExceededException,
  GetJobRunsCommand,
  GlueClient,
  StartJobRunCommand,
  type JobRun,
} from "@aws-sdk/client-glue";
import { DeleteMessageBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { mockClient } from "aws-sdk-client-mock";
import { readMetadataDir } from "../../metadata/load";
import { tableId } from "../../metadata/format";
import { createPollHandler, glueJobRuns } from "../../handlers/poll";
import { buildRunManifest, manifestBody, runManifestSchema, sha256Hex } from "../../handlers/core/plan/manifest";
import { runIdTime } from "../../handlers/core/poller/runs";
import { targetStateSchema } from "../../handlers/core/poller/target-state";
import { validatedFileMessage } from "../support/validated-message";
import { generateDmsOutput, type GeneratedFile } from "../../src/local/dms-generator";
import { DuckDbExecutor } from "../../src/executors/duckdb";
import { LocalGlueJob } from "../../src/local/glue-runner";
import { canonicalRows, ReferenceModel } from "../support/reference-model";
import { useFauxqs } from "../support/fauxqs";
import { interceptSend } from "../support/intercept";
import { readModelFile } from "../src/local/model-files";

const SALES = readMetadataDir(path.resolve(__dirname, "../../metadata/sources/sales"));
const TABLES = SALES.tables.filter((t) => ["dbo.Customer", "dbo.AuditEvent"].includes(tableId(t)));
const JOB = "cdc-dev-sales-reporting";
const silent = new Logger({ logLevel: "SILENT" });

/** A Glue job run as GetJobRuns returns it. */
function jobRun(id: string, state: JobRun["JobRunState"], manifestUri = "s3://lake/runs/x.json"): JobRun {
  const started = new Date("2026-11-22T01:00:00Z");
  return {
    Id: id,
    Attempt: 0,
    JobName: JOB,
    JobMode: "SCRIPT",
    StartedOn: started,
    LastModifiedOn: started,
    ...(state === "SUCCEEDED" || state === "FAILED" ? { CompletedOn: new Date(started.getTime() + 60_000) } : {}),
    JobRunState: state,
    Arguments: { "--manifest": manifestUri },
    ...(state === "FAILED" ? { ErrorMessage: "AnalysisException: table not found" } : {}),
    PredecessorRuns: [],
    AllocatedCapacity: 2,
    ExecutionTime: state === "RUNNING" ? 0 : 58,
    Timeout: 2880,
    MaxCapacity: 2,
    WorkerType: "G.1X",
    NumberOfWorkers: 2,
    GlueVersion: "5.0",
  };
}

const jobRunId = (n: number) => `jr_${n.toString(16).padStart(64, "0")}`;

describe("poller on fauxqs with a mocked Glue job", () => {
  const aws = useFauxqs();
  const glue = new GlueClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const glueMock = mockClient(glue);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-poll-"));
  let files: GeneratedFile[];
  let n = 0;
  let queueUrl: string;
  let lake: string;
  let harmonized: string;

  beforeAll(async () => {
    files = generateDmsOutput({
      tables: TABLES,
      outDir: path.join(root, "dms"),
      rows: 20,
      changes: 30,
      seed: 3,
      changesPerCdcFile: 10,
      shuffleRows: true,
      // Recent changes: tombstones of older ones would expire at once under the 7-day retention.
      start: new Date(Date.now() - 3_600_000),
    });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  beforeEach(async () => {
    n++;
    glueMock.reset();
    queueUrl = await aws().createQueue(`reporting-${n}`);
    lake = await aws().createBucket(`lake-${n}`);
    harmonized = await aws().createBucket(`harmonized-${n}`);
  });

  type Over = { visibilityTimeoutSeconds?: number; maxMessages?: number };
  const settings = (over: Over = {}) => ({
    source: "sales",
    target: "reporting",
    queueUrl,
    lakeBucket: lake,
    harmonizedBucket: harmonized,
    alertTopicArn: "arn:aws:sns:us-east-1:000000000000:alerts",
    sparkNamespace: ["glue_catalog", "cdc_dev_sales"],
    mysql: false as const,
    tombstoneRetentionDays: 7,
    ...over,
  });
  const poller = (sqs: SQSClient = aws().sqs, over: Over = {}) =>
    createPollHandler({
      s3: aws().s3,
      sqs,
      sns: aws().sns,
      runs: glueJobRuns(glue, JOB),
      tables: TABLES,
      settings: settings(over),
      logger: silent,
    });

  /** Puts the file in the harmonized bucket and its validated-file message on the target queue. */
  const deliver = async (f: GeneratedFile) => {
    await aws().putObject(harmonized, f.key, fs.readFileSync(f.path));
    const message = validatedFileMessage(f, {
      bucket: harmonized,
      // The ETag S3 gives a single-part upload: the run pins it, the runner checks it.
      etag: `"${createHash("md5").update(fs.readFileSync(f.path)).digest("hex")}"`,
      validatedAt: "2026-11-22T01:00:00.000Z",
    });
    await aws().sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  };
  /** A local stand-in for the target's Glue job, applying manifests to an in-memory DuckDB. */
  const localGlueJob = async () => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    const runner = new LocalGlueJob({
      s3: aws().s3,
      tables: TABLES,
      duck,
      tombstoneRetentionDays: 7,
      workDir: path.join(root, `work-${n}`),
      publicationDir: path.join(root, `pub-${n}`),
    });
    return { duck, runner };
  };
  const manifests = async () => (await aws().listKeys(lake)).filter((k) => k.startsWith("runs/") && k.endsWith(".json"));
  const startedWith = () => glueMock.commandCalls(StartJobRunCommand).map((c) => c.args[0].input.Arguments?.["--manifest"]);
  const startedSha = () => glueMock.commandCalls(StartJobRunCommand).map((c) => c.args[0].input.Arguments?.["--manifest_sha256"]);
  /** A manifest (no tables) as the poller of these settings writes it at `key` (without `.json`): what a re-render gives. */
  const storedManifest = (key: string) => {
    const runId = path.basename(key);
    return manifestBody(
      buildRunManifest({
        ...settings(),
        target: "sales/reporting",
        runId,
        manifestUri: `s3://${lake}/${key}.json`,
        now: runIdTime(runId) as Date,
        tables: [],
      }),
    );
  };

  it("starts nothing when the queue is empty", async () => {
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [jobRun(jobRunId(1), "SUCCEEDED")] });
    expect(await poller()()).toEqual({ outcome: "idle" });
    expect(glueMock.commandCalls(StartJobRunCommand)).toHaveLength(0);
    // Only the target's state: harmonized was searched for unapplied files (there are none) and says when.
    expect(await aws().listKeys(lake)).toEqual(["state/sales/reporting/tables.json"]);
  });

  it("waits while a run of the target is in progress, leaving messages and writing nothing", async () => {
    await deliver(files[0]);
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [jobRun(jobRunId(2), "RUNNING"), jobRun(jobRunId(1), "FAILED")] });
    expect(await poller()()).toEqual({ outcome: "busy", activeRuns: [jobRunId(2)] });
    expect(glueMock.commandCalls(StartJobRunCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(GetJobRunsCommand)[0].args[0].input).toEqual({ JobName: JOB, MaxResults: 200 });
    expect(await aws().listKeys(lake)).toEqual([]);
    expect(await aws().drainQueue(queueUrl)).toHaveLength(1);
  });

  it("writes the manifest (tables sorted, files in DMS order, duplicates once), starts the job on it, then deletes", async () => {
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [] });
    glueMock.on(StartJobRunCommand).resolves({ JobRunId: jobRunId(7) });
    // Out of order, one file delivered twice (fan-out redelivery).
    const customer = files.filter((f) => f.table === "Customer");
    const audit = files.filter((f) => f.table === "AuditEvent");
    for (const f of [customer[2], audit[1], customer[0], customer[2], audit[0], customer[1]]) await deliver(f);

    const r = await poller()();
    expect(r).toMatchObject({ outcome: "started", jobRunId: jobRunId(7), tables: 2, files: 5, messages: 6 });
    const [key] = await manifests();
    expect(key).toMatch(/^runs\/sales\/reporting\/\d{8}T\d{9}Z-[a-z0-9]+\.json$/);
    expect(startedWith()).toEqual([`s3://${lake}/${key}`]);
    const manifest = runManifestSchema.parse(JSON.parse(new TextDecoder().decode(await aws().getObject(lake, key))));
    expect(manifest.doneUri).toBe(`s3://${lake}/${key.replace(/\.json$/, ".done")}`);
    expect(manifest.target).toBe("sales/reporting");
    const uris = (fs: GeneratedFile[]) => fs.map((f) => `s3://${harmonized}/${f.key}`);
    expect(manifest.tables.map((t) => [t.table, t.files])).toEqual([
      ["dbo.AuditEvent", uris([audit[0], audit[1]])],
      ["dbo.Customer", uris([customer[0], customer[1], customer[2]])],
    ]);
    expect(manifest.tables[1].spark.create[0]).toContain("`glue_catalog`.`cdc_dev_sales`.`dbo__customer`");
    expect(await aws().drainQueue(queueUrl)).toEqual([]);
  });

  it("re-submits failed runs' manifests, oldest first, one per tick, before taking new work", async () => {
    const [done, failed, neverStarted] = ["005800000Z-aaaaaa", "010000000Z-bbbbbb", "010200000Z-cccccc"].map(
      (t) => `runs/sales/reporting/20261122T${t}`,
    );
    for (const m of [done, failed, neverStarted]) await aws().putObject(lake, `${m}.json`, storedManifest(m));
    await aws().putObject(lake, `${done}.done`, "{}");
    await deliver(files[0]);
    const failedRun = jobRun(jobRunId(3), "FAILED", `s3://${lake}/${failed}.json`);
    failedRun.Arguments = { ...failedRun.Arguments, "--manifest_sha256": "a".repeat(64) };
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [failedRun] });
    glueMock
      .on(StartJobRunCommand)
      .resolvesOnce({ JobRunId: jobRunId(4) })
      .resolvesOnce({ JobRunId: jobRunId(5) });

    expect(await poller()()).toEqual({
      outcome: "resubmitted",
      runId: "20261122T010000000Z-bbbbbb",
      manifestUri: `s3://${lake}/${failed}.json`,
      jobRunId: jobRunId(4),
    });
    // Its run finished; the manifest a crashed poller wrote but never started is next.
    await aws().putObject(lake, `${failed}.done`, "{}");
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [jobRun(jobRunId(4), "SUCCEEDED", `s3://${lake}/${failed}.json`)] });
    expect(await poller()()).toMatchObject({ outcome: "resubmitted", runId: "20261122T010200000Z-cccccc" });
    expect(startedWith()).toEqual([`s3://${lake}/${failed}.json`, `s3://${lake}/${neverStarted}.json`]);
    // The failed run's hash is the one Glue kept from its first start; the never-started manifest's is vouched for by
    // rendering it again (it is byte for byte what this poller writes).
    expect(startedSha()).toEqual(["a".repeat(64), sha256Hex(storedManifest(neverStarted))]);
    expect(await manifests()).toEqual([done, failed, neverStarted].map((m) => `${m}.json`));

    // Once every manifest has its marker, the waiting message gets its own run.
    await aws().putObject(lake, `${neverStarted}.done`, "{}");
    glueMock.on(StartJobRunCommand).resolves({ JobRunId: jobRunId(6) });
    expect(await poller()()).toMatchObject({ outcome: "started", jobRunId: jobRunId(6), files: 1, messages: 1 });
    expect(await manifests()).toHaveLength(4);
    expect(await aws().drainQueue(queueUrl)).toEqual([]);
  });

  it("moves the checkpoint past settled finished runs so later ticks list only what follows it", async () => {
    const [a, b, c] = ["000000000Z-aaaaaa", "003000000Z-bbbbbb", "013000000Z-cccccc"].map(
      (t) => `runs/sales/reporting/20261122T${t}`,
    );
    for (const m of [a, b, c]) await aws().putObject(lake, `${m}.json`, storedManifest(m));
    for (const m of [a, b]) await aws().putObject(lake, `${m}.done`, "{}");
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [] });
    glueMock.on(StartJobRunCommand).resolves({ JobRunId: jobRunId(8) });
    const at = (iso: string) =>
      createPollHandler({
        s3: aws().s3,
        sqs: aws().sqs,
        sns: aws().sns,
        runs: glueJobRuns(glue, JOB),
        tables: TABLES,
        settings: settings(),
        logger: silent,
        now: () => new Date(iso),
      });
    // Run b finished less than an hour ago: the checkpoint stops after a.
    expect(await at("2026-11-22T01:10:00Z")()).toMatchObject({ outcome: "resubmitted", runId: "20261122T013000000Z-cccccc" });
    expect(new TextDecoder().decode(await aws().getObject(lake, "runs/sales/reporting/checkpoint"))).toBe(`${a}.json`);
    await aws().putObject(lake, `${c}.done`, "{}");
    expect(await at("2026-11-22T03:00:00Z")()).toEqual({ outcome: "idle" });
    expect(new TextDecoder().decode(await aws().getObject(lake, "runs/sales/reporting/checkpoint"))).toBe(`${c}.json`);
    // Whatever sorts before the checkpoint is no longer listed.
    const list = jest.spyOn(aws().s3, "send");
    await at("2026-11-22T03:02:00Z")();
    const listed = list.mock.calls.map(([cmd]) => cmd.input as { StartAfter?: string }).find((i) => "StartAfter" in i);
    expect(listed?.StartAfter).toBe(`${c}.json`);
    list.mockRestore();
  });

  it("passes the manifest's SHA-256 to the job, and never vouches for a pending manifest whose bytes were changed", async () => {
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [] });
    glueMock.on(StartJobRunCommand).resolves({ JobRunId: jobRunId(9) });
    await deliver(files[0]);
    expect(await poller()()).toMatchObject({ outcome: "started" });
    const [key] = await manifests();
    expect(startedSha()).toEqual([sha256Hex((await aws().getObject(lake, key)) as Uint8Array)]);

    // Someone who can write the lake bucket rewrites a manifest that has not run (its first start was lost).
    const pending = "runs/sales/reporting/20261122T013000000Z-dddddd";
    const tampered = storedManifest(pending).replace('"target": "sales/reporting"', '"target": "sales/other"');
    expect(tampered).not.toBe(storedManifest(pending));
    await aws().putObject(lake, `${pending}.json`, tampered);
    await aws().putObject(lake, `${key.replace(/\.json$/, "")}.done`, "{}");
    expect(await poller()()).toEqual({
      outcome: "blocked",
      runId: "20261122T013000000Z-dddddd",
      manifestUri: `s3://${lake}/${pending}.json`,
      failedRuns: [],
    });
    expect(startedWith()).toHaveLength(1);
  });

  it("retries a manifest whose runs keep failing with backoff, alerts once, holds no table, and goes on once a run succeeds", async () => {
    const stuck = "runs/sales/reporting/20261122T010000000Z-cccccc";
    await aws().putObject(lake, `${stuck}.json`, "{}");
    await deliver(files[0]);
    const uri = `s3://${lake}/${stuck}.json`;
    // Glue keeps each run's arguments: the re-submission passes the hash of the first start.
    const failedRun = (id: number) => {
      const r = jobRun(jobRunId(id), "FAILED", uri);
      r.Arguments = { ...r.Arguments, "--manifest_sha256": "ab".repeat(32) };
      r.ErrorMessage = "Py4JJavaError: Communications link failure";
      return r;
    };
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [failedRun(13), failedRun(12), failedRun(11)] });
    glueMock.on(StartJobRunCommand).resolves({ JobRunId: jobRunId(14) });
    const published: Array<{ Subject?: string; Message?: string }> = [];
    const sns = jest.spyOn(aws().sns, "send").mockImplementation(async (cmd) => {
      published.push(cmd.input as { Subject?: string; Message?: string });
      return {};
    });
    const at = (iso: string) =>
      createPollHandler({
        s3: aws().s3,
        sqs: aws().sqs,
        sns: aws().sns,
        runs: glueJobRuns(glue, JOB),
        tables: TABLES,
        settings: settings(),
        logger: silent,
        now: () => new Date(iso),
      });
    const state = async () =>
      targetStateSchema.parse(
        JSON.parse(new TextDecoder().decode(await aws().getObject(lake, "state/sales/reporting/tables.json"))),
      );
    try {
      // Three failures seen at once: the third waits 10 minutes (0, 5, 10, 20 … up to 60), and one alert goes out.
      expect(await at("2026-11-22T01:10:00Z")()).toEqual({
        outcome: "waiting",
        runId: "20261122T010000000Z-cccccc",
        manifestUri: uri,
        failedRuns: [jobRunId(13), jobRunId(12), jobRunId(11)],
        retryAt: "2026-11-22T01:20:00.000Z",
      });
      expect(published).toHaveLength(1);
      expect(published[0].Subject).toBe("cdc: sales/reporting run failing");
      expect(published[0].Message).toContain("Error: Py4JJavaError: Communications link failure");
      expect(published[0].Message).toContain("No table is at fault and none is held");
      expect(published[0].Message).toContain(`cdc target resume --lake-bucket ${lake} --source sales --target reporting --run`);
      expect((await state()).run).toMatchObject({ failures: 3, cleared: 0, alertedAt: "2026-11-22T01:10:00.000Z" });
      expect(Object.values((await state()).tables).filter((t) => t.held)).toEqual([]);

      expect(await at("2026-11-22T01:15:00Z")()).toMatchObject({ outcome: "waiting", retryAt: "2026-11-22T01:20:00.000Z" });
      expect(glueMock.commandCalls(StartJobRunCommand)).toHaveLength(0);
      expect(await at("2026-11-22T01:20:00Z")()).toEqual({
        outcome: "resubmitted",
        runId: "20261122T010000000Z-cccccc",
        manifestUri: uri,
        jobRunId: jobRunId(14),
      });
      expect(startedSha()).toEqual(["ab".repeat(32)]);

      // It fails again: the fourth failure waits 20 minutes; still one alert.
      glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [failedRun(14), failedRun(13), failedRun(12), failedRun(11)] });
      expect(await at("2026-11-22T01:22:00Z")()).toMatchObject({ outcome: "waiting", retryAt: "2026-11-22T01:42:00.000Z" });
      expect(published).toHaveLength(1);
      // No new work past the failing run: the message waits on the queue.
      expect(await aws().drainQueue(queueUrl)).toHaveLength(1);
      await deliver(files[0]);

      // The cause is gone: the next retry succeeds and the target goes on by itself.
      expect(await at("2026-11-22T01:42:00Z")()).toMatchObject({ outcome: "resubmitted" });
      glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [jobRun(jobRunId(15), "SUCCEEDED", uri)] });
      await aws().putObject(lake, `${stuck}.done`, JSON.stringify({ runId: "20261122T010000000Z-cccccc", tables: [] }));
      expect(await at("2026-11-22T01:44:00Z")()).toMatchObject({ outcome: "started", files: 1 });
      expect((await state()).run).toBeUndefined();
      expect(published).toHaveLength(1);
    } finally {
      sns.mockRestore();
    }
  });

  it("leaves the messages and removes the unstarted manifest when Glue refuses a concurrent run", async () => {
    await deliver(files[0]);
    glueMock.on(GetJobRunsCommand).resolves({ JobRuns: [] });
    glueMock
      .on(StartJobRunCommand)
      .rejects(new ConcurrentRunsExceededException({ message: `Concurrent runs exceeded for ${JOB}`, $metadata: {} }));
    const r = await poller()();
    expect(r).toMatchObject({ outcome: "deferred", reason: `Concurrent runs exceeded for ${JOB}` });
    expect(await manifests()).toEqual([]);
    // Released at once, not hidden for the visibility timeout.
    expect(await aws().drainQueue(queueUrl)).toHaveLength(1);
  });

  it("applies the files of a poller that crashed before deleting its messages exactly once in effect", async () => {
    const { duck, runner } = await localGlueJob();
    glueMock.on(GetJobRunsCommand).callsFake(async () => ({ JobRuns: [] }));
    glueMock.on(StartJobRunCommand).callsFake(async (input: { Arguments: Record<string, string> }) => {
      const r = await runner.start(input.Arguments["--manifest"], input.Arguments["--manifest_sha256"]);
      await runner.wait();
      return { JobRunId: r.started ? r.jobRunId : "" };
    });
    const customer = files.filter((f) => f.table === "Customer");
    for (const f of customer) await deliver(f);

    // The first poller dies between starting the run and deleting the messages.
    const crashing = interceptSend(aws().sqs, async (command, send) => {
      if (command instanceof DeleteMessageBatchCommand) throw new Error("Lambda timed out");
      return send(command);
    });
    await expect(poller(crashing, { visibilityTimeoutSeconds: 1 })()).rejects.toThrow("Lambda timed out");
    expect(runner.finished).toHaveLength(1);

    // The messages come back after their visibility timeout; the next tick applies the same files again.
    await new Promise((r) => setTimeout(r, 1500));
    const second = await poller()();
    expect(second).toMatchObject({ outcome: "started", files: customer.length });
    expect(runner.finished).toHaveLength(2);
    expect(await poller()()).toEqual({ outcome: "idle" });

    const meta = TABLES.find((t) => t.table === "Customer")!;
    const model = new ReferenceModel(meta);
    model.applyBatch(await Promise.all(customer.map((f) => readModelFile(duck.connection, f.path))));
    expect(canonicalRows(meta, await duck.rows(meta))).toEqual(model.rows());
    // The second run found nothing newer than what the first applied.
    const again = runner.finished[1].tables[0].lake;
    expect(again).toMatchObject({ inserted: 0, updated: 0, deleted: 0, tombstoned: 0 });
    expect(again.skippedStale).toBe(again.changes);
    duck.close();
  });

  it("lets two pollers ticking at once start one run; the other's messages wait, and every change lands once", async () => {
    const { duck, runner } = await localGlueJob();
    glueMock.on(GetJobRunsCommand).callsFake(async () => ({
      JobRuns: (await runner.recent()).map((r) => jobRun(r.id, r.active ? "RUNNING" : "FAILED", r.manifestUri)),
    }));
    // Glue with MaxConcurrentRuns 1: a second StartJobRun while one runs is refused.
    glueMock.on(StartJobRunCommand).callsFake(async (input: { Arguments: Record<string, string> }) => {
      const r = await runner.start(input.Arguments["--manifest"], input.Arguments["--manifest_sha256"]);
      if (!r.started) throw new ConcurrentRunsExceededException({ message: r.reason, $metadata: {} });
      return { JobRunId: r.jobRunId };
    });
    const customer = files.filter((f) => f.table === "Customer");
    for (const f of customer) await deliver(f);

    // Two messages per tick, so both pollers usually get some; however they interleave, one run starts.
    const small = { maxMessages: 2 };
    const both = await Promise.all([poller(aws().sqs, small)(), poller(aws().sqs, small)()]);
    const outcomes = both.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === "started")).toHaveLength(1);
    expect(["deferred", "busy", "idle"]).toContain(outcomes.find((o) => o !== "started"));
    await runner.wait();
    // A refused poller removes its manifest: only the started run's is left.
    expect(await manifests()).toHaveLength(1);
    for (let tick = 0; tick < 10 && (await poller(aws().sqs, small)()).outcome !== "idle"; tick++) await runner.wait();
    expect(runner.failed).toEqual([]);

    const meta = TABLES.find((t) => t.table === "Customer")!;
    const model = new ReferenceModel(meta);
    model.applyBatch(await Promise.all(customer.map((f) => readModelFile(duck.connection, f.path))));
    expect(canonicalRows(meta, await duck.rows(meta))).toEqual(model.rows());
    // Every file was applied exactly once in all: the two runs split the messages between them.
    expect(runner.finished.flatMap((r) => r.tables.flatMap((t) => t.files)).sort()).toEqual(
      customer.map((f) => `s3://${harmonized}/${f.key}`).sort(),
    );
    expect(await aws().drainQueue(queueUrl)).toEqual([]);
    duck.close();
  });
});
