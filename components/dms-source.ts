/**
 * AWS DMS replicating one source database into the raw bucket as Parquet (DESIGN §4): full load, then CDC. The
 * source's credentials stay in Secrets Manager (DMS reads them through a role), the connection requires TLS, the task
 * selects exactly the tables in the committed metadata, and every task state change is sent to the alert topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Engine } from "../metadata/engines";
import { dmsTableMappings } from "../metadata/dms-table-mappings";
import type { TableMetadata } from "../metadata/format";
import { argsChecker, isIntIn } from "./args";
import { dmsLatencyAlarms, dmsTaskMetricDimensions } from "./dms-latency-alarms";
import { DmsSchedule, type DmsScheduleWindow } from "./dms-schedule";
import { DEFAULT_LOB_SETTINGS, lobTaskSettings, type DmsLobSettings } from "./dms-lob";
import taskSettings from "./dms-task-settings.json";
import { assumeRolePolicy, policyDocument } from "./iam";
import { s3PrefixListId, vpcAddressRanges } from "./vpc-lookups";

/** DMS engine names per configured engine. */
export const DMS_ENGINE: Record<Engine, string> = {
  sqlserver: "sqlserver",
  mysql: "mysql",
  postgres: "postgres",
  oracle: "oracle",
};

/** The timestamp column DMS adds to every file (DESIGN §4). */
export const TIMESTAMP_COLUMN = "cdc_timestamp";

export interface DmsSourceArgs {
  /** Environment name; part of every DMS identifier. */
  environment: string;
  /** The source's stable name. */
  sourceName: string;
  /** The ingestion account DMS and the raw bucket live in. */
  accountId: string;
  /** Region of the ingestion account (the Secrets Manager role trusts the regional DMS principal). */
  region: string;
  /** The source's engine; picks the DMS engine name and TLS mode. */
  engine: Engine;
  /**
   * The database DMS reads. DMS takes host, port, username and password from the secret (its JSON must hold all four,
   * as DMS requires for `SecretsManagerSecretId`); the port here opens the security group's egress.
   */
  endpoint: { host: string; port: number; database: string; secretArn: string };
  /** Replication instance sizing and CDC file batching, from the stack's `dms` settings. */
  dms: {
    instanceClass: string;
    allocatedStorageGb: number;
    /**
     * A standby in a second availability zone. Defaults to on when `environment` is `prod`, where the policy pack
     * (dms-multi-az-in-production) requires it, and off elsewhere.
     */
    multiAz?: boolean;
    cdcMaxBatchIntervalSeconds: number;
    cdcMinFileSizeKb: number;
    /**
     * How DMS carries LOB columns (metadata columns marked `lob`). Defaults to limited LOB mode at 32 KB, DMS's own
     * default `LobMaxSize`: fast and bulk-loaded, and validation flags any value that reaches the limit as possibly
     * truncated. `full` never truncates but fetches each LOB piece by piece, which is much slower.
     */
    lob?: DmsLobSettings;
    /**
     * Stop the task at night and resume it in the morning (components/dms-schedule.ts). Off by default: only where
     * nobody needs fresh data out of hours, which is why the stack check refuses it in prod.
     */
    schedule?: DmsScheduleWindow;
  };
  /** The tables to replicate: the source's committed metadata. */
  tables: TableMetadata[];
  /** VPC and subnets (two AZs or more) the replication instance runs in. */
  network: { vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<pulumi.Input<string>[]> };
  /**
   * Where the source database is, for the instance's egress on its port: its security group, or its address ranges
   * (a peered VPC, on premises). Defaults to the VPC's own ranges. Never 0.0.0.0/0 (the policy pack refuses it).
   */
  sourceNetwork?: { securityGroupId: pulumi.Input<string> } | { cidrBlocks: pulumi.Input<string>[] };
  /** The raw bucket DMS writes to (ValidatedLanding's, unversioned). */
  raw: { bucketName: pulumi.Input<string>; arn: pulumi.Input<string> };
  /**
   * What must exist before the task starts, typically the whole ValidatedLanding: a file DMS writes before the raw
   * bucket notifies the validation queue would never be validated.
   */
  startAfter?: pulumi.Resource[];
  /** The account's `dms-vpc-role` when this stack declares it: DMS looks for it when the subnet group is created. */
  serviceRoles?: pulumi.Resource[];
  /** The ingestion account's pipeline key: raw files, replication storage and endpoint encryption. */
  kmsKeyArn: pulumi.Input<string>;
  /** Topic task state changes are sent to. */
  alertTopicArn: pulumi.Input<string>;
  /**
   * Alarm on the task's CDC latency (source and target) above `seconds` for `minutes` (a multiple of 5), notifying
   * `alertTopicArn`; none when absent. The stack's `cdc:alarms` sets it for every source.
   */
  latencyAlarm?: { seconds: number; minutes: number };
  /** CA certificate (DMS certificate ARN) to verify an Oracle source's TLS; Oracle sources require it. */
  oracleCertificateArn?: pulumi.Input<string>;
}

