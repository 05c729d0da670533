/**
 * One target of a source, in the lake account: the poller Lambda on an EventBridge schedule that turns the target's
 * queue of validated-file messages (declared by FanOutQueues, which writes it) into run manifests, and the Glue job that applies them (one run at a time: the MySQL staging table and the Iceberg commit
 * order rely on it) to the Iceberg publication and, optionally, a MySQL database through a Glue JDBC connection.
 * A table whose statements fail is held on its own (its state in the lake bucket under `state/<source>/<target>/`,
 * one alert on the topic, `cdc target resume` ends it) while the target's other tables go on; the poller also lists
 * harmonized for files no run applied, so no work expires with its message. A failed run (the job itself died)
 * alerts; the poller re-submits it, and blocks the target after repeated failures. The job's size (worker type and
 * count, STANDARD or FLEX, timeout) is the target's to choose within what Glue takes (components/glue-sizing.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MySqlFlavor } from "../handlers/core/plan/dialect";
import type { MetadataDir } from "../metadata/load";
import { argsChecker, isIntIn } from "./args";
import {
  DEFAULT_GLUE_SIZING,
  flexProblem,
  GLUE_EXECUTION_CLASSES,
  GLUE_WORKER_TYPES,
  TIMEOUT_MINUTES,
  WORKERS,
  type GlueExecutionClass,
  type GlueWorkerType,
} from "./glue-sizing";
import { BundledFunction } from "./bundled-function";
import { alertOnFailedRuns } from "./glue-job";
import { glueSecurityConfiguration } from "./glue-security-configuration";
import { glueSecurityGroup } from "./glue-security-group";
import { applyJobStatements, pollStatements } from "./glue-target-iam";
import { TableOptimizerRole } from "./table-optimizer-role";
import { DEFAULT_ICEBERG_SETTINGS, type IcebergSettings } from "../handlers/core/plan/iceberg-settings";
import { TARGET_QUEUE_VISIBILITY_SECONDS } from "./fan-out-queues";
import { assumeRolePolicy, policyDocument } from "./iam";
import { runOnSchedule } from "./schedule";
import { metadataFiles } from "./validated-landing";
import { tableId } from "../metadata/format";
import { selectTables } from "../metadata/table-glob";

export interface BucketRef {
  bucketName: pulumi.Input<string>;
  arn: pulumi.Input<string>;
}

export interface GlueTargetMySql {
  /** The server (`mysql` or `mariadb`): the poller renders its table DDL with that server's NO PAD collation. */
  flavor: MySqlFlavor;
  host: string;
  port: number;
  database: string;
  /** Secrets Manager secret with `username` and `password`; Glue reads it at run time, the program never does. */
  secretArn: string;
  /** The customer-managed key of the secret, when it is not Secrets Manager's default key. */
  secretKmsKeyArn?: string;
  /** Subnet the job's network interfaces go into (it must reach the database), and its VPC. */
  subnetId: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** The database's security group: the job may then reach MySQL there alone, instead of anywhere in the VPC. */
  databaseSecurityGroupId?: pulumi.Input<string>;
  /** Address ranges the database is in when they are not the VPC's (a peered VPC, on premises). */
  databaseCidrBlocks?: pulumi.Input<string>[];
}

