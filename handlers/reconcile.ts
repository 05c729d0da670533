/**
 * The reconcile Lambda (hourly, EventBridge): finds raw objects older than STALE_MINUTES and sends the validation queue
 * the S3 event S3 would have sent, so each is validated (or handed to the large-file job) again, and alerts once per
 * run naming them. Re-validating is always safe: a file already moved is found gone, a duplicate is a no-op.
 *
 * Environment:
 *   SOURCE                 source name, for the alert
 *   RAW_BUCKET             the raw bucket (DMS's target)
 *   VALIDATION_QUEUE_URL   where S3 notifications of the raw bucket go
 *   ALERT_TOPIC_ARN        the ingestion alert topic
 *   STALE_MINUTES          how old a raw object must be to count as missed (default 60)
 *   MAX_REQUEUE            most objects re-queued per run (default 1000); the rest wait for the next run
 */
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { z } from "zod";
import { staleRawObjects, type RawObject } from "./core/reconcile";
import { rawNotificationMatches } from "./core/raw-notification";
import { requiredVar, settingsFromEnv, wholeNumberVar } from "./lib/env";
import { s3EventBody } from "./lib/s3-event";

export interface ReconcileSettings {
  source: string;
  rawBucket: string;
  validationQueueUrl: string;
  alertTopicArn: string;
  staleMinutes: number;
  maxRequeue: number;
}

export interface ReconcileDeps {
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  settings: ReconcileSettings;
  logger?: Logger;
  now?: () => Date;
}

export interface ReconcileResult {
  stale: number;
  requeued: string[];
}

/** Keys listed in one alert; the count says how many there were. */
const ALERT_KEYS = 20;

export function createReconcileHandler(deps: ReconcileDeps): () => Promise<ReconcileResult> {
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-reconcile" });
  const { settings } = deps;
  return async () => {
    const stale = staleRawObjects(await listRaw(deps.s3, settings.rawBucket), deps.now?.() ?? new Date(), settings.staleMinutes);
    const chosen = stale.slice(0, settings.maxRequeue);
    for (let i = 0; i < chosen.length; i += 10) {
      const batch = chosen.slice(i, i + 10);
      const r = await deps.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: settings.validationQueueUrl,
          Entries: batch.map((o, j) => ({ Id: String(j), MessageBody: s3EventBody(settings.rawBucket, o.key, o.size, o.etag) })),
        }),
      );
      // The next hourly run tries again; failing here would only hide the entries that did go through.
      if (r.Failed?.length)
        throw new Error(`re-queueing ${r.Failed.length} raw objects failed: ${r.Failed[0].Message ?? r.Failed[0].Code}`);
    }
    if (chosen.length > 0) {
      await deps.sns.send(
        new PublishCommand({
          TopicArn: settings.alertTopicArn,
          Subject: `cdc ${settings.source}: ${stale.length} raw files waited over ${settings.staleMinutes} min`.slice(0, 100),
          Message: JSON.stringify({
            kind: "raw-files-requeued",
            source: settings.source,
            rawBucket: settings.rawBucket,
            staleMinutes: settings.staleMinutes,
            count: stale.length,
            requeued: chosen.length,
            keys: chosen.slice(0, ALERT_KEYS).map((o) => o.key),
          }),
        }),
      );
      logger.warn("raw files re-queued for validation", { count: stale.length, requeued: chosen.length });
    }
    return { stale: stale.length, requeued: chosen.map((o) => o.key) };
  };
}

async function listRaw(s3: S3Client, bucket: string): Promise<RawObject[]> {
  const out: RawObject[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of r.Contents ?? []) {
      // Only what the raw bucket's notification would have announced.
      if (!o.Key || !rawNotificationMatches(o.Key) || !o.LastModified) continue;
      out.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag ?? "", lastModified: o.LastModified });
    }
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The reconcile Lambda's environment, declared once (see the file's comment for what each variable means). */
const reconcileEnvSchema = z.object({
  SOURCE: requiredVar("SOURCE"),
  RAW_BUCKET: requiredVar("RAW_BUCKET"),
  VALIDATION_QUEUE_URL: requiredVar("VALIDATION_QUEUE_URL"),
  ALERT_TOPIC_ARN: requiredVar("ALERT_TOPIC_ARN"),
  STALE_MINUTES: wholeNumberVar("STALE_MINUTES", 60),
  MAX_REQUEUE: wholeNumberVar("MAX_REQUEUE", 1000),
});

/** Settings from the environment; throws naming the first missing or malformed variable. */
export function reconcileSettingsFromEnv(env: NodeJS.ProcessEnv): ReconcileSettings {
  const e = settingsFromEnv("reconcile", reconcileEnvSchema, env);
  return {
    source: e.SOURCE,
    rawBucket: e.RAW_BUCKET,
    validationQueueUrl: e.VALIDATION_QUEUE_URL,
    alertTopicArn: e.ALERT_TOPIC_ARN,
    staleMinutes: e.STALE_MINUTES,
    maxRequeue: e.MAX_REQUEUE,
  };
}

let cached: (() => Promise<ReconcileResult>) | undefined;

/** The Lambda entry point (scheduled; the event carries nothing the handler needs). */
export const handler = (): Promise<ReconcileResult> => {
  cached ??= createReconcileHandler({
    s3: new S3Client({}),
    sqs: new SQSClient({}),
    sns: new SNSClient({}),
    settings: reconcileSettingsFromEnv(process.env),
  });
  return cached();
};