export class DmsSource extends pulumi.ComponentResource {
  /** ARN of the replication task. */
  readonly taskArn: pulumi.Output<string>;
  /** The raw bucket DMS writes to. */
  readonly rawBucketName: pulumi.Output<string>;
  /** The dimensions of the task's AWS/DMS metrics (dms-latency-alarms.ts), for alarms and dashboards. */
  readonly metricDimensions: pulumi.Output<{ ReplicationInstanceIdentifier: string; ReplicationTaskIdentifier: string }>;

  constructor(name: string, args: DmsSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:ingestion:DmsSource", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const id = `cdc-${args.environment}-${args.sourceName}`;

    const raw = { bucketName: pulumi.output(args.raw.bucketName), arn: pulumi.output(args.raw.arn) };

    // DMS writes the raw files through this role: put and tidy objects of the raw bucket, with the pipeline key.
    const s3Role = new aws.iam.Role(
      `${name}-s3-role`,
      { name: `${id}-dms-s3`, assumeRolePolicy: assumeRolePolicy("dms.amazonaws.com", args.accountId) },
      child,
    );
    const s3Policy = new aws.iam.RolePolicy(
      `${name}-s3-policy`,
      {
        role: s3Role.name,
        name: "write-raw",
        policy: policyDocument([
          {
            Sid: "WriteRawFiles",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"],
            Resource: pulumi.interpolate`${raw.arn}/*`,
          },
          { Sid: "ListRawBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: raw.arn },
          { Sid: "EncryptRawFiles", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.kmsKeyArn },
        ]),
      },
      child,
    );
    // DMS reads the source's credentials through this role; only the regional DMS service may assume it.
    const secretsRole = new aws.iam.Role(
      `${name}-secrets-role`,
      { name: `${id}-dms-secrets`, assumeRolePolicy: assumeRolePolicy(`dms.${args.region}.amazonaws.com`, args.accountId) },
      child,
    );
    const secretsPolicy = new aws.iam.RolePolicy(
      `${name}-secrets-policy`,
      {
        role: secretsRole.name,
        name: "read-source-secret",
        policy: policyDocument([
          {
            Sid: "ReadSourceCredentials",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: args.endpoint.secretArn,
          },
        ]),
      },
      child,
    );

    const subnetGroup = new aws.dms.ReplicationSubnetGroup(
      `${name}-subnets`,
      {
        replicationSubnetGroupId: id,
        replicationSubnetGroupDescription: `DMS subnets of ${id}`,
        subnetIds: args.network.subnetIds,
      },
      { ...child, dependsOn: args.serviceRoles ?? [] },
    );
    // No inbound. Outbound: the source's port to where the source is (the VPC's ranges unless told otherwise), HTTPS to
    // S3 through the gateway endpoint (the region's prefix list) and to Secrets Manager and the other AWS APIs through
    // the VPC's interface endpoints (components/network.ts creates them; an existing VPC must have them).
    const lookup = { parent: this };
    const vpcRanges = vpcAddressRanges(args.network.vpcId, lookup);
    const sourceRange =
      args.sourceNetwork === undefined
        ? { cidrBlocks: vpcRanges }
        : "securityGroupId" in args.sourceNetwork
          ? { securityGroups: [args.sourceNetwork.securityGroupId] }
          : { cidrBlocks: args.sourceNetwork.cidrBlocks };
    const port = (p: number) => ({ protocol: "tcp", fromPort: p, toPort: p });
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.network.vpcId,
        description: `DMS replication instance of ${id}: no inbound, outbound to the source and AWS APIs`,
        egress: [
          { description: `source database (${args.engine})`, ...port(args.endpoint.port), ...sourceRange },
          { description: "S3 through the gateway endpoint", ...port(443), prefixListIds: [s3PrefixListId(args.region, lookup)] },
          {
            description: "Secrets Manager and other AWS APIs through the VPC's interface endpoints",
            ...port(443),
            cidrBlocks: vpcRanges,
          },
        ],
      },
      child,
    );
    const instance = new aws.dms.ReplicationInstance(
      `${name}-instance`,
      {
        replicationInstanceId: id,
        replicationInstanceClass: args.dms.instanceClass,
        allocatedStorage: args.dms.allocatedStorageGb,
        multiAz: args.dms.multiAz ?? args.environment === "prod",
        publiclyAccessible: false,
        kmsKeyArn: args.kmsKeyArn,
        replicationSubnetGroupId: subnetGroup.replicationSubnetGroupId,
        vpcSecurityGroupIds: [sg.id],
        autoMinorVersionUpgrade: true,
      },
      child,
    );