export interface GlueTargetArgs {
  environment: string;
  sourceName: string;
  /** The target's stable name; poller and job names derive from it. */
  targetName: string;
  /** The lake account everything here lives in. */
  accountId: string;
  region: string;
  /** The source's committed metadata; the poller is deployed with its subscribed tables' (it renders their plans). */
  metadata: MetadataDir;
  /** Globs over `schema.table` the target subscribes to: the poller knows, plans and sweeps these tables only. */
  tables: string[];
  /** Minutes between poller runs (1–60). */
  everyMinutes: number;
  /** The target's queue of validated-file messages (FanOutQueues declares and fills it); the poller drains it. */
  queue: { arn: pulumi.Input<string>; url: pulumi.Input<string> };
  tombstoneRetentionDays: number;
  /** Where validated files are read from. */
  harmonized: BucketRef;
  /** The lake bucket: `runs/<source>/<target>/` manifests and the apply script. */
  lake: BucketRef;
  /** The apply script in the lake bucket: its `s3://` URI and key. */
  applyScript: { uri: pulumi.Input<string>; key: string };
  /** Iceberg warehouse bucket (this target writes under `<target>/`) and the target's Glue database. */
  publication: BucketRef & { database: string };
  /** The lake account's key: harmonized, lake and publication buckets and the alert topic use it. */
  kmsKeyArn: pulumi.Input<string>;
  /** Where alarms and failed runs are reported. */
  alertTopicArn: pulumi.Input<string>;
  /** The MySQL database the target also applies to. */
  mysql?: GlueTargetMySql;
  /**
   * Glue worker type of each run (components/glue-sizing.ts lists what Glue takes). Defaults to G.1X, the smallest a
   * batch Spark job may have: a poll's batch of CDC files is small, and a larger type only multiplies the DPU-hours.
   */
  workerType?: GlueWorkerType;
  /** Workers per run, 2–100. Defaults to 2 (Glue's minimum): CDC batches are small, and DPU-hours are the bill. */
  workers?: number;
  /**
   * STANDARD or FLEX (spare capacity, cheaper, but a run may wait to start; G.1X and G.2X only). Defaults to STANDARD:
   * a target's freshness is the point of the pipeline, and FLEX is a choice for targets nobody needs fresh.
   */
  executionClass?: GlueExecutionClass;
  /**
   * Minutes before a run is stopped (and counted as failed; the poller re-submits it), 1–2880. Defaults to 60: an apply
   * run takes minutes, so an hour means it is stuck, and the target's one run slot should not stay held longer.
   */
  timeoutMinutes?: number;
  /**
   * How the target's Iceberg tables are written and kept: write mode, file size, metadata files kept, and the Glue
   * table optimizers' settings (handlers/core/plan/iceberg-settings.ts). Defaults to the engines' own (copy-on-write,
   * Glue's optimizer defaults), so a target that sets nothing behaves as AWS's and Iceberg's documentation says.
   */
  iceberg?: IcebergSettings;
}

export class GlueTarget extends pulumi.ComponentResource {
  readonly jobName: pulumi.Output<string>;
  readonly pollFunctionName: pulumi.Output<string>;

