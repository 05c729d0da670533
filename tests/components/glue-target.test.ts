import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { bundleHandler } from "../../components/bundle";
import { FAILED_JOB_STATES } from "../../components/glue-job";
import { icebergConf } from "../../components/glue-target";
import type { GlueExecutionClass, GlueWorkerType } from "../../components/glue-sizing";
import { metadataFiles } from "../../components/validated-landing";
import { handlerMetadata } from "../../metadata/deployed";
import { FAILED_RUN_STATES } from "../../handlers/poll";
import { DEFAULT_ICEBERG_SETTINGS } from "../../handlers/core/plan/iceberg-settings";

import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, descendantsOf, one, providerOf } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, statements, testMetadata } from "./helpers";

import {
  TOPIC,
  HARMONIZED,
  LAKE,
  PUBLICATION,
  QUEUE_ARN,
  QUEUE_URL,
  JOB_ARN,
  POLL_ARN,
  args,
  declare,
  variables,
  allow,
  RW,
  LAKE_KEY_STATEMENT,
  BASE_JOB_STATEMENTS,
  conf,
} from "./glue-target-fixtures";

/** The catalog, the target's database and its tables: what the poller's and the optimizers' Glue calls name. */
const TARGET_TABLES = ["catalog", "database/cdc_dev_sales_reporting", "table/cdc_dev_sales_reporting/*"].map(
  (what) => `arn:aws:glue:eu-west-2:${ACCOUNT}:${what}`,
);

