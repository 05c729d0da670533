/**
 * The poller Lambda of one target (EventBridge schedule, every `schedule.everyMinutes`): drains the target queue into a
 * run manifest in the lake bucket and starts the target's Glue job on it. The logic is `pollTarget`
 * (handlers/core/poller/tick.ts); this file adapts SQS, S3 and Glue to it.
 *
 * Environment:
 *   SOURCE, TARGET              names from the stack config
 *   QUEUE_URL                   the target queue
 *   LAKE_BUCKET                 where runs/<source>/<target>/ manifests go
 *   JOB_NAME                    the target's Glue ETL job (MaxConcurrentRuns 1)
 *   SPARK_NAMESPACE             catalog and database of the Iceberg tables, dotted (`glue_catalog.cdc_dev_sales`)
 *   MYSQL                       the target's MySQL server, "mysql" or "mariadb"; "false" or unset without one
 *   TOMBSTONE_RETENTION_DAYS    default 7
 *   MAX_MESSAGES                most messages per run (default 500)
 *   MAX_RUN_ATTEMPTS            failed runs of one manifest before the target stops re-submitting it (default 3)
 *   VISIBILITY_TIMEOUT_SECONDS  how long received messages stay hidden (default 900; longer than one tick)
 *   METADATA_DIR                the source's metadata deployed with the function (default: ./metadata)
 */
import * as path from "node:path";
import { GetJobRunsCommand, GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { readMetadataDir } from "../metadata/load";
import type { TableMetadata } from "../metadata/format";
import type { ReceivedFile } from "./core/poller/batch";
import {
  pollTarget,
  type JobRuns,
  type PollResult,
  type PollSettings,
  type RunStore,
  type TargetQueue,
} from "./core/poller/tick";
import { parseValidatedFileMessage } from "./core/messages";
import { MYSQL_FLAVORS, type MySqlFlavor } from "./core/plan/dialect";
import { headObject } from "./lib/s3-objects";

/** Glue job run states in which a run still occupies the target. */
export const ACTIVE_RUN_STATES = new Set(["STARTING", "RUNNING", "STOPPING", "WAITING"]);

export interface PollHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  /** The Glue job, or (local mode) any other runner of manifests. */
  runs: JobRuns;
  tables: readonly TableMetadata[];
  settings: PollSettings & { queueUrl: string; lakeBucket: string; visibilityTimeoutSeconds?: number };
  logger?: Logger;
  now?: () => Date;
}

/** Builds the handler around explicit clients (tests pass fauxqs clients and a mocked Glue client). */
export function createPollHandler(deps: PollHandlerDeps): () => Promise<PollResult> {
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-poll" });
  const { queueUrl, lakeBucket } = deps.settings;
  const queue = sqsTargetQueue(deps.sqs, queueUrl, deps.settings.visibilityTimeoutSeconds ?? 900, logger);
  const store = s3RunStore(deps.s3, lakeBucket);
  return () => pollTarget({ queue, store, runs: deps.runs, tables: deps.tables, settings: deps.settings, logger, now: deps.now });
}

/** Glue job run states of a run that ended without success. */
export const FAILED_RUN_STATES = new Set(["FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"]);

/** The target's Glue job: recent runs from GetJobRuns, ConcurrentRunsExceededException as "not started". */
export function glueJobRuns(glue: GlueClient, jobName: string): JobRuns {
  return {
    async recent() {
      // Newest first; a run still going, and the last attempts at a pending manifest, are among the most recent.
      const r = await glue.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: 200 }));
      return (r.JobRuns ?? []).map((run) => ({
        id: run.Id as string,
        active: ACTIVE_RUN_STATES.has(run.JobRunState ?? ""),
        failed: FAILED_RUN_STATES.has(run.JobRunState ?? ""),
        manifestUri: run.Arguments?.["--manifest"],
      }));
    },
    async start(manifestUri) {
      try {
        const r = await glue.send(new StartJobRunCommand({ JobName: jobName, Arguments: { "--manifest": manifestUri } }));
        return { started: true, jobRunId: r.JobRunId as string };
      } catch (err) {
        if ((err as { name?: string }).name === "ConcurrentRunsExceededException")
          return { started: false, reason: (err as Error).message };
        throw err;
      }
    },
  };
}

