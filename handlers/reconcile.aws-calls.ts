/**
 * The AWS calls of the raw reconciler Lambda (handlers/reconcile.ts), on which resources; see handlers/aws-calls.ts
 * for the vocabulary and tests/iam/ for how they are proven.
 */
import type { AwsCall } from "./aws-calls";

export const RECONCILE_CALLS: AwsCall[] = [
  { action: "s3:ListBucket", on: { bucket: "raw" }, why: "ListObjectsV2 over the whole raw bucket" },
  { action: "sqs:SendMessage", on: { queue: "validation" }, why: "SendMessageBatch re-announces stale raw files" },
  { action: "sns:Publish", on: { topic: "alerts" }, why: "one alert naming them; Lambda's failure destination" },
  { action: "logs:CreateLogStream", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
  { action: "logs:PutLogEvents", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
];
