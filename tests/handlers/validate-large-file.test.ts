/**
 * The large-file path end to end on moto: the validate Lambda hands a file without statistics to the Glue job, the
 * job (DuckDB standing in for Spark, its own Python building the answer) sends the result row back on the validation
 * queue, and the Lambda moves the file on that verdict — or leaves it alone when raw no longer holds what was checked.
 */
import { GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { FullBatchFailureError } from "@aws-lambda-powertools/batch";
import { motoDescribe, useMoto } from "../support/moto";
import { runLargeFileJob } from "../support/large-file-job";
import { ordersTable } from "../support/parquet-fixtures";
import { badFiles, ordersFile } from "./core/validation/bad-files";
import { createPipeline, handlerFor, JOB_ROLE_ID, lambdaContext, notifications, sqsEvent } from "./validate-harness";

const tables = [ordersTable()];
const RESULT_QUEUE = "https://sqs.eu-west-2.amazonaws.com/111111111111/cdc-dev-sales-validation";

motoDescribe("large files: hand-off to the Glue job and back", () => {
  const aws = useMoto();
  const glue = mockClient(GlueClient);
  beforeEach(() => {
    glue.reset();
    glue.on(StartJobRunCommand).resolves({ JobRunId: "jr_1" });
  });
  afterAll(() => glue.restore());

  async function setUp(key: string, bytes: Uint8Array) {
    const p = await createPipeline(aws());
    p.settings.largeFileBytes = 100;
    await aws().putObject(p.raw, key, bytes);
    const handler = handlerFor(aws(), p, tables, {
      largeFileJob: { glue: new GlueClient({ region: "eu-west-2" }), jobName: "cdc-dev-sales-validate-large" },
    });
    const r = await handler(await notifications(aws(), p), lambdaContext);
    expect(r.batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    const [call] = glue.commandCalls(StartJobRunCommand);
    const jobArguments: Record<string, string> = { ...call.args[0].input.Arguments, "--result_queue_url": RESULT_QUEUE };
    return { p, handler, jobArguments };
  }

  it("harmonizes a valid large file with the row count and sequence range the job measured", async () => {
    const key = "dbo/orders/20240110-000000000.parquet";
    const bytes = ordersFile({ statistics: false });
    const { p, handler, jobArguments } = await setUp(key, bytes);
    expect(jobArguments["--file_kind"]).toBe("cdc");
    const { body, row } = await runLargeFileJob(jobArguments, bytes, tables[0]);
    expect(row).toMatchObject({ row_count: "3", check_1: "0", check_2: "0", min_seq: "20240102030405000000000000000000001" });

    expect((await handler(sqsEvent([body]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([key]);
    const [message] = (await aws().drainQueue(p.settings.fanOutQueueUrl)).map((m) => JSON.parse(m) as Record<string, unknown>);
    expect(message).toMatchObject({
      key,
      table: "orders",
      kind: "cdc",
      rowCount: 3,
      minSeq: "20240102030405000000000000000000001",
      maxSeq: "20240102030405000000000000000000003",
    });

    // The job's answer delivered twice: the file is already harmonized, nothing moves or is announced again.
    expect((await handler(sqsEvent([body]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toEqual([]);
  });

  it("ignores a verdict another principal sent, with one alert, and still applies the job's own", async () => {
    const key = "dbo/orders/20240110-000000005.parquet";
    const bad = badFiles().find((f) => f.name === "null primary key without statistics")!;
    const { p, handler, jobArguments } = await setUp(key, bad.bytes);
    // A forged "every check passed" for this file (a null key): the answer the job gives for a clean file of the table,
    // naming this file and version, so nothing but the sender tells it apart.
    const forged = (await runLargeFileJob(jobArguments, ordersFile({ statistics: false }), tables[0])).body;
    const impostor = "AROAOTHERROLE00000001:GlueJobRunnerSession";

    expect((await handler(sqsEvent([forged], impostor), lambdaContext)).batchItemFailures).toEqual([]);
    // Not applied, and consumed (no failure reported, so SQS deletes it instead of retrying it into the DLQ).
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toEqual([]);
    const alerts = (await aws().drainQueue(p.alertQueueUrl)).map(alertOf);
    expect(alerts).toEqual([
      {
        kind: "foreign-large-file-verdict",
        source: "sales",
        senderId: impostor,
        queue: "arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-validation",
        bucket: p.raw,
        key,
        expectedSender: `${JOB_ROLE_ID}:<session>`,
      },
    ]);

    // The same bytes checked by the job itself: its verdict (a null key) is applied.
    const genuine = await runLargeFileJob(jobArguments, bad.bytes, tables[0]);
    expect((await handler(sqsEvent([genuine.body]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([key]);
  });

  it("would have harmonized that forged answer had the job's role sent it: the sender is what stops it", async () => {
    const key = "dbo/orders/20240110-000000008.parquet";
    const bad = badFiles().find((f) => f.name === "null primary key without statistics")!;
    const { p, handler, jobArguments } = await setUp(key, bad.bytes);
    const forged = (await runLargeFileJob(jobArguments, ordersFile({ statistics: false }), tables[0])).body;
    expect((await handler(sqsEvent([forged], `${JOB_ROLE_ID}:GlueJobRunnerSession`), lambdaContext)).batchItemFailures).toEqual(
      [],
    );
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([key]);
  });

  it("consumes a malformed verdict from another sender with an alert, instead of retrying it", async () => {
    const key = "dbo/orders/20240110-000000006.parquet";
    const { p, handler } = await setUp(key, ordersFile({ statistics: false }));
    const junk = JSON.stringify({ kind: "large-file-result", bucket: p.raw, key, row: "all good" });
    expect((await handler(sqsEvent([junk], "AIDAUSER0000000000001"), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    const [alert] = (await aws().drainQueue(p.alertQueueUrl)).map(alertOf);
    expect(alert).toMatchObject({ kind: "foreign-large-file-verdict", senderId: "AIDAUSER0000000000001", key });
  });

  it("counts no verdict when no large-file job is deployed, not even one sent as the tests' job role", async () => {
    const key = "dbo/orders/20240110-000000007.parquet";
    const bytes = ordersFile({ statistics: false });
    const { p, jobArguments } = await setUp(key, bytes);
    const { body } = await runLargeFileJob(jobArguments, bytes, tables[0]);
    const withoutJob = handlerFor(aws(), p, tables);
    expect((await withoutJob(sqsEvent([body]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([]);
    const [alert] = (await aws().drainQueue(p.alertQueueUrl)).map(alertOf);
    expect(alert).toMatchObject({ key, expectedSender: "(no large-file job deployed)" });
  });

  it("quarantines a large file with a null key, with the job's count in the violation", async () => {
    const bad = badFiles().find((f) => f.name === "null primary key without statistics")!;
    const key = "dbo/orders/20240110-000000001.parquet";
    const { p, handler, jobArguments } = await setUp(key, bad.bytes);
    const { body } = await runLargeFileJob(jobArguments, bad.bytes, tables[0]);
    expect((await handler(sqsEvent([body]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([key]);
    expect(await aws().listKeys(p.raw)).toEqual([]);
    const [alert] = (await aws().drainQueue(p.alertQueueUrl)).map(alertOf);
    expect(alert.errors).toEqual([
      { code: "NULL_PRIMARY_KEY", message: "column id: 1 rows have a null primary-key value; expected none" },
    ]);
  });

  it("leaves raw alone when the file was replaced after the job read it", async () => {
    const key = "dbo/orders/20240110-000000002.parquet";
    const bytes = ordersFile({ statistics: false });
    const { p, handler, jobArguments } = await setUp(key, bytes);
    const { body } = await runLargeFileJob(jobArguments, bytes, tables[0]);
    const newer = badFiles().find((f) => f.name === "null primary key without statistics")!.bytes;
    await aws().putObject(p.raw, key, newer);
    expect((await handler(sqsEvent([body]), lambdaContext)).batchItemFailures).toEqual([]);
    // The newer bytes wait for their own event and check; the old verdict moves nothing.
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([]);
  });

  it("validates again when the rules changed since the hand-off, instead of trusting an answer to other checks", async () => {
    const key = "dbo/orders/20240110-000000004.parquet";
    const bytes = ordersFile({ statistics: false });
    const { p, jobArguments } = await setUp(key, bytes);
    const { body } = await runLargeFileJob(jobArguments, bytes, tables[0]);
    // Deployed meanwhile: amount became NOT NULL, so the file needs a check the job did not run.
    const changed = ordersTable();
    changed.columns = changed.columns.map((c) => (c.name === "amount" ? { ...c, nullable: false } : c));
    glue.reset();
    glue.on(StartJobRunCommand).resolves({ JobRunId: "jr_2" });
    const handler = handlerFor(aws(), p, [changed], {
      largeFileJob: { glue: new GlueClient({ region: "eu-west-2" }), jobName: "cdc-dev-sales-validate-large" },
    });
    expect((await handler(sqsEvent([body]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([]);
    // Handed to the job again, with the current checks.
    const [call] = glue.commandCalls(StartJobRunCommand);
    const checks = JSON.parse(call.args[0].input.Arguments!["--checks"]) as { checks: Array<{ column: string }> };
    expect(checks.checks.map((c) => c.column)).toContain("amount");
  });

  it("fails a result that does not answer every check, so it is retried and then dead-lettered, never guessed", async () => {
    const key = "dbo/orders/20240110-000000003.parquet";
    const bytes = ordersFile({ statistics: false });
    const { p, handler, jobArguments } = await setUp(key, bytes);
    const { body } = await runLargeFileJob(jobArguments, bytes, tables[0]);
    const broken = JSON.parse(body) as { row: Record<string, unknown> };
    delete broken.row.check_3;
    await expect(handler(sqsEvent([JSON.stringify(broken)]), lambdaContext)).rejects.toBeInstanceOf(FullBatchFailureError);
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([]);
  });

  it("quarantines a file the job could not decode as CORRUPT_FILE with the reader's cause, in one line", async () => {
    const key = "dbo/orders/20240110-000000005.parquet";
    const bytes = ordersFile({ statistics: false });
    const { p, handler, jobArguments } = await setUp(key, bytes);
    const { body } = await runLargeFileJob(jobArguments, bytes, tables[0]);
    // The answer validate_large_file.py sends when Spark's reader fails on the file's bytes (its Spark test damages a
    // real chunk): no row, the deepest cause.
    const unreadable = {
      ...(JSON.parse(body) as Record<string, unknown>),
      row: {},
      unreadable: "java.io.IOException: FAILED_TO_UNCOMPRESS(5)",
    };
    expect((await handler(sqsEvent([JSON.stringify(unreadable)]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([key]);
    expect(await aws().listKeys(p.raw)).toEqual([]);
    const [alert] = (await aws().drainQueue(p.alertQueueUrl)).map(alertOf);
    expect(alert.errors).toEqual([
      {
        code: "CORRUPT_FILE",
        message: `${key}: Spark could not decode the file (large-file job): java.io.IOException: FAILED_TO_UNCOMPRESS(5)`,
      },
    ]);
  });

  /** The alert as published: SNS wraps it in its envelope on the way to the subscribed queue. */
  function alertOf(body: string): { errors: unknown[] } & Record<string, unknown> {
    const envelope = JSON.parse(body) as { Message?: string };
    return JSON.parse(envelope.Message ?? body) as { errors: unknown[] } & Record<string, unknown>;
  }
});