    const source = new aws.dms.Endpoint(
      `${name}-source`,
      {
        endpointId: `${id}-source`,
        endpointType: "source",
        engineName: DMS_ENGINE[args.engine],
        databaseName: args.endpoint.database,
        secretsManagerArn: args.endpoint.secretArn,
        secretsManagerAccessRoleArn: secretsRole.arn,
        // Oracle sources support only CA-verified TLS; the others require TLS.
        sslMode: args.engine === "oracle" ? "verify-ca" : "require",
        certificateArn: args.engine === "oracle" ? args.oracleCertificateArn : undefined,
        kmsKeyArn: args.kmsKeyArn,
      },
      { parent: this, dependsOn: [secretsPolicy] },
    );
    const target = new aws.dms.S3Endpoint(
      `${name}-target`,
      {
        endpointId: `${id}-raw`,
        endpointType: "target",
        bucketName: raw.bucketName,
        expectedBucketOwner: args.accountId,
        serviceAccessRoleArn: s3Role.arn,
        dataFormat: "parquet",
        // parquet-1-0 with microsecond timestamps is what metadata/dms-types.ts maps types for.
        parquetVersion: "parquet-1-0",
        parquetTimestampInMillisecond: false,
        enableStatistics: true,
        includeOpForFullLoad: true,
        timestampColumnName: TIMESTAMP_COLUMN,
        cdcMaxBatchInterval: args.dms.cdcMaxBatchIntervalSeconds,
        cdcMinFileSize: args.dms.cdcMinFileSizeKb,
        datePartitionEnabled: false,
        cannedAclForObjects: "none",
        encryptionMode: "SSE_KMS",
        serverSideEncryptionKmsKeyId: args.kmsKeyArn,
      },
      { parent: this, dependsOn: [s3Policy] },
    );
    const task = new aws.dms.ReplicationTask(
      `${name}-task`,
      {
        replicationTaskId: id,
        migrationType: "full-load-and-cdc",
        replicationInstanceArn: instance.replicationInstanceArn,
        sourceEndpointArn: source.endpointArn,
        targetEndpointArn: target.endpointArn,
        tableMappings: JSON.stringify(dmsTableMappings(args.tables)),
        replicationTaskSettings: JSON.stringify({
          ...taskSettings,
          TargetMetadata: { ...taskSettings.TargetMetadata, ...lobTaskSettings(args.dms.lob ?? DEFAULT_LOB_SETTINGS) },
        }),
        startReplicationTask: true,
      },
      { parent: this, dependsOn: args.startAfter ?? [] },
    );