function sqsTargetQueue(sqs: SQSClient, queueUrl: string, visibilityTimeout: number, logger: Logger): TargetQueue {
  const inTens = <T>(items: readonly T[]) =>
    Array.from({ length: Math.ceil(items.length / 10) }, (_, i) => items.slice(i * 10, i * 10 + 10));
  return {
    async receive(max) {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: 0,
          VisibilityTimeout: visibilityTimeout,
        }),
      );
      return (r.Messages ?? []).map((m): ReceivedFile => {
        const base = { messageId: m.MessageId as string, receiptHandle: m.ReceiptHandle as string };
        try {
          return { ...base, message: parseValidatedFileMessage(m.Body ?? "") };
        } catch (err) {
          return { ...base, error: (err as Error).message };
        }
      });
    },
    async delete(files) {
      for (const chunk of inTens(files)) {
        const entries = chunk.map((f, i) => ({ Id: String(i), ReceiptHandle: f.receiptHandle }));
        const r = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        // The run has started: a message that could not be deleted comes back and is applied again, harmlessly.
        for (const f of r.Failed ?? []) logger.warn("message not deleted; it will be applied again", { code: f.Code, id: f.Id });
      }
    },
    async release(files) {
      for (const chunk of inTens(files)) {
        const entries = chunk.map((f, i) => ({ Id: String(i), ReceiptHandle: f.receiptHandle, VisibilityTimeout: 0 }));
        await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    },
  };
}

function s3RunStore(s3: S3Client, bucket: string): RunStore {
  return {
    async list(prefix, startAfter) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: startAfter, ContinuationToken: token }),
        );
        keys.push(...(r.Contents ?? []).map((o) => o.Key as string));
        token = r.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async read(key) {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await r.Body?.transformToString("utf-8");
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchKey") return undefined;
        throw err;
      }
    },
    async writeDurably(key, body) {
      const bytes = Buffer.from(body, "utf-8");
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: "application/json" }));
      const head = await headObject(s3, { bucket, key });
      if (head?.ContentLength !== bytes.length)
        throw new Error(`s3://${bucket}/${key}: not readable with ${bytes.length} bytes after PutObject`);
    },
    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    uri: (key) => `s3://${bucket}/${key}`,
  };
}

/** Settings from the environment; throws naming the first missing or malformed variable. */
export function pollSettingsFromEnv(env: NodeJS.ProcessEnv): PollHandlerDeps["settings"] & { jobName: string } {
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`poll Lambda: environment variable ${name} is not set`);
    return v;
  };
  const positive = (name: string, fallback: number) => {
    const raw = env[name];
    const n = raw === undefined || raw === "" ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`poll Lambda: ${name} must be a positive integer, got ${raw}`);
    return n;
  };
  return {
    source: need("SOURCE"),
    target: need("TARGET"),
    queueUrl: need("QUEUE_URL"),
    jobName: need("JOB_NAME"),
    lakeBucket: need("LAKE_BUCKET"),
    sparkNamespace: need("SPARK_NAMESPACE").split("."),
    mysql: mysqlSetting(env.MYSQL),
    tombstoneRetentionDays: positive("TOMBSTONE_RETENTION_DAYS", 7),
    maxMessages: positive("MAX_MESSAGES", 500),
    maxAttempts: positive("MAX_RUN_ATTEMPTS", 3),
    visibilityTimeoutSeconds: positive("VISIBILITY_TIMEOUT_SECONDS", 900),
  };
}

/** `MYSQL`: which MySQL-compatible server the target has, if any; anything else is a deployment mistake. */
function mysqlSetting(raw: string | undefined): MySqlFlavor | false {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if ((MYSQL_FLAVORS as readonly string[]).includes(raw)) return raw as MySqlFlavor;
  throw new Error(`poll Lambda: MYSQL must be ${MYSQL_FLAVORS.join(", ")} or false, got ${JSON.stringify(raw)}`);
}

let cached: (() => Promise<PollResult>) | undefined;

/** The Lambda entry point (scheduled; the event carries nothing the poller needs). */
export const handler = (): Promise<PollResult> => {
  if (!cached) {
    const settings = pollSettingsFromEnv(process.env);
    const metadata = readMetadataDir(process.env.METADATA_DIR ?? path.join(__dirname, "metadata"));
    cached = createPollHandler({
      s3: new S3Client({}),
      sqs: new SQSClient({}),
      runs: glueJobRuns(new GlueClient({}), settings.jobName),
      tables: metadata.tables,
      settings,
    });
  }
  return cached();
};
