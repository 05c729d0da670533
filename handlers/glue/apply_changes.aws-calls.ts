/**
 * The AWS calls of the Glue apply job (handlers/glue/apply_changes.py), on which resources; see
 * handlers/aws-calls.ts for the vocabulary and tests/iam/ for how they are proven.
 *
 * Declared in TypeScript next to the script rather than in the script: only the IAM test (TypeScript) reads it, the
 * types catch a misspelt resource at typecheck, and the script Glue runs stays free of test data. The test still
 * reads the script: every boto3 client method it calls must appear here, mapped to its IAM action.
 */
import type { AwsCall } from "../aws-calls";

const RUNS = "runs/{source}/{target}/";
const FILE = "dbo/Customer/20260101-120000000.parquet";
/** The calls made only for a target with a MySQL database (through a Glue connection). */
const MYSQL = { glueConnection: "mysql" } as const;
const TABLE_DATA = "{target}/dbo__customer/data/00000-0-a.parquet";

export const APPLY_CHANGES_CALLS: AwsCall[] = [
  // boto3, in the script.
  { action: "s3:GetObject", on: { bucket: "lake", key: `${RUNS}r-000001.json` }, why: "read_manifest: s3.get_object" },
  { action: "s3:GetObject", on: { bucket: "harmonized", key: FILE }, why: "check_file_versions: s3.head_object" },
  { action: "s3:ListBucket", on: { bucket: "harmonized" }, why: "s3.head_object tells a missing file (404) from denied" },
  { action: "s3:PutObject", on: { bucket: "lake", key: `${RUNS}r-000001.done` }, why: "run_manifest: s3.put_object .done" },
  // Spark reading the batch files.
  { action: "s3:GetObject", on: { bucket: "harmonized", key: FILE }, why: "Spark reads the run's files" },
  {
    action: "s3:ListBucket",
    on: { bucket: "harmonized" },
    context: { "s3:prefix": "dbo/Customer/" },
    why: "Spark lists a path before reading it",
  },
  // Iceberg: S3FileIO under the target's warehouse prefix, GlueCatalog for the table metadata pointer.
  { action: "s3:GetObject", on: { bucket: "publication", key: TABLE_DATA }, why: "Iceberg reads table files" },
  { action: "s3:PutObject", on: { bucket: "publication", key: TABLE_DATA }, why: "Iceberg writes data and metadata" },
  { action: "s3:DeleteObject", on: { bucket: "publication", key: TABLE_DATA }, why: "Iceberg removes orphaned writes" },
  {
    action: "s3:ListBucket",
    on: { bucket: "publication" },
    context: { "s3:prefix": "{target}/dbo__customer/" },
    why: "Iceberg lists its own table location",
  },
  ...(["catalog", "database", "table"] as const).flatMap((what): AwsCall[] =>
    ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable"].map((action) => ({
      action,
      on: { glueCatalog: what },
      why: `Iceberg GlueCatalog: ${action} is authorised on the catalog, the database and the table`,
    })),
  ),
  { action: "glue:GetDatabase", on: { glueCatalog: "catalog" }, why: "Iceberg GlueCatalog checks the namespace" },
  { action: "glue:GetDatabase", on: { glueCatalog: "database" }, why: "Iceberg GlueCatalog checks the namespace" },
  // GlueContext.extract_jdbc_conf: the connection, and the secret it names.
  { action: "glue:GetConnection", on: { glueConnection: "mysql" }, why: "extract_jdbc_conf", onlyWith: MYSQL },
  { action: "glue:GetConnection", on: { glueCatalog: "catalog" }, why: "extract_jdbc_conf", onlyWith: MYSQL },
  { action: "secretsmanager:GetSecretValue", on: { secret: "mysql" }, why: "extract_jdbc_conf", onlyWith: MYSQL },
  // Glue's runtime with the job's role: the script, logs, metrics, and (with a connection) its network interfaces.
  { action: "s3:GetObject", on: { bucket: "script", key: "glue/apply_changes.py" }, why: "Glue loads the script" },
  { action: "logs:CreateLogStream", on: { logStream: "glue" }, why: "continuous logging" },
  { action: "logs:PutLogEvents", on: { logStream: "glue" }, why: "continuous logging" },
  {
    action: "cloudwatch:PutMetricData",
    on: { any: true },
    context: { "cloudwatch:namespace": "Glue" },
    why: "--enable-metrics",
  },
  ...["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"].map(
    (action): AwsCall => ({ action, on: { any: true }, why: "Glue runs the job in the connection's subnet", onlyWith: MYSQL }),
  ),
];
