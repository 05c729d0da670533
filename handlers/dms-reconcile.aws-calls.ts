/**
 * The AWS calls of the DMS reconciliation Lambda (handlers/dms-reconcile.ts), on which resources; see
 * handlers/aws-calls.ts for the vocabulary. DescribeTableStatistics is scoped to the task's ARN in the role's policy
 * (components/dms-reconciler.ts).
 */
import type { AwsCall } from "./aws-calls";

export const DMS_RECONCILE_CALLS: AwsCall[] = [
  { action: "dms:DescribeReplicationTasks", on: { any: true }, why: "findTask: the task's ARN, status and start dates" },
  { action: "dms:DescribeTableStatistics", on: { dmsTask: "source" }, why: "the task's per-table counters" },
  { action: "s3:ListBucket", on: { bucket: "raw" }, why: "listTable lists the table's files still in raw" },
  { action: "s3:GetObject", on: { bucket: "raw", key: "dbo/Customer/20240111-000000000.parquet" }, why: "footer rows" },
  { action: "s3:ListBucket", on: { bucket: "quarantine" }, why: "listTable lists the table's quarantined files" },
  { action: "s3:GetObject", on: { bucket: "quarantine", key: "dbo/Customer/LOAD00000001.parquet" }, why: "HEAD rows" },
  { action: "s3:ListBucket", on: { bucket: "harmonized" }, why: "listTable lists the table's validated files" },
  { action: "s3:GetObject", on: { bucket: "harmonized", key: "dbo/Customer/LOAD00000001.parquet" }, why: "HEAD rows" },
  {
    action: "s3:GetObject",
    on: { bucket: "lake", key: "state/{source}/reporting/tables.json" },
    why: "targetProgress reads each target's state document",
    onlyWith: { bucket: "lake" },
  },
  {
    action: "s3:GetObject",
    on: { bucket: "artifacts", key: "dms-reconcile/{source}/ledger.json" },
    why: "reads its ledger (what earlier runs counted)",
  },
  {
    action: "s3:PutObject",
    on: { bucket: "artifacts", key: "dms-reconcile/{source}/ledger.json" },
    why: "writes its ledger (If-Match on the ETag read)",
  },
  { action: "sns:Publish", on: { topic: "alerts" }, why: "drift alerts (when new or changed), not-replicated tables" },
  { action: "logs:CreateLogStream", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
  { action: "logs:PutLogEvents", on: { logStream: "own" }, why: "Lambda writes the function's logs" },
];
