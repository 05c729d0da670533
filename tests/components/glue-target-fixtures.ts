/** What the GlueTarget tests share: realistic arguments, the declaration under strict mocks, expected statements. */
import type { GlueTargetArgs } from "../../components/glue-target";
import { GlueTarget } from "../../components/glue-target";
import type { OutputsMock, RecordedResource } from "../support/pulumi-mocks";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, testMetadata, testProvider } from "./helpers";

export const KEY = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/lake`;
export const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-dev-sales-alerts`;
export const HARMONIZED = `cdc-dev-sales-harmonized-${ACCOUNT}`;
export const LAKE = `cdc-dev-sales-lake-${ACCOUNT}`;
export const PUBLICATION = `cdc-dev-sales-publication-${ACCOUNT}`;
export const QUEUE_ARN = `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-sales-reporting`;
export const QUEUE_URL = `https://sqs.eu-west-2.amazonaws.com/${ACCOUNT}/cdc-dev-sales-reporting`;
export const JOB_ARN = `arn:aws:glue:eu-west-2:${ACCOUNT}:job/cdc-dev-sales-reporting-apply`;
export const POLL_ARN = `arn:aws:lambda:eu-west-2:${ACCOUNT}:function:cdc-dev-sales-reporting-poll`;
export const SECRET = `arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:cdc-dev-reporting-mysql-AbCdEf`;
export const CONNECTION_ARN = `arn:aws:glue:eu-west-2:${ACCOUNT}:connection/cdc-dev-sales-reporting-mysql`;
export const glueArn = (what: string) => `arn:aws:glue:eu-west-2:${ACCOUNT}:${what}`;
export const HOST = "reporting.cluster-c1.eu-west-2.rds.amazonaws.com";
export const MYSQL = {
  flavor: "mariadb" as const,
  host: HOST,
  port: 3306,
  database: "reporting",
  secretArn: SECRET,
  subnetId: "subnet-0a1",
  vpcId: "vpc-1",
};

// The generic mock names Glue connections and EventBridge rules after the Pulumi resource; AWS uses the physical name.
export const realisticArns: OutputsMock = (a) => {
  if (a.type === "aws:glue/connection:Connection") return { arn: glueArn(`connection/${String(a.inputs.name)}`) };
  if (a.type === "aws:cloudwatch/eventRule:EventRule")
    return { arn: `arn:aws:events:eu-west-2:${ACCOUNT}:rule/${String(a.inputs.name)}` };
  return undefined;
};

export function args(overrides: Partial<GlueTargetArgs> = {}): GlueTargetArgs {
  return {
    environment: "dev",
    sourceName: "sales",
    targetName: "reporting",
    accountId: ACCOUNT,
    region: "eu-west-2",
    metadata: testMetadata(),
    tables: ["dbo.*"],
    everyMinutes: 2,
    queue: { arn: QUEUE_ARN, url: QUEUE_URL },
    tombstoneRetentionDays: 7,
    harmonized: { bucketName: HARMONIZED, arn: `arn:aws:s3:::${HARMONIZED}` },
    lake: { bucketName: LAKE, arn: `arn:aws:s3:::${LAKE}` },
    applyScript: { uri: `s3://${LAKE}/glue/apply_changes.py`, key: "glue/apply_changes.py" },
    publication: { bucketName: PUBLICATION, arn: `arn:aws:s3:::${PUBLICATION}`, database: "cdc_dev_sales_reporting" },
    kmsKeyArn: KEY,
    alertTopicArn: TOPIC,
    ...overrides,
  };
}

export async function declare(overrides: Partial<GlueTargetArgs> = {}) {
  const { mocks, outputs } = await runDeclarations(
    () => {
      const t = new GlueTarget("reporting", args(overrides), { provider: testProvider() });
      return { jobName: t.jobName, pollFunctionName: t.pollFunctionName };
    },
    { mocks: { outputs: realisticArns } },
  );
  return { resources: mocks.resources, outputs };
}

export const variables = (r: RecordedResource) => (r.inputs.environment as { variables: Record<string, string> }).variables;
/** An Allow statement as the policies render it. */
export const allow = (Sid: string, Action: string | string[], Resource: string | string[], Condition?: object) => ({
  Sid,
  Effect: "Allow",
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
export const RW = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
export const LAKE_KEY_STATEMENT = allow("UseLakeKey", ["kms:Decrypt", "kms:GenerateDataKey"], KEY);
export const INTERFACES = `arn:aws:ec2:eu-west-2:${ACCOUNT}:network-interface/*`;

/** Every target's apply job role, MySQL or not. */
export const BASE_JOB_STATEMENTS = [
  allow("ReadScript", "s3:GetObject", `arn:aws:s3:::${LAKE}/glue/apply_changes.py`),
  allow(
    "WriteJobLogs",
    ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
    `arn:aws:logs:*:${ACCOUNT}:log-group:/aws-glue/*`,
  ),
  allow("PublishJobMetrics", "cloudwatch:PutMetricData", "*", { StringEquals: { "cloudwatch:namespace": "Glue" } }),
  allow("ReadManifests", "s3:GetObject", `arn:aws:s3:::${LAKE}/runs/sales/reporting/*.json`),
  allow("MarkRunsDone", "s3:PutObject", `arn:aws:s3:::${LAKE}/runs/sales/reporting/*.done`),
  allow("ReadHarmonized", "s3:GetObject", `arn:aws:s3:::${HARMONIZED}/*`),
  allow("WritePublication", RW, `arn:aws:s3:::${PUBLICATION}/reporting/*`),
  allow("ListData", "s3:ListBucket", [`arn:aws:s3:::${HARMONIZED}`, `arn:aws:s3:::${PUBLICATION}`]),
  LAKE_KEY_STATEMENT,
  allow(
    "ManageTargetTables",
    ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable"],
    [glueArn("catalog"), glueArn("database/cdc_dev_sales_reporting"), glueArn("table/cdc_dev_sales_reporting/*")],
  ),
];

/** The Iceberg settings chained into one `--conf` value (Glue passes the first `--conf` itself). */
export const conf = (warehouse: string) =>
  [
    "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    "spark.sql.catalog.glue_catalog=org.apache.iceberg.spark.SparkCatalog",
    `spark.sql.catalog.glue_catalog.warehouse=${warehouse}`,
    "spark.sql.catalog.glue_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
    "spark.sql.catalog.glue_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
  ].join(" --conf ");
