import * as pulumi from "@pulumi/pulumi";
import { bundleHandler } from "../../components/bundle";
import { FAILED_JOB_STATES } from "../../components/glue-job";
import { GlueTarget, icebergConf, type GlueTargetArgs } from "../../components/glue-target";
import { metadataFiles } from "../../components/validated-landing";
import { FAILED_RUN_STATES } from "../../handlers/poll";
import type { OutputsMock, RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, descendantsOf, one, providerOf } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, statements, testMetadata, testProvider } from "./helpers";

const KEY = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/lake`;
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-dev-sales-alerts`;
const HARMONIZED = `cdc-dev-sales-harmonized-${ACCOUNT}`;
const LAKE = `cdc-dev-sales-lake-${ACCOUNT}`;
const PUBLICATION = `cdc-dev-sales-publication-${ACCOUNT}`;
const QUEUE_ARN = `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-sales-reporting`;
const QUEUE_URL = `https://sqs.eu-west-2.amazonaws.com/${ACCOUNT}/cdc-dev-sales-reporting`;
const JOB_ARN = `arn:aws:glue:eu-west-2:${ACCOUNT}:job/cdc-dev-sales-reporting-apply`;
const POLL_ARN = `arn:aws:lambda:eu-west-2:${ACCOUNT}:function:cdc-dev-sales-reporting-poll`;
const SECRET = `arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:cdc-dev-reporting-mysql-AbCdEf`;
const CONNECTION_ARN = `arn:aws:glue:eu-west-2:${ACCOUNT}:connection/cdc-dev-sales-reporting-mysql`;
const glueArn = (what: string) => `arn:aws:glue:eu-west-2:${ACCOUNT}:${what}`;
const HOST = "reporting.cluster-c1.eu-west-2.rds.amazonaws.com";
const MYSQL = {
  flavor: "mariadb" as const,
  host: HOST,
  port: 3306,
  database: "reporting",
  secretArn: SECRET,
  subnetId: "subnet-0a1",
  vpcId: "vpc-1",
};

// The generic mock names Glue connections and EventBridge rules after the Pulumi resource; AWS uses the physical name.
const realisticArns: OutputsMock = (a) => {
  if (a.type === "aws:glue/connection:Connection") return { arn: glueArn(`connection/${String(a.inputs.name)}`) };
  if (a.type === "aws:cloudwatch/eventRule:EventRule")
    return { arn: `arn:aws:events:eu-west-2:${ACCOUNT}:rule/${String(a.inputs.name)}` };
  return undefined;
};

