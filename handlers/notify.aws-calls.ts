/**
 * The AWS calls of the Slack notifier Lambda (handlers/notify.ts and what it imports), on which resources; see
 * handlers/aws-calls.ts for the vocabulary and tests/iam/ for how they are proven.
 */
import type { AwsCall } from "./aws-calls";

export const NOTIFY_CALLS: AwsCall[] = [
  // Powertools Parameters' getSecret; across accounts in a two-account stack (the secret's policy names the role).
  { action: "secretsmanager:GetSecretValue", on: { secret: "slack-webhook" }, why: "reads the webhook URL (cached)" },
  // Lambda itself, with the function's role: the SQS event source and the log group.
  { action: "sqs:ReceiveMessage", on: { queue: "notifications" }, why: "event source mapping polls the queue" },
  { action: "sqs:DeleteMessage", on: { queue: "notifications" }, why: "event source mapping deletes posted records" },
  { action: "sqs:GetQueueAttributes", on: { queue: "notifications" }, why: "event source mapping reads the queue's settings" },
  { action: "logs:CreateLogStream", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
  { action: "logs:PutLogEvents", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
];
