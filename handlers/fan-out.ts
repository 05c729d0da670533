/**
 * The fan-out Lambda (SQS-triggered by the queue the validate Lambda writes validated-file messages to). It copies
 * each message to every subscribed target queue with SendMessageBatch, retrying failed entries; a record whose
 * copies still fail is reported as a batch-item failure so SQS redelivers it. Redelivery may copy a message twice
 * to a target that already got it — harmless, because applying a file twice is a no-op (DESIGN §5) — but a message
 * is never dropped.
 *
 * Environment:
 *   TARGETS   JSON list of `{ name, tables: [globs], queueUrl }`, one per target of the source
 */
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { z } from "zod";
import { fanOutTargetSchema, sendBatches, targetsFor, type Delivery, type FanOutTarget } from "./core/fan-out";
import { parseValidatedFileMessage } from "./core/messages";
import { FAN_OUT_METRICS } from "./core/metric-names";

export interface FanOutDeps {
  sqs: SQSClient;
  targets: FanOutTarget[];
  logger?: Logger;
  /** Powertools Metrics for the copies sent and unreadable messages (default: from the POWERTOOLS_* variables). */
  metrics?: Metrics;
  /** Attempts per entry before its record is handed back to SQS (default 3). */
  attempts?: number;
  /** Pause before retry n (default 50 ms × 2^n); tests pass 0. */
  backoffMs?: (attempt: number) => number;
}

export function createFanOutHandler(deps: FanOutDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const logger = deps.logger ?? new Logger({ serviceName: "cdc-fan-out" });
  const attempts = deps.attempts ?? 3;
  const backoff = deps.backoffMs ?? ((n: number) => 50 * 2 ** n);
  const metrics = deps.metrics ?? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "cdc" });

  return async (event) => {
    const failed = new Set<string>();
    const deliveries: Delivery[] = [];
    for (const record of event.Records) {
      try {
        const message = parseValidatedFileMessage(record.body);
        const targets = targetsFor(message, deps.targets);
        if (targets.length === 0)
          logger.info("no target subscribes to this table", { table: `${message.schema}.${message.table}`, key: message.key });
        for (const t of targets) deliveries.push({ recordId: record.messageId, queueUrl: t.queueUrl, body: record.body });
      } catch (err) {
        // A malformed message can never succeed; failing it sends it to the DLQ (and its alarm) after maxReceiveCount.
        logger.error("unreadable validated-file message", { messageId: record.messageId, error: (err as Error).message });
        failed.add(record.messageId);
      }
    }

    const unreadable = failed.size;
    let undelivered = 0;
    for (const batch of sendBatches(deliveries)) {
      const lost = await sendWithRetry(deps.sqs, batch, attempts, backoff, logger);
      undelivered += lost.length;
      for (const d of lost) failed.add(d.recordId);
    }
    // Per invocation, no table: the per-table counts are the validate Lambda's (handlers/core/metric-names.ts).
    metrics.addMetric(FAN_OUT_METRICS.copiesSent, MetricUnit.Count, deliveries.length - undelivered);
    metrics.addMetric(FAN_OUT_METRICS.unreadable, MetricUnit.Count, unreadable);
    metrics.publishStoredMetrics();
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** Sends one batch, resending only the entries SQS reports as failed; returns those that never got through. */
async function sendWithRetry(
  sqs: SQSClient,
  batch: Delivery[],
  attempts: number,
  backoff: (n: number) => number,
  logger: Logger,
): Promise<Delivery[]> {
  let pending = batch;
  for (let attempt = 0; attempt < attempts && pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, backoff(attempt)));
    const entries = pending.map((d, i) => ({ Id: String(i), MessageBody: d.body }));
    try {
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: pending[0].queueUrl, Entries: entries }));
      const failedIds = new Set((out.Failed ?? []).map((f) => f.Id));
      for (const f of out.Failed ?? [])
        logger.warn("fan-out entry failed", { queueUrl: pending[0].queueUrl, code: f.Code, senderFault: f.SenderFault });
      pending = pending.filter((_, i) => failedIds.has(String(i)));
    } catch (err) {
      logger.warn("fan-out batch failed", { queueUrl: pending[0].queueUrl, error: (err as Error).message, attempt });
    }
  }
  return pending;
}

/** TARGETS, validated at cold start so a deployment mistake fails loudly with the variable's name. */
export function targetsFromEnv(value: string | undefined): FanOutTarget[] {
  let json: unknown;
  try {
    json = value ? JSON.parse(value) : undefined;
  } catch (err) {
    throw new Error(`TARGETS: not JSON: ${(err as Error).message}`);
  }
  const parsed = z.array(fanOutTargetSchema).safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`TARGETS: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return parsed.data;
}

let lambdaHandler: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;

/** Entry point for the deployed function. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => {
  lambdaHandler ??= createFanOutHandler({ sqs: new SQSClient({}), targets: targetsFromEnv(process.env.TARGETS) });
  return lambdaHandler(event);
};