  constructor(name: string, args: GlueTargetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:lake:GlueTarget", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const id = `cdc-${args.environment}-${args.sourceName}-${args.targetName}`;
    const runs = `runs/${args.sourceName}/${args.targetName}/`;

    const connection = args.mysql ? this.mysqlConnection(name, id, args.mysql, args.region) : undefined;
    const role = new aws.iam.Role(
      `${name}-job-role`,
      { name: `${id}-apply`, assumeRolePolicy: assumeRolePolicy("glue.amazonaws.com") },
      child,
    );
    const jobPolicy = new aws.iam.RolePolicy(
      `${name}-job-policy`,
      {
        role: role.name,
        name: "least-privilege",
        policy: policyDocument(applyJobStatements({ ...args, runsPrefix: runs, connectionArn: connection?.arn })),
      },
      child,
    );
    const security = glueSecurityConfiguration(
      `${name}-job-security`,
      { configurationName: `${id}-apply`, kmsKeyArn: args.kmsKeyArn },
      { parent: this },
    );
    const warehouse = pulumi.interpolate`s3://${args.publication.bucketName}/${args.targetName}/`;
    const job = new aws.glue.Job(
      `${name}-job`,
      {
        name: `${id}-apply`,
        description: `Applies run manifests of ${args.sourceName} → ${args.targetName} (handlers/glue/apply_changes.py)`,
        roleArn: role.arn,
        securityConfiguration: security.name,
        glueVersion: "5.0",
        workerType: args.workerType ?? DEFAULT_GLUE_SIZING.workerType,
        numberOfWorkers: args.workers ?? DEFAULT_GLUE_SIZING.workers,
        // STANDARD is Glue's default; left unset then, so jobs declared before it was a setting show no change.
        ...(args.executionClass === "FLEX" ? { executionClass: "FLEX" } : {}),
        timeout: args.timeoutMinutes ?? DEFAULT_GLUE_SIZING.timeoutMinutes,
        // The poller re-submits a failed manifest itself, counting attempts; Glue retrying too would hide the count.
        maxRetries: 0,
        executionProperty: { maxConcurrentRuns: 1 },
        command: { name: "glueetl", pythonVersion: "3", scriptLocation: args.applyScript.uri },
        connections: connection ? [connection.name] : undefined,
        defaultArguments: {
          "--job-language": "python",
          "--datalake-formats": "iceberg",
          "--conf": icebergConf(warehouse),
          "--enable-metrics": "true",
          "--enable-continuous-cloudwatch-log": "true",
          "--enable-job-insights": "true",
          ...(connection ? { "--mysql_connection": connection.name } : {}),
        },
      },
      { parent: this, dependsOn: [jobPolicy] },
    );

    // The Glue catalog's table optimizers keep the target's Iceberg tables; the poller enables them on each new table.
    const optimizer = new TableOptimizerRole(
      `${name}-optimizer`,
      {
        roleName: `${id}-optimizer`,
        accountId: args.accountId,
        region: args.region,
        publication: { arn: args.publication.arn },
        prefix: `${args.targetName}/`,
        database: args.publication.database,
        kmsKeyArn: args.kmsKeyArn,
      },
      child,
    );
    const poll = new BundledFunction(
      `${name}-poll`,
      {
        functionName: `${id}-poll`,
        entry: "handlers/poll.ts",
        extraFiles: metadataFiles({ source: args.metadata.source, tables: subscribedTables(args.metadata, args.tables) }),
        accountId: args.accountId,
        powertools: { serviceName: `${id}-poll`, metricsNamespace: `cdc/${args.environment}` },
        timeoutSeconds: 120,
        logKmsKeyArn: args.kmsKeyArn,
        // No reserved concurrency: overlapping ticks are safe (the job's single run slot and the manifests decide, see
        // tests/handlers/poll.test.ts), and a new account's concurrency limit of 10 refuses any reservation.
        onFailureDestinationArn: args.alertTopicArn,
        environment: {
          SOURCE: args.sourceName,
          TARGET: args.targetName,
          QUEUE_URL: args.queue.url,
          LAKE_BUCKET: args.lake.bucketName,
          HARMONIZED_BUCKET: args.harmonized.bucketName,
          ALERT_TOPIC_ARN: args.alertTopicArn,
          JOB_NAME: job.name,
          SPARK_NAMESPACE: `glue_catalog.${args.publication.database}`,
          MYSQL: args.mysql ? args.mysql.flavor : "false",
          TOMBSTONE_RETENTION_DAYS: String(args.tombstoneRetentionDays),
          VISIBILITY_TIMEOUT_SECONDS: String(TARGET_QUEUE_VISIBILITY_SECONDS),
          ICEBERG: JSON.stringify(args.iceberg ?? DEFAULT_ICEBERG_SETTINGS),
          TABLE_OPTIMIZER_ROLE_ARN: optimizer.arn,
        },
        policyStatements: pollStatements({
          queueArn: args.queue.arn,
          lake: args.lake,
          runsPrefix: runs,
          statePrefix: `state/${args.sourceName}/${args.targetName}/`,
          harmonized: args.harmonized,
          alertTopicArn: args.alertTopicArn,
          jobArn: job.arn,
          kmsKeyArn: args.kmsKeyArn,
          optimizer: {
            roleArn: optimizer.arn,
            accountId: args.accountId,
            region: args.region,
            database: args.publication.database,
          },
        }),
      },
      child,
    );
    runOnSchedule(
      `${name}-schedule`,
      {
        ruleName: `${id}-poll`,
        description: `Polls ${id} every ${args.everyMinutes} min`,
        scheduleExpression: `rate(${args.everyMinutes} minute${args.everyMinutes === 1 ? "" : "s"})`,
        fn: poll,
      },
      child,
    );
    alertOnFailedRuns(
      `${name}-job-failed`,
      {
        ruleName: `${id}-apply-failed`,
        description: `Runs of ${id}-apply that failed; the poller retries them, then blocks the target`,
        jobName: job.name,
        alertTopicArn: args.alertTopicArn,
      },
      child,
    );

    this.jobName = job.name;
    this.pollFunctionName = poll.functionName;
    this.registerOutputs({
      jobName: this.jobName,
      pollFunctionName: this.pollFunctionName,
    });
  }

