/**
 * The AWS calls of the validate Lambda (handlers/validate.ts and what it imports), on which resources; see
 * handlers/aws-calls.ts for the vocabulary and tests/iam/ for how they are proven.
 */
import type { AwsCall } from "./aws-calls";
import { VALIDATED_MOVE_CALLS } from "./lib/validated-move.aws-calls";

export const VALIDATE_CALLS: AwsCall[] = [
  ...VALIDATED_MOVE_CALLS,
  {
    action: "glue:StartJobRun",
    on: { glueJob: "large-file" },
    why: "files too large for the Lambda go to the large-file job",
    onlyWith: { glueJob: "large-file" },
  },
  // Lambda itself, with the function's role: the SQS event source and the log group.
  { action: "sqs:ReceiveMessage", on: { queue: "validation" }, why: "event source mapping polls the queue" },
  { action: "sqs:DeleteMessage", on: { queue: "validation" }, why: "event source mapping deletes processed records" },
  { action: "sqs:GetQueueAttributes", on: { queue: "validation" }, why: "event source mapping reads the queue's settings" },
  { action: "logs:CreateLogStream", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
  { action: "logs:PutLogEvents", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
];
