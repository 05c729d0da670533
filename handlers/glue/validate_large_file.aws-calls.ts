/**
 * The AWS calls of the large-file validation job (handlers/glue/validate_large_file.py), on which resources; see
 * handlers/aws-calls.ts for the vocabulary, tests/iam/ for how they are proven, and apply_changes.aws-calls.ts for why
 * a Python script's declaration is TypeScript.
 */
import type { AwsCall } from "../aws-calls";

export const VALIDATE_LARGE_FILE_CALLS: AwsCall[] = [
  // boto3, in the script: the one result row goes back on the validation queue.
  { action: "sqs:SendMessage", on: { queue: "validation" }, why: "run_job: sqs.send_message (--result_queue_url)" },
  // Spark reading the raw file the checks' SQL names.
  { action: "s3:GetObject", on: { bucket: "raw", key: "dbo/Customer/LOAD00000001.parquet" }, why: "Spark reads the file" },
  { action: "s3:ListBucket", on: { bucket: "raw" }, why: "Spark lists a path before reading it" },
  // Glue's runtime with the job's role.
  { action: "s3:GetObject", on: { bucket: "script", key: "glue/validate_large_file.py" }, why: "Glue loads the script" },
  { action: "logs:CreateLogStream", on: { logStream: "glue" }, why: "continuous logging" },
  { action: "logs:PutLogEvents", on: { logStream: "glue" }, why: "continuous logging" },
  {
    action: "cloudwatch:PutMetricData",
    on: { any: true },
    context: { "cloudwatch:namespace": "Glue" },
    why: "--enable-metrics",
  },
];
