/**
 * The AWS calls of the poller Lambda (handlers/poll.ts and what it imports), on which resources; see
 * handlers/aws-calls.ts for the vocabulary and tests/iam/ for how they are proven.
 */
import type { AwsCall } from "./aws-calls";
import { headCalls } from "./lib/s3-objects.aws-calls";
import { TABLE_OPTIMIZER_PUT_CALLS } from "./lib/glue-table-optimizers.aws-calls";

const RUNS = "runs/{source}/{target}/";
const STATE = "state/{source}/{target}/tables.json";

export const POLL_CALLS: AwsCall[] = [
  { action: "sqs:ReceiveMessage", on: { queue: "target" }, why: "drains the target queue into a manifest" },
  { action: "sqs:DeleteMessage", on: { queue: "target" }, why: "DeleteMessageBatch once the run has started" },
  { action: "sqs:ChangeMessageVisibility", on: { queue: "target" }, why: "ChangeMessageVisibilityBatch releases a batch" },
  { action: "s3:ListBucket", on: { bucket: "lake" }, context: { "s3:prefix": RUNS }, why: "lists the target's runs" },
  { action: "s3:GetObject", on: { bucket: "lake", key: `${RUNS}r-000001.json` }, why: "reads manifests" },
  { action: "s3:GetObject", on: { bucket: "lake", key: `${RUNS}r-000001.done` }, why: "reads .done markers" },
  { action: "s3:GetObject", on: { bucket: "lake", key: `${RUNS}checkpoint` }, why: "reads the checkpoint" },
  { action: "s3:PutObject", on: { bucket: "lake", key: `${RUNS}r-000002.json` }, why: "writes a manifest" },
  { action: "s3:PutObject", on: { bucket: "lake", key: `${RUNS}checkpoint` }, why: "moves the checkpoint" },
  { action: "s3:DeleteObject", on: { bucket: "lake", key: `${RUNS}r-000002.json` }, why: "removes an unstarted manifest" },
  // writeDurably reads the manifest back; read(key) and readVersioned expect NoSuchKey for a missing checkpoint or state.
  ...headCalls("lake", `${RUNS}r-000002.json`),
  { action: "s3:GetObject", on: { bucket: "lake", key: STATE }, why: "reads the tables' state (conditional writes)" },
  { action: "s3:PutObject", on: { bucket: "lake", key: STATE }, why: "writes the tables' state (If-Match)" },
  {
    action: "s3:ListBucket",
    on: { bucket: "harmonized" },
    context: { "s3:prefix": "dbo/Customer/" },
    why: "lists a table's harmonized files, and one key's ETag",
  },
  { action: "glue:GetJobRuns", on: { glueJob: "apply" }, why: "finds the active and failed runs" },
  { action: "glue:StartJobRun", on: { glueJob: "apply" }, why: "starts the apply job on a manifest" },
  ...TABLE_OPTIMIZER_PUT_CALLS,
  { action: "sns:Publish", on: { topic: "alerts" }, why: "alerts on a held table; Lambda's failure destination" },
  { action: "logs:CreateLogStream", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
  { action: "logs:PutLogEvents", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
];
