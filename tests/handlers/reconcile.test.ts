/**
 * The reconcile Lambda on moto: raw files that waited too long go back on the validation queue as the S3 event S3
 * would have sent, the validate Lambda then moves them, and one alert names them. (The raw bucket's own notifications
 * go to the pipeline's queue, which nobody reads here: they are the ones that were lost.)
 */
import { staleRawObjects } from "../../handlers/core/reconcile";
import { createReconcileHandler, reconcileSettingsFromEnv } from "../../handlers/reconcile";
import { motoDescribe, useMoto } from "../support/moto";
import { ordersTable } from "../support/parquet-fixtures";
import { ordersFile } from "./core/validation/bad-files";
import { createPipeline, handlerFor, lambdaContext, quietTelemetry, sqsEvent } from "./validate-harness";

const LATER = () => new Date(Date.now() + 2 * 3600_000);

motoDescribe("reconcile: raw files that were missed", () => {
  const aws = useMoto();

  async function setUp(keys: string[]) {
    const p = await createPipeline(aws());
    const validationQueueUrl = await aws().createQueue(`validation-${Math.random().toString(36).slice(2, 8)}`);
    for (const key of keys) await aws().putObject(p.raw, key, ordersFile());
    await aws().putObject(p.raw, "dbo/orders/notes.txt", new TextEncoder().encode("not a DMS file"));
    const settings = {
      source: "sales",
      rawBucket: p.raw,
      validationQueueUrl,
      alertTopicArn: p.settings.alertTopicArn,
      staleMinutes: 60,
      maxRequeue: 1000,
    };
    return { p, settings };
  }

  it("re-queues every stale Parquet file, and the validate Lambda then moves it", async () => {
    const keys = ["dbo/orders/20240111-000000000.parquet", "dbo/orders/20240111-000000001.parquet"];
    const { p, settings } = await setUp(keys);
    const reconcile = createReconcileHandler({
      s3: aws().s3,
      sqs: aws().sqs,
      sns: aws().sns,
      settings,
      now: LATER,
      ...quietTelemetry(),
    });
    expect(await reconcile()).toEqual({ stale: 2, requeued: keys });

    const bodies = await aws().drainQueue(settings.validationQueueUrl);
    expect(bodies).toHaveLength(2);
    const validate = handlerFor(aws(), p, [ordersTable()]);
    expect((await validate(sqsEvent(bodies), lambdaContext)).batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual(keys);
    expect(await aws().listKeys(p.raw)).toEqual(["dbo/orders/notes.txt"]);

    const [alert] = (await aws().drainQueue(p.alertQueueUrl)).map((b) =>
      JSON.parse((JSON.parse(b) as { Message: string }).Message),
    );
    expect(alert).toEqual({
      kind: "raw-files-requeued",
      source: "sales",
      rawBucket: p.raw,
      staleMinutes: 60,
      count: 2,
      requeued: 2,
      keys,
    });
  });

  it("does nothing, and says nothing, while every raw file is recent", async () => {
    const { p, settings } = await setUp(["dbo/orders/20240111-000000002.parquet"]);
    const reconcile = createReconcileHandler({ s3: aws().s3, sqs: aws().sqs, sns: aws().sns, settings, ...quietTelemetry() });
    expect(await reconcile()).toEqual({ stale: 0, requeued: [] });
    expect(await aws().drainQueue(settings.validationQueueUrl)).toEqual([]);
    expect(await aws().drainQueue(p.alertQueueUrl)).toEqual([]);
  });

  it("re-queues at most MAX_REQUEUE per run, oldest first, and the alert counts them all", async () => {
    const keys = [0, 1, 2].map((i) => `dbo/orders/20240111-00000001${i}.parquet`);
    const { p, settings } = await setUp(keys);
    const reconcile = createReconcileHandler({
      s3: aws().s3,
      sqs: aws().sqs,
      sns: aws().sns,
      settings: { ...settings, maxRequeue: 2 },
      now: LATER,
      ...quietTelemetry(),
    });
    const r = await reconcile();
    expect(r.stale).toBe(3);
    expect(r.requeued).toHaveLength(2);
    expect(await aws().drainQueue(settings.validationQueueUrl)).toHaveLength(2);
    const [alert] = (await aws().drainQueue(p.alertQueueUrl)).map((b) =>
      JSON.parse((JSON.parse(b) as { Message: string }).Message),
    );
    expect(alert).toMatchObject({ count: 3, requeued: 2 });
  });
});

describe("staleRawObjects", () => {
  const at = (minutesAgo: number) => new Date(Date.UTC(2024, 0, 1, 12, 0) - minutesAgo * 60_000);
  const now = at(0);
  it("keeps objects older than the age, oldest first", () => {
    const objects = [
      { key: "b", size: 1, etag: "e", lastModified: at(61) },
      { key: "fresh", size: 1, etag: "e", lastModified: at(59) },
      { key: "a", size: 1, etag: "e", lastModified: at(120) },
      { key: "edge", size: 1, etag: "e", lastModified: at(60) },
    ];
    expect(staleRawObjects(objects, now, 60).map((o) => o.key)).toEqual(["a", "b"]);
  });
  it("refuses a non-positive age", () => {
    expect(() => staleRawObjects([], now, 0)).toThrow("minAgeMinutes must be positive, got 0");
  });
});

describe("reconcile settings", () => {
  const env = { SOURCE: "sales", RAW_BUCKET: "raw", VALIDATION_QUEUE_URL: "https://q", ALERT_TOPIC_ARN: "arn:aws:sns:x" };
  it("reads them with defaults", () => {
    expect(reconcileSettingsFromEnv(env)).toEqual({
      source: "sales",
      rawBucket: "raw",
      validationQueueUrl: "https://q",
      alertTopicArn: "arn:aws:sns:x",
      staleMinutes: 60,
      maxRequeue: 1000,
    });
  });
  it("names the missing or malformed variable", () => {
    expect(() => reconcileSettingsFromEnv({ ...env, RAW_BUCKET: "" })).toThrow("environment variable RAW_BUCKET is not set");
    expect(() => reconcileSettingsFromEnv({ ...env, STALE_MINUTES: "soon" })).toThrow(
      "STALE_MINUTES must be a positive integer, got soon",
    );
  });
});