  /** The JDBC connection Glue opens into the database's network, and the security group its interfaces use. */
  private mysqlConnection(name: string, id: string, mysql: GlueTargetMySql, region: string): aws.glue.Connection {
    // Out only to each other, MySQL and AWS's endpoints in the VPC (components/glue-security-group.ts says why).
    const group = glueSecurityGroup(
      `${name}-mysql-sg`,
      {
        groupName: `${id}-glue`,
        description: `Glue workers of ${id}: each other, and out to MySQL and AWS endpoints`,
        vpcId: mysql.vpcId,
        region,
        databasePort: mysql.port,
        databaseSecurityGroupId: mysql.databaseSecurityGroupId,
        databaseCidrBlocks: mysql.databaseCidrBlocks,
      },
      { parent: this },
    );
    const subnet = aws.ec2.getSubnetOutput({ id: mysql.subnetId }, { parent: this });
    return new aws.glue.Connection(
      `${name}-mysql`,
      {
        name: `${id}-mysql`,
        connectionType: "JDBC",
        connectionProperties: {
          JDBC_CONNECTION_URL: `jdbc:mysql://${mysql.host}:${mysql.port}/${mysql.database}`,
          SECRET_ID: mysql.secretArn,
          JDBC_ENFORCE_SSL: "true",
        },
        physicalConnectionRequirements: {
          subnetId: mysql.subnetId,
          availabilityZone: subnet.availabilityZone,
          securityGroupIdLists: [group.id],
        },
      },
      { parent: this },
    );
  }
}

/** Spark settings of the `glue_catalog` Iceberg catalog the manifests name (Glue's `--conf` takes them chained). */
export function icebergConf(warehouse: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi
    .output(warehouse)
    .apply((w) =>
      [
        "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        "spark.sql.catalog.glue_catalog=org.apache.iceberg.spark.SparkCatalog",
        `spark.sql.catalog.glue_catalog.warehouse=${w}`,
        "spark.sql.catalog.glue_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
        "spark.sql.catalog.glue_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
      ].join(" --conf "),
    );
}

/** The tables of `metadata` the globs match: what the target's poller serves. */
export function subscribedTables(metadata: MetadataDir, globs: readonly string[]): MetadataDir["tables"] {
  return selectTables(metadata.tables, tableId, globs, []);
}

function validate(name: string, args: GlueTargetArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("GlueTarget", name, resource);
  const id = `cdc-${args.environment}-${args.sourceName}-${args.targetName}`;
  // The longest physical name is the failure rule, `<id>-apply-failed`; EventBridge, IAM and Lambda stop at 64.
  if (`${id}-apply-failed`.length > 64)
    fail(`${id}-apply-failed is longer than 64 characters; shorten the environment, source or target name`);
  if (!isIntIn(args.everyMinutes, 1, 60)) fail("everyMinutes must be 1–60");
  if (!isIntIn(args.tombstoneRetentionDays, 1, 3650)) fail("tombstoneRetentionDays must be 1–3650");
  const workerType = args.workerType ?? DEFAULT_GLUE_SIZING.workerType;
  if (!GLUE_WORKER_TYPES.includes(workerType))
    fail(`workerType must be one of ${GLUE_WORKER_TYPES.join(", ")}, got ${workerType}`);
  if (!isIntIn(args.workers ?? DEFAULT_GLUE_SIZING.workers, WORKERS.min, WORKERS.max))
    fail(`workers must be ${WORKERS.min}–${WORKERS.max} (Glue's minimum for a Spark job is ${WORKERS.min})`);
  const executionClass = args.executionClass ?? DEFAULT_GLUE_SIZING.executionClass;
  if (!GLUE_EXECUTION_CLASSES.includes(executionClass))
    fail(`executionClass must be ${GLUE_EXECUTION_CLASSES.join(" or ")}, got ${executionClass}`);
  const flex = flexProblem(executionClass, workerType);
  if (flex) fail(flex);
  if (!isIntIn(args.timeoutMinutes ?? DEFAULT_GLUE_SIZING.timeoutMinutes, TIMEOUT_MINUTES.min, TIMEOUT_MINUTES.max))
    fail(`timeoutMinutes must be ${TIMEOUT_MINUTES.min}–${TIMEOUT_MINUTES.max}`);
  if (!/^[a-z0-9_]{1,255}$/.test(args.publication.database))
    fail(`publication.database must be lower-case letters, digits and _, got ${args.publication.database}`);
  if (args.metadata.tables.length === 0) fail(`source ${args.sourceName} has no tables in its metadata`);
  if (args.tables.length === 0) fail("tables needs at least one glob");
  const unmatched = args.tables.find((g) => subscribedTables(args.metadata, [g]).length === 0);
  if (unmatched !== undefined) fail(`tables: glob ${unmatched} matches no table of source ${args.sourceName}`);
  if (args.metadata.source.source !== args.sourceName)
    fail(`metadata is for source ${args.metadata.source.source}, expected ${args.sourceName}`);
}
