/**
 * The validate Lambda (SQS-triggered by the raw bucket's S3 notifications). Each message names new raw objects;
 * each is validated footer-first and moved to harmonized (plus the validated-file message on the fan-out queue) or
 * to quarantine (plus one alert). Records fail individually (Powertools partial batch response), so SQS retries only
 * what failed; retries are safe because nothing leaves raw before its copy is verified. The same queue brings the
 * large-file job's results (`large-file-result` messages) for the files handed to it; those are moved the same way.
 *
 * Environment:
 *   HARMONIZED_BUCKET      harmonized bucket (may be in the lake account)
 *   QUARANTINE_BUCKET      quarantine bucket
 *   ALERT_TOPIC_ARN        SNS topic for quarantine alerts
 *   FANOUT_QUEUE_URL       SQS queue the validated-file messages go to (the fan-out Lambda copies them per target)
 *   METADATA_DIR           the source's metadata directory deployed with the function (default: ./metadata)
 *   LARGE_FILE_BYTES       files this big go to the large-file job when their statistics are missing or the Op,
 *                          cdc_seq and key chunks to read are themselves this big (default 268435456)
 *   LARGE_FILE_JOB_NAME    Glue job for those files; unset → the Lambda reads the column chunks itself
 */
import * as path from "node:path";
import { GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { readMetadataDir } from "../metadata/load";
import { isLargeFileResult, parseLargeFileResult } from "./core/messages";
import { parseS3EventBody } from "./lib/s3-event";
import {
  completeLargeFile,
  largeFileChecksFor,
  validateAndMove,
  type MoveDeps,
  type Outcome,
  type ValidateSettings,
} from "./lib/validated-move";

export interface ValidateHandlerDeps extends Omit<MoveDeps, "logger" | "startLargeFileJob"> {
  logger?: Logger;
  metrics?: Metrics;
  /** Glue client and job name for large files without statistics. */
  largeFileJob?: { glue: GlueClient; jobName: string };
}

const OUTCOME_METRICS: Record<Outcome, string> = {
  harmonized: "FilesHarmonized",
  quarantined: "FilesQuarantined",
  "large-file-job": "FilesSentToLargeFileJob",
  "already-moved": "DuplicateEvents",
  gone: "EventsForMissingFiles",
  superseded: "FilesSupersededDuringMove",
};

/** Builds the handler around explicit clients and settings (tests pass fauxqs clients). */
export function createValidateHandler(
  deps: ValidateHandlerDeps,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  // Service name, namespace and log level come from the POWERTOOLS_* variables the deployment sets.
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-validate" });
  const metrics = deps.metrics ?? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "cdc" });
  const job = deps.largeFileJob;
  const move: MoveDeps = {
    ...deps,
    logger,
    startLargeFileJob: job
      ? async (obj, result) => {
          const { table, kind } = result;
          const checks = table && kind ? largeFileChecksFor(deps.tables, table, kind, obj) : undefined;
          if (!table || !kind || !checks) throw new Error(`large-file hand-off without a resolved table for ${obj.key}`);
          await job.glue.send(
            new StartJobRunCommand({
              JobName: job.jobName,
              Arguments: {
                "--bucket": obj.bucket,
                "--key": obj.key,
                "--etag": obj.etag,
                "--table": table,
                "--file_kind": kind,
                "--checks": JSON.stringify(checks),
              },
            }),
          );
        }
      : undefined,
  };
  const processor = new BatchProcessor(EventType.SQS);
  // Records of a batch run concurrently; a second event for an object already being moved waits for the first and
  // then finds raw empty, instead of racing it into a duplicate copy and message.
  const inFlight = new Map<string, Promise<unknown>>();
  const one = async (obj: { bucket: string; key: string }, work: () => ReturnType<typeof validateAndMove>) => {
    const id = `${obj.bucket}/${obj.key}`;
    while (inFlight.has(id)) await inFlight.get(id)?.catch(() => undefined);
    const running = work();
    inFlight.set(id, running);
    const { outcome, result } = await running.finally(() => inFlight.delete(id));
    metrics.addMetric(OUTCOME_METRICS[outcome], MetricUnit.Count, 1);
    for (const e of result?.errors ?? []) metrics.addMetric(`Violation_${e.code}`, MetricUnit.Count, 1);
  };
  // The queue carries S3 events, and the large-file job's results for the files it checked.
  const record = async (r: SQSRecord) => {
    if (isLargeFileResult(r.body)) {
      const message = parseLargeFileResult(r.body);
      await one(message, () => completeLargeFile(move, message));
      return;
    }
    for (const obj of parseS3EventBody(r.body)) await one(obj, () => validateAndMove(move, obj));
  };
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await processPartialResponse(event, record, processor, { context });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** Settings from the environment; throws naming the first missing variable. */
export function settingsFromEnv(env: NodeJS.ProcessEnv, source: string): ValidateSettings {
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`validate Lambda: environment variable ${name} is not set`);
    return v;
  };
  const largeFileBytes = Number(env.LARGE_FILE_BYTES ?? 256 * 1024 * 1024);
  if (!Number.isInteger(largeFileBytes) || largeFileBytes < 1)
    throw new Error(`validate Lambda: LARGE_FILE_BYTES must be a positive integer, got ${env.LARGE_FILE_BYTES}`);
  return {
    source,
    harmonizedBucket: need("HARMONIZED_BUCKET"),
    quarantineBucket: need("QUARANTINE_BUCKET"),
    alertTopicArn: need("ALERT_TOPIC_ARN"),
    fanOutQueueUrl: need("FANOUT_QUEUE_URL"),
    largeFileBytes,
  };
}

let cached: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;

/** The Lambda entry point: configuration and metadata are loaded once per container. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!cached) {
    const metadata = readMetadataDir(process.env.METADATA_DIR ?? path.join(__dirname, "metadata"));
    const jobName = process.env.LARGE_FILE_JOB_NAME;
    cached = createValidateHandler({
      s3: new S3Client({}),
      sqs: new SQSClient({}),
      sns: new SNSClient({}),
      tables: metadata.tables,
      settings: settingsFromEnv(process.env, metadata.source.source),
      largeFileJob: jobName ? { glue: new GlueClient({}), jobName } : undefined,
    });
  }
  return cached(event, context);
};