describe("GlueTarget", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("runs the apply script as a one-at-a-time Glue 5.0 job with Iceberg on the target's warehouse, and no MySQL", () => {
    const job = one(resources, "aws:glue/job:Job", "reporting-job");
    expect(job.inputs).toEqual({
      name: "cdc-dev-sales-reporting-apply",
      description: "Applies run manifests of sales → reporting (handlers/glue/apply_changes.py)",
      roleArn: `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-reporting-apply`,
      // Its S3 output, logs and bookmarks encrypted with the lake key (components/glue-security-configuration.ts).
      securityConfiguration: "cdc-dev-sales-reporting-apply",
      glueVersion: "5.0",
      // The default size, 2 × G.1X for an hour; STANDARD, Glue's default, is left unset (no executionClass), so jobs
      // declared before the size was a setting show no change.
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

  it("bundles handlers/poll.ts with the subscribed tables' metadata and configures it by environment", async () => {
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
      HARMONIZED_BUCKET: HARMONIZED,
      ALERT_TOPIC_ARN: TOPIC,
      JOB_NAME: "cdc-dev-sales-reporting-apply",
      SPARK_NAMESPACE: "glue_catalog.cdc_dev_sales_reporting",
      MYSQL: "false",
      TOMBSTONE_RETENTION_DAYS: "7",
      VISIBILITY_TIMEOUT_SECONDS: "900",
      // A target without an `iceberg` block: the engines' defaults (handlers/core/plan/iceberg-settings.ts).
      ICEBERG: JSON.stringify(DEFAULT_ICEBERG_SETTINGS),
      TABLE_OPTIMIZER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-reporting-optimizer`,
    });
    expect(
      one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "reporting-poll-async").inputs,
    ).toEqual({
      functionName: "cdc-dev-sales-reporting-poll",
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: TOPIC } },
    });
  });

  it("lets the poller drain its queue, keep its own manifests and table state, list harmonized, alert, start its job, nothing more", () => {
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
      // Unconditioned: a read of a missing checkpoint or state must answer 404, which S3 decides without a prefix.
      allow("ListLake", "s3:ListBucket", `arn:aws:s3:::${LAKE}`),
      // Its tables' state: read and conditionally written, never deleted.
      allow("KeepTableState", ["s3:GetObject", "s3:PutObject"], `arn:aws:s3:::${LAKE}/state/sales/reporting/*`),
      allow("FindUnappliedFiles", "s3:ListBucket", `arn:aws:s3:::${HARMONIZED}`),
      allow("AlertHeldTables", "sns:Publish", TOPIC),
      allow("RunApplyJob", ["glue:StartJobRun", "glue:GetJobRuns"], JOB_ARN),
      LAKE_KEY_STATEMENT,
      allow("EnableTableOptimizers", ["glue:CreateTableOptimizer", "glue:UpdateTableOptimizer"], TARGET_TABLES),
      {
        ...allow("PassOptimizerRole", "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-reporting-optimizer`),
        Condition: { StringEquals: { "iam:PassedToService": "glue.amazonaws.com" } },
      },
    ]);
  });

  it("gives the table optimizers a role only Glue of this account assumes, on the target's prefix, key and tables", () => {
    const role = one(resources, "aws:iam/role:Role", "reporting-optimizer-role");
    expect(role.inputs.name).toBe("cdc-dev-sales-reporting-optimizer");
    expect(statements(role, "assumeRolePolicy")).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "glue.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
    const logs = ["compaction", "retention", "orphan-file-deletion"].map(
      (o) => `arn:aws:logs:eu-west-2:${ACCOUNT}:log-group:/aws-glue/iceberg-${o}/logs:*`,
    );
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "reporting-optimizer-policy"))).toEqual([
      allow("RewriteTableFiles", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], `arn:aws:s3:::${PUBLICATION}/reporting/*`),
      allow("ListWarehouse", "s3:ListBucket", `arn:aws:s3:::${PUBLICATION}`),
      LAKE_KEY_STATEMENT,
      allow("CommitTables", ["glue:GetTable", "glue:UpdateTable"], TARGET_TABLES),
      allow("WriteOptimizerLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], logs),
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

  it("declares every resource under the component through its provider, and exposes the real job and poller", () => {
    const component = one(resources, "cdc:lake:GlueTarget", "reporting");
    // No MySQL: no connection, no security group.
    const children = childrenOf(resources, component).map((r) => r.name);
    expect(children.sort()).toEqual([
      "reporting-job",
      "reporting-job-failed",
      "reporting-job-failed-alert",
      "reporting-job-policy",
      "reporting-job-role",
      "reporting-job-security",
      "reporting-optimizer",
      "reporting-poll",
      "reporting-schedule",
      "reporting-schedule-invoke",
      "reporting-schedule-target",
    ]);
    const all = descendantsOf(resources, component);
    expect(all).toHaveLength(resources.length - 2); // all but the provider and the component itself
    for (const r of all.filter((c) => c.custom)) expect(providerOf(resources, r)?.name).toBe("ingestion");
    expect(outputs).toEqual({
      jobName: "cdc-dev-sales-reporting-apply",
      pollFunctionName: "cdc-dev-sales-reporting-poll",
    });
  });
});

describe("GlueTarget's poller metadata", () => {
  it("carries only the tables its globs match, in one compact file the handler reads back with every check", async () => {
    const { resources } = await declare({ tables: ["dbo.Ord*"] });
    const fn = one(resources, "aws:lambda/function:Function", "reporting-poll-function");
    const full = testMetadata();
    const order = full.tables.filter((t) => t.table === "Order");
    const files = metadataFiles({ source: full.source, tables: order });
    expect(Object.keys(files)).toEqual(["metadata.json"]);
    expect(fn.inputs.sourceCodeHash).toBe(bundleHandler("handlers/poll.ts", { extraFiles: files }).sourceCodeHash);
    expect(fn.inputs.sourceCodeHash).not.toBe(
      bundleHandler("handlers/poll.ts", { extraFiles: metadataFiles(full) }).sourceCodeHash,
    );
    // Not pretty-printed: 500 tables stay one small file.
    expect(files["metadata.json"]).not.toContain("\n");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-poll-metadata-"));
    fs.writeFileSync(path.join(dir, "metadata.json"), files["metadata.json"]);
    expect(handlerMetadata(undefined, dir)).toEqual({ source: { ...full.source, tables: ["dbo.Order"] }, tables: order });
    fs.rmSync(dir, { recursive: true });
  });
});

describe("GlueTarget schedule and settings", () => {
  it.each([
    [1, "rate(1 minute)"],
    [6, "rate(6 minutes)"],
    [15, "rate(15 minutes)"],
  ])("polls every %i minute(s) as %s", async (every, rate) => {
    const { resources } = await declare({ everyMinutes: every });
    expect(one(resources, "aws:cloudwatch/eventRule:EventRule", "reporting-schedule").inputs.scheduleExpression).toBe(rate);
  });

  it.each([
    [
      { workerType: "G.2X", executionClass: "FLEX" },
      { workerType: "G.2X", numberOfWorkers: 2, executionClass: "FLEX" },
    ],
    [
      { workerType: "G.8X", workers: 10, timeoutMinutes: 240 },
      { workerType: "G.8X", numberOfWorkers: 10, timeout: 240 },
    ],
    [
      { workerType: "G.4X", executionClass: "STANDARD" },
      { workerType: "G.4X", numberOfWorkers: 2, timeout: 60 },
    ],
  ] as const)("sizes the job as the target sets it: %j", async (sizing, expected) => {
    const { resources } = await declare(sizing);
    const job = one(resources, "aws:glue/job:Job", "reporting-job");
    expect(job.inputs).toMatchObject(expected);
    if (!("executionClass" in expected)) expect(job.inputs).not.toHaveProperty("executionClass");
  });

  it("chains the Iceberg catalog settings for any warehouse, including one not yet known", async () => {
    const { outputs } = await runDeclarations(() => ({ conf: icebergConf(pulumi.output("s3://b/t/")) }));
    expect(outputs.conf).toBe(conf("s3://b/t/"));
  });

  it.each([
    ["a schedule of 0 minutes", { everyMinutes: 0 }, "everyMinutes must be 1–60"],
    ["a schedule over an hour", { everyMinutes: 61 }, "everyMinutes must be 1–60"],
    ["a single worker", { workers: 1 }, "workers must be 2–100 (Glue's minimum for a Spark job is 2)"],
    ["more workers than an apply run needs", { workers: 101 }, "workers must be 2–100 (Glue's minimum for a Spark job is 2)"],
    [
      "a streaming-only worker type",
      { workerType: "G.025X" as GlueWorkerType },
      "workerType must be one of G.1X, G.2X, G.4X, G.8X, got G.025X",
    ],
    [
      "FLEX on workers Glue runs only STANDARD on",
      { workerType: "G.4X", executionClass: "FLEX" } as const,
      "FLEX runs on G.1X or G.2X workers only; Glue refuses it with G.4X (use STANDARD, or a smaller worker type)",
    ],
    [
      "an execution class Glue does not have",
      { executionClass: "SPOT" as GlueExecutionClass },
      "executionClass must be STANDARD or FLEX, got SPOT",
    ],
    ["no time to run", { timeoutMinutes: 0 }, "timeoutMinutes must be 1–2880"],
    ["a timeout over two days", { timeoutMinutes: 2881 }, "timeoutMinutes must be 1–2880"],
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
    ["a subscription to nothing", { tables: [] }, "tables needs at least one glob"],
    [
      "a glob that matches no table (the target would silently never get its data)",
      { tables: ["dbo.*", "billing.*"] },
      "tables: glob billing.* matches no table of source sales",
    ],
  ])("refuses %s", async (_what, overrides, why) => {
    await expect(declare(overrides)).rejects.toThrow(`GlueTarget reporting: ${why}`);
  });
});
