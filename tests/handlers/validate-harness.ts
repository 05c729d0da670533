/**
 * Shared set-up for the validate Lambda's integration tests on moto: the raw bucket notifying a validation queue as
 * deployed (so the events the handler gets are the ones S3 — moto — sent for the objects a test puts), the harmonized
 * and quarantine buckets, the fan-out queue and the alert topic (with a queue subscribed, to read alerts back).
 */
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, SQSEvent } from "aws-lambda";
import type { TableMetadata } from "../../metadata/format";
import { createValidateHandler, type ValidateHandlerDeps } from "../../handlers/validate";
import type { ValidateSettings } from "../../handlers/lib/validated-move";
import { isLargeFileResult } from "../../handlers/core/messages";
import type { Moto } from "../support/moto";

export interface Pipeline {
  raw: string;
  /** Where the raw bucket's notifications go (the validate Lambda's queue). */
  validationQueueUrl: string;
  /** The s3:TestEvent S3 sent when the notification was configured. */
  testEvent: string;
  settings: ValidateSettings;
  alertQueueUrl: string;
}

let counter = 0;

/** Fresh buckets, queues and topic (unique names, so tests in one file do not see each other's objects). */
export async function createPipeline(aws: Moto): Promise<Pipeline> {
  const n = ++counter;
  const raw = await aws.createBucket(`raw-${n}`);
  const validationQueueUrl = await aws.createQueue(`validate-${n}`);
  const testEvent = await aws.notifyQueue(raw, validationQueueUrl);
  const alertTopicArn = await aws.createTopic(`alerts-${n}`);
  const alertQueueUrl = await aws.createQueue(`alerts-${n}`);
  await aws.subscribeQueue(alertTopicArn, alertQueueUrl);
  return {
    raw,
    validationQueueUrl,
    testEvent,
    alertQueueUrl,
    settings: {
      source: "sales",
      harmonizedBucket: await aws.createBucket(`harmonized-${n}`),
      quarantineBucket: await aws.createBucket(`quarantine-${n}`),
      alertTopicArn,
      fanOutQueueUrl: await aws.createQueue(`fanout-${n}`),
      largeFileBytes: 256 * 1024 * 1024,
    },
  };
}

export function quietTelemetry(): { logger: Logger; metrics: Metrics } {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  return {
    logger: new Logger({ serviceName: "cdc-validate-test", logLevel: "SILENT" }),
    metrics: new Metrics({ namespace: "cdc-test", serviceName: "cdc-validate" }),
  };
}

/**
 * The unique id of the large-file job's role in these tests (IAM's shape: AROA and 17 more), and the `SenderId` SQS
 * gives a message a session of that role sent (`<role id>:<session name>`, see `sentByRole` in handlers/core/messages.ts).
 */
export const JOB_ROLE_ID = "AROAQJOBROLE7EXAMPLE1";
export const JOB_SENDER_ID = `${JOB_ROLE_ID}:GlueJobRunnerSession`;
/** What SQS stamps on S3's notifications here: any id that is not the job role's. */
export const S3_SENDER_ID = "AIDAS3NOTIFICATIONS01";

/** `largeFileJob` without `roleUniqueId` gets the tests' job role ({@link JOB_ROLE_ID}). */
export function handlerFor(
  aws: Moto,
  p: Pipeline,
  tables: TableMetadata[],
  extra: Omit<Partial<ValidateHandlerDeps>, "largeFileJob"> & {
    largeFileJob?: Omit<NonNullable<ValidateHandlerDeps["largeFileJob"]>, "roleUniqueId"> & { roleUniqueId?: string };
  } = {},
) {
  const { largeFileJob, ...rest } = extra;
  return createValidateHandler({
    s3: aws.s3,
    sqs: aws.sqs,
    sns: aws.sns,
    tables,
    settings: p.settings,
    ...quietTelemetry(),
    ...rest,
    largeFileJob: largeFileJob && { roleUniqueId: JOB_ROLE_ID, ...largeFileJob },
  });
}

/**
 * One SQS message per body, shaped as Lambda delivers them. Moto stamps every message with one fixed `SenderId`
 * (whoever sent it), so the sender is stamped here as SQS would: `senderId` when given, else the job role's session
 * for a large-file result (only the job sends those in these tests) and S3's for everything else.
 */
export function sqsEvent(bodies: string[], senderId?: string): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}-${Math.random().toString(36).slice(2)}`,
      receiptHandle: `rh-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: senderId ?? (isLargeFileResult(body) ? JOB_SENDER_ID : S3_SENDER_ID),
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-validation",
      awsRegion: "eu-west-2",
    })),
  };
}

/**
 * The notifications S3 put on the validation queue since the last call (received, left in flight), as one Lambda
 * event: nobody writes these bodies by hand.
 */
export async function notifications(aws: Moto, p: Pipeline): Promise<SQSEvent> {
  return sqsEvent(await aws.drainQueue(p.validationQueueUrl));
}

export const lambdaContext = {
  functionName: "cdc-dev-sales-validate",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:eu-west-2:111111111111:function:cdc-dev-sales-validate",
  memoryLimitInMB: "512",
  awsRequestId: "req-1",
  logGroupName: "/aws/lambda/cdc-dev-sales-validate",
  logStreamName: "stream",
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/**
 * An S3 client against moto whose commands fail with a real S3 service error (503 SlowDown or 500 InternalError):
 * a number fails the first N calls of that command, an array says call by call (`[false, true]`: the second call).
 * SDK retries are off so the handler sees each failure. `sent` records every command (with its Range) in order.
 */
export function flakyS3(
  aws: Moto,
  failures: Partial<Record<string, number | readonly boolean[]>>,
  status: 500 | 503 = 503,
): { s3: S3Client; injected: string[]; sent: Array<{ command: string; range?: string }> } {
  const s3 = new S3Client({ ...aws.clientConfig, maxAttempts: 1 });
  const calls: Record<string, number> = {};
  const injected: string[] = [];
  const sent: Array<{ command: string; range?: string }> = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName as string;
      sent.push({ command: name, range: (args.input as { Range?: string }).Range });
      const n = (calls[name] = (calls[name] ?? 0) + 1) - 1;
      const rule = failures[name];
      if (typeof rule === "number" ? n < rule : rule?.[n] === true) {
        injected.push(name);
        throw new S3ServiceException({
          name: status === 503 ? "SlowDown" : "InternalError",
          $fault: "server",
          $metadata: { httpStatusCode: status },
          message: status === 503 ? "Please reduce your request rate." : "We encountered an internal error. Please try again.",
        });
      }
      return next(args);
    },
    { step: "initialize", name: "injectS3Failures" },
  );
  return { s3, injected, sent };
}