    const rule = new aws.cloudwatch.EventRule(
      `${name}-task-events`,
      {
        name: `${id}-dms-events`,
        description: `State changes of DMS task ${id} and its replication instance`,
        eventPattern: pulumi.all([task.replicationTaskArn, instance.replicationInstanceArn]).apply(([taskArn, instanceArn]) =>
          JSON.stringify({
            source: ["aws.dms"],
            "detail-type": ["DMS Replication Task State Change", "DMS Replication Instance State Change"],
            resources: [taskArn, instanceArn],
          }),
        ),
      },
      child,
    );
    new aws.cloudwatch.EventTarget(`${name}-task-events-alert`, { rule: rule.name, arn: args.alertTopicArn }, child);

    if (args.dms.schedule !== undefined) {
      new DmsSchedule(
        `${name}-schedule`,
        {
          namePrefix: id,
          accountId: args.accountId,
          taskArn: task.replicationTaskArn,
          window: args.dms.schedule,
          kmsKeyArn: args.kmsKeyArn,
          alarmActions: [args.alertTopicArn],
        },
        child,
      );
    }

    this.metricDimensions = dmsTaskMetricDimensions(instance.replicationInstanceId, task.replicationTaskArn);
    if (args.latencyAlarm !== undefined) {
      const { seconds, minutes } = args.latencyAlarm;
      const alarm = { id, dimensions: this.metricDimensions, seconds, minutes, alertTopicArn: args.alertTopicArn };
      dmsLatencyAlarms(name, alarm, child);
    }

    this.taskArn = task.replicationTaskArn;
    this.rawBucketName = raw.bucketName;
    this.registerOutputs({ taskArn: this.taskArn, rawBucketName: this.rawBucketName });
  }
}

function validate(name: string, args: DmsSourceArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("DmsSource", name, resource);
  if (args.tables.length === 0) {
    fail(
      `source ${args.sourceName} has no tables in its metadata; run \`cdc metadata extract\` and commit metadata/sources/${args.sourceName}`,
    );
  }
  if (args.engine === "oracle" && args.oracleCertificateArn === undefined) {
    fail("an Oracle source needs oracleCertificateArn: DMS verifies Oracle TLS against a CA certificate (verify-ca)");
  }
  if (!isIntIn(args.dms.allocatedStorageGb, 5, 6144)) fail("dms.allocatedStorageGb must be 5–6144");
  if (!isIntIn(args.dms.cdcMaxBatchIntervalSeconds, 1, 3600)) fail("dms.cdcMaxBatchIntervalSeconds must be 1–3600");
  if (!isIntIn(args.dms.cdcMinFileSizeKb, 1, 1048576)) fail("dms.cdcMinFileSizeKb must be 1–1048576");
  const lob = args.dms.lob;
  if (lob && (!["limited", "full"].includes(lob.mode) || !isIntIn(lob.maxSizeKb, 1, 102400))) {
    fail("dms.lob needs mode limited or full and maxSizeKb 1–102400 (DMS's LobMaxSize limit, 100 MB)");
  }
  const latency = args.latencyAlarm;
  if (latency && (!isIntIn(latency.seconds, 1, 86400) || !isIntIn(latency.minutes, 5, 1440) || latency.minutes % 5 !== 0)) {
    fail("latencyAlarm needs seconds 1–86400 and minutes 5–1440, a multiple of 5 (the alarm evaluates 5-minute periods)");
  }
  if (
    !/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/.test(`cdc-${args.environment}-${args.sourceName}-source`) ||
    /--|-$/.test(`cdc-${args.environment}-${args.sourceName}`)
  ) {
    fail(
      `cdc-${args.environment}-${args.sourceName} is not a valid DMS identifier (letters, digits, single hyphens, at most 63 characters)`,
    );
  }
}
