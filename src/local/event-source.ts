/**
 * What AWS does around the handlers, done locally: Lambda's SQS event source mapping (receive, invoke with an SQS
 * event, delete what did not fail), and quiet Powertools so the handlers' JSON logs and metrics do not bury local
 * mode's own progress. S3's event notifications come from moto itself (src/local/raw-notification.ts).
 */
import { randomUUID } from "node:crypto";
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { MetricUnit } from "@aws-lambda-powertools/metrics/types";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export interface DrainResult {
  records: number;
  /** Records the handler reported as failed (left on the queue for SQS to redeliver). */
  failed: number;
}

/**
 * Invokes `handler` with batches of up to 10 records until the queue is empty, deleting every record the handler did
 * not report in `batchItemFailures` — what Lambda's event source mapping with ReportBatchItemFailures does.
 */
export async function drainInto(
  sqs: SQSClient,
  queue: { url: string; arn: string },
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>,
  functionName: string,
): Promise<DrainResult> {
  const total: DrainResult = { records: 0, failed: 0 };
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const messages = r.Messages ?? [];
    if (messages.length === 0) return total;
    const records = messages.map((m): SQSRecord => ({
      messageId: m.MessageId as string,
      receiptHandle: m.ReceiptHandle as string,
      body: m.Body ?? "",
      attributes: (m.Attributes ?? {}) as unknown as SQSRecord["attributes"],
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: queue.arn,
      awsRegion: "us-east-1",
    }));
    const response = await handler({ Records: records }, lambdaContext(functionName));
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    const done = records.filter((rec) => !failed.has(rec.messageId));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: done.map((rec, i) => ({ Id: String(i), ReceiptHandle: rec.receiptHandle })),
        }),
      );
    }
    total.records += records.length;
    total.failed += failed.size;
  }
}

/** The parts of a Lambda context the handlers read. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A logger that prints nothing (local mode reports outcomes itself). */
export function quietLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: "SILENT" });
}

/** Metrics that are counted in memory instead of printed as EMF: local mode reports the totals. */
export class CountingMetrics extends Metrics {
  readonly totals = new Map<string, number>();

  constructor() {
    super({ namespace: "cdc-local", serviceName: "cdc-local" });
  }

  override addMetric(name: string, _unit: MetricUnit, value: number): this {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
    return this;
  }

  override publishStoredMetrics(): this {
    return this;
  }
}