function args(overrides: Partial<GlueTargetArgs> = {}): GlueTargetArgs {
  return {
    environment: "dev",
    sourceName: "sales",
    targetName: "reporting",
    accountId: ACCOUNT,
    region: "eu-west-2",
    metadata: testMetadata(),
    everyMinutes: 2,
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

async function declare(overrides: Partial<GlueTargetArgs> = {}) {
  const { mocks, outputs } = await runDeclarations(
    () => {
      const t = new GlueTarget("reporting", args(overrides), { provider: testProvider() });
      return { queueArn: t.queueArn, queueUrl: t.queueUrl, jobName: t.jobName, pollFunctionName: t.pollFunctionName };
    },
    { mocks: { outputs: realisticArns } },
  );
  return { resources: mocks.resources, outputs };
}

const variables = (r: RecordedResource) => (r.inputs.environment as { variables: Record<string, string> }).variables;
/** An Allow statement as the policies render it. */
const allow = (Sid: string, Action: string | string[], Resource: string | string[], Condition?: object) => ({
  Sid,
  Effect: "Allow",
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
const RW = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
const LAKE_KEY_STATEMENT = allow("UseLakeKey", ["kms:Decrypt", "kms:GenerateDataKey"], KEY);
const INTERFACES = `arn:aws:ec2:eu-west-2:${ACCOUNT}:network-interface/*`;

/** Every target's apply job role, MySQL or not. */
const BASE_JOB_STATEMENTS = [
  allow("ReadScript", "s3:GetObject", `arn:aws:s3:::${LAKE}/glue/apply_changes.py`),
  allow(
    "WriteJobLogs",
    ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
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
const conf = (warehouse: string) =>
  [
    "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    "spark.sql.catalog.glue_catalog=org.apache.iceberg.spark.SparkCatalog",
    `spark.sql.catalog.glue_catalog.warehouse=${warehouse}`,
    "spark.sql.catalog.glue_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
    "spark.sql.catalog.glue_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
  ].join(" --conf ");

describe("GlueTarget", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("queues the target's files for 14 days, hidden 900 s while polled, with a dead-letter queue", () => {
    const queue = one(resources, "aws:sqs/queue:Queue", "reporting-queue-queue");
    expect(queue.inputs).toMatchObject({
      name: "cdc-dev-sales-reporting",
      visibilityTimeoutSeconds: 900,
      messageRetentionSeconds: 1209600,
    });
    expect(JSON.parse(queue.inputs.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: `${QUEUE_ARN}-dlq`,
      maxReceiveCount: 5,
    });
  });

  it("alarms to the alert topic when the oldest message waits over an hour (ten 2-minute runs are less)", () => {
    expect(one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "reporting-queue-age-alarm").inputs).toEqual({
      alarmDescription:
        "The oldest message in cdc-dev-sales-reporting waited over 3600 s: its consumer is stuck or blocked. Messages expire after 14 days.",
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "cdc-dev-sales-reporting" },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 3600,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
  });

  it("runs the apply script as a one-at-a-time Glue 5.0 job with Iceberg on the target's warehouse, and no MySQL", () => {
    const job = one(resources, "aws:glue/job:Job", "reporting-job");
    expect(job.inputs).toEqual({
      name: "cdc-dev-sales-reporting-apply",
      description: "Applies run manifests of sales → reporting (handlers/glue/apply_changes.py)",
      roleArn: `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-reporting-apply`,
      glueVersion: "5.0",
      workerType: "G.1X",
      numberOfWorkers: 2,
      timeout: 60,
      maxRetries: 0,
      executionProperty: { maxConcurrentRuns: 1 },
      command: { name: "glueetl", pythonVersion: "3", scriptLocation: `s3://${LAKE}/glue/apply_changes.py` },
      defaultArguments: {
        "--job-language": "python",
        "--datalake-formats": "iceberg",
        "--conf": conf(`s3://${PUBLICATION}/reporting/`),
        "--enable-metrics": "true",
        "--enable-continuous-cloudwatch-log": "true",
        "--enable-job-insights": "true",
      },
    });
    // A run must not start before its role may read the script.
    expect(job.dependencies).toContain(one(resources, "aws:iam/rolePolicy:RolePolicy", "reporting-job-policy").urn);
  });

  it("gives the job a Glue-only role limited to its script, its runs, harmonized data, its prefix and its tables", () => {
    expect(statements(one(resources, "aws:iam/role:Role", "reporting-job-role"), "assumeRolePolicy")).toEqual([
      { Effect: "Allow", Principal: { Service: "glue.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "reporting-job-policy"))).toEqual(BASE_JOB_STATEMENTS);
  });

  it("bundles handlers/poll.ts with the source's metadata and configures it by environment", async () => {
    const fn = one(resources, "aws:lambda/function:Function", "reporting-poll-function");
    const bundle = bundleHandler("handlers/poll.ts", { extraFiles: metadataFiles(testMetadata()) });
    expect(fn.inputs).toMatchObject({
      name: "cdc-dev-sales-reporting-poll",
      handler: "index.handler",
      timeout: 120,
      sourceCodeHash: bundle.sourceCodeHash,
    });
    // Overlapping ticks are safe, and a reservation would fail in accounts still at the default concurrency limit.
    expect(fn.inputs.reservedConcurrentExecutions).toBeUndefined();
    await expect((fn.inputs.code as pulumi.asset.FileArchive).path).resolves.toBe(bundle.zipPath);
    expect(variables(fn)).toEqual({
      POWERTOOLS_SERVICE_NAME: "cdc-dev-sales-reporting-poll",
      POWERTOOLS_METRICS_NAMESPACE: "cdc/dev",
      POWERTOOLS_LOG_LEVEL: "INFO",
      NODE_OPTIONS: "--enable-source-maps",
      SOURCE: "sales",
      TARGET: "reporting",
      QUEUE_URL,
      LAKE_BUCKET: LAKE,
      JOB_NAME: "cdc-dev-sales-reporting-apply",
      SPARK_NAMESPACE: "glue_catalog.cdc_dev_sales_reporting",
      MYSQL: "false",
      TOMBSTONE_RETENTION_DAYS: "7",
      VISIBILITY_TIMEOUT_SECONDS: "900",
    });
    expect(
      one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "reporting-poll-async").inputs,
    ).toEqual({
      functionName: "cdc-dev-sales-reporting-poll",
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: TOPIC } },
    });
  });

  it("lets the poller drain its queue, keep its own run manifests, start its job and use the lake key, nothing more", () => {
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "reporting-poll-policy"))).toEqual([
      allow(
        "WriteOwnLogs",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        `arn:aws:logs:eu-west-2:${ACCOUNT}:log-group:/aws/lambda/cdc-dev-sales-reporting-poll:*`,
      ),
      allow("DeliverFailedEvents", "sns:Publish", TOPIC),
      allow(
        "ConsumeTargetQueue",
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        QUEUE_ARN,
      ),
      allow("ManageRuns", RW, `arn:aws:s3:::${LAKE}/runs/sales/reporting/*`),
      allow("ListRuns", "s3:ListBucket", `arn:aws:s3:::${LAKE}`, { StringLike: { "s3:prefix": "runs/sales/reporting/*" } }),
      allow("RunApplyJob", ["glue:StartJobRun", "glue:GetJobRuns"], JOB_ARN),
      LAKE_KEY_STATEMENT,
    ]);
  });

  it("invokes the poller every 2 minutes, and only that schedule may invoke it", () => {
    const rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "reporting-schedule");
    expect(rule.inputs).toEqual({
      name: "cdc-dev-sales-reporting-poll",
      description: "Polls cdc-dev-sales-reporting every 2 min",
      scheduleExpression: "rate(2 minutes)",
    });
    const permission = one(resources, "aws:lambda/permission:Permission", "reporting-schedule-invoke");
    expect(permission.inputs).toEqual({
      action: "lambda:InvokeFunction",
      function: "cdc-dev-sales-reporting-poll",
      principal: "events.amazonaws.com",
      sourceArn: `arn:aws:events:eu-west-2:${ACCOUNT}:rule/cdc-dev-sales-reporting-poll`,
    });
    const target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", "reporting-schedule-target");
    expect(target.inputs).toEqual({ rule: "cdc-dev-sales-reporting-poll", arn: POLL_ARN });
    // Targeting before the permission exists would drop the first invocations.
    expect(target.dependencies).toContain(permission.urn);
  });

  it("alerts on every failed, timed-out or errored run of its own job", () => {
    const rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "reporting-job-failed");
    expect(rule.inputs.name).toBe("cdc-dev-sales-reporting-apply-failed");
    expect(JSON.parse(rule.inputs.eventPattern as string)).toEqual({
      source: ["aws.glue"],
      "detail-type": ["Glue Job State Change"],
      detail: { jobName: ["cdc-dev-sales-reporting-apply"], state: ["FAILED", "TIMEOUT", "STOPPED"] },
    });
    expect(one(resources, "aws:cloudwatch/eventTarget:EventTarget", "reporting-job-failed-alert").inputs).toEqual({
      rule: "cdc-dev-sales-reporting-apply-failed",
      arn: TOPIC,
    });
  });

  it("alerts only on states the poller also counts as failed, so every alerted run is retried", () => {
    expect(FAILED_JOB_STATES).toEqual(["FAILED", "TIMEOUT", "STOPPED"]);
    for (const state of FAILED_JOB_STATES) expect(FAILED_RUN_STATES.has(state)).toBe(true);
  });

  it("declares every resource under the component through its provider, and exposes the real queue, job and poller", () => {
    const component = one(resources, "cdc:lake:GlueTarget", "reporting");
    // No MySQL: no connection, no security group.
    const children = childrenOf(resources, component).map((r) => r.name);
    expect(children.sort()).toEqual([
      "reporting-job",
      "reporting-job-failed",
      "reporting-job-failed-alert",
      "reporting-job-policy",
      "reporting-job-role",
      "reporting-poll",
      "reporting-queue",
      "reporting-schedule",
      "reporting-schedule-invoke",
      "reporting-schedule-target",
    ]);
    const all = descendantsOf(resources, component);
    expect(all).toHaveLength(resources.length - 2); // all but the provider and the component itself
    for (const r of all.filter((c) => c.custom)) expect(providerOf(resources, r)?.name).toBe("ingestion");
    expect(outputs).toEqual({
      queueArn: QUEUE_ARN,
      queueUrl: QUEUE_URL,
      jobName: "cdc-dev-sales-reporting-apply",
      pollFunctionName: "cdc-dev-sales-reporting-poll",
    });
  });
});

describe("GlueTarget with MySQL", () => {
  let resources: RecordedResource[];
  beforeAll(async () => ({ resources } = await declare({ mysql: MYSQL, workers: 4, timeoutMinutes: 30 })));

  it("opens a TLS JDBC connection in the given subnet and its zone, reading credentials from the secret", () => {
    const group = one(resources, "aws:ec2/securityGroup:SecurityGroup", "reporting-mysql-sg");
    expect(group.inputs).toMatchObject({
      name: "cdc-dev-sales-reporting-glue",
      vpcId: "vpc-1",
      // Glue's workers reach each other through the connection's group.
      ingress: [{ description: "Glue workers", protocol: "tcp", fromPort: 0, toPort: 65535, self: true }],
    });
    expect(one(resources, "aws:glue/connection:Connection", "reporting-mysql").inputs).toEqual({
      name: "cdc-dev-sales-reporting-mysql",
      connectionType: "JDBC",
      // The provider marks connection properties secret (they may hold a password), so they reach the engine wrapped.
      connectionProperties: {
        [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
        value: {
          JDBC_CONNECTION_URL: `jdbc:mysql://${HOST}:3306/reporting`,
          SECRET_ID: SECRET,
          JDBC_ENFORCE_SSL: "true",
        },
      },
      physicalConnectionRequirements: {
        subnetId: "subnet-0a1",
        availabilityZone: "eu-west-2b", // the subnet lookup's answer
        securityGroupIdLists: ["reporting-mysql-sg-id"],
      },
    });
  });

  it("tells the poller which server the target runs, for the collation of the tables it creates", () => {
    const fn = one(resources, "aws:lambda/function:Function", "reporting-poll-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables.MYSQL).toBe("mariadb");
  });

  it("runs the job through the connection, with the workers and timeout given", () => {
    const job = one(resources, "aws:glue/job:Job", "reporting-job");
    expect(job.inputs).toMatchObject({
      numberOfWorkers: 4,
      timeout: 30,
      connections: ["cdc-dev-sales-reporting-mysql"],
      defaultArguments: { "--mysql_connection": "cdc-dev-sales-reporting-mysql", "--datalake-formats": "iceberg" },
    });
    expect(variables(one(resources, "aws:lambda/function:Function", "reporting-poll-function")).MYSQL).toBe("mariadb");
  });

  it("lets the job read only its connection and secret, and manage Glue's network interfaces", () => {
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "reporting-job-policy"))).toEqual([
      ...BASE_JOB_STATEMENTS,
      allow("ReadMySqlConnection", "glue:GetConnection", [glueArn("catalog"), CONNECTION_ARN]),
      allow("ReadMySqlSecret", "secretsmanager:GetSecretValue", SECRET),
      allow(
        "RunInVpc",
        [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeVpcEndpoints",
          "ec2:DescribeRouteTables",
          "ec2:DescribeVpcAttribute",
        ],
        "*",
      ),
      allow("RemoveNetworkInterfaces", "ec2:DeleteNetworkInterface", INTERFACES),
      allow("TagNetworkInterfaces", ["ec2:CreateTags", "ec2:DeleteTags"], INTERFACES, {
        "ForAllValues:StringEquals": { "aws:TagKeys": ["aws-glue-service-resource"] },
      }),
    ]);
  });

  it("may decrypt a secret with its own key, only through Secrets Manager", async () => {
    const key = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/reporting-secret`;
    const { resources: withKey } = await declare({ mysql: { ...MYSQL, secretKmsKeyArn: key } });
    const granted = statements(one(withKey, "aws:iam/rolePolicy:RolePolicy", "reporting-job-policy"));
    expect(granted.find((st) => st.Sid === "DecryptMySqlSecret")).toEqual(
      allow("DecryptMySqlSecret", "kms:Decrypt", key, {
        StringEquals: { "kms:ViaService": "secretsmanager.eu-west-2.amazonaws.com" },
      }),
    );
  });

  it("parents the connection and its security group under the component too", () => {
    const children = childrenOf(resources, one(resources, "cdc:lake:GlueTarget", "reporting")).map((r) => r.name);
    expect(children).toEqual(expect.arrayContaining(["reporting-mysql", "reporting-mysql-sg"]));
    expect(children).toHaveLength(12);
  });
});

describe("GlueTarget schedule and settings", () => {
  it.each([
    [1, "rate(1 minute)", 3600],
    [6, "rate(6 minutes)", 3600],
    [15, "rate(15 minutes)", 9000],
  ])("polls every %i minute(s) as %s and alarms after %i s (ten missed runs, at least an hour)", async (every, rate, age) => {
    const { resources } = await declare({ everyMinutes: every });
    expect(one(resources, "aws:cloudwatch/eventRule:EventRule", "reporting-schedule").inputs.scheduleExpression).toBe(rate);
    expect(one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "reporting-queue-age-alarm").inputs.threshold).toBe(age);
  });

  it("chains the Iceberg catalog settings for any warehouse, including one not yet known", async () => {
    const { outputs } = await runDeclarations(() => ({ conf: icebergConf(pulumi.output("s3://b/t/")) }));
    expect(outputs.conf).toBe(conf("s3://b/t/"));
  });

  it.each([
    ["a schedule of 0 minutes", { everyMinutes: 0 }, "everyMinutes must be 1–60"],
    ["a schedule over an hour", { everyMinutes: 61 }, "everyMinutes must be 1–60"],
    ["a single worker", { workers: 1 }, "workers must be 2–100 (Glue's G.1X minimum is 2)"],
    ["no tombstone retention", { tombstoneRetentionDays: 0 }, "tombstoneRetentionDays must be 1–3650"],
    [
      "a database name Glue and Spark would not take",
      { publication: { ...args().publication, database: "Sales-Reporting" } },
      "publication.database must be lower-case letters, digits and _, got Sales-Reporting",
    ],
    [
      "names too long for EventBridge, IAM and Lambda (the failure rule <id>-apply-failed over 64 characters)",
      { targetName: "r".repeat(38) },
      `cdc-dev-sales-${"r".repeat(38)}-apply-failed is longer than 64 characters; shorten the environment, source or target name`,
    ],
    ["metadata of another source", { metadata: testMetadata("crm") }, "metadata is for source crm, expected sales"],
    ["a source with no tables", { metadata: { ...testMetadata(), tables: [] } }, "source sales has no tables in its metadata"],
  ])("refuses %s", async (_what, overrides, why) => {
    await expect(declare(overrides)).rejects.toThrow(`GlueTarget reporting: ${why}`);
  });
});
