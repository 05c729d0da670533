/**
 * The AWS calls of the fan-out Lambda (handlers/fan-out.ts), on which resources; see handlers/aws-calls.ts for the
 * vocabulary and tests/iam/ for how they are proven.
 */
import type { AwsCall } from "./aws-calls";

export const FAN_OUT_CALLS: AwsCall[] = [
  { action: "sqs:SendMessage", on: { queue: "target" }, why: "SendMessageBatch to every matching target's queue" },
  // Lambda itself, with the function's role: the SQS event source and the log group.
  { action: "sqs:ReceiveMessage", on: { queue: "validated" }, why: "event source mapping polls the queue" },
  { action: "sqs:DeleteMessage", on: { queue: "validated" }, why: "event source mapping deletes processed records" },
  { action: "sqs:GetQueueAttributes", on: { queue: "validated" }, why: "event source mapping reads the queue's settings" },
  { action: "logs:CreateLogStream", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
  { action: "logs:PutLogEvents", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
];
