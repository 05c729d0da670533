/**
 * The pipeline of one source database: DMS → validated landing → fan-out → one Glue apply per target → publication.
 * It owns every resource of the source, so `pulumi preview` groups a source's changes under one node, and tags each
 * one with the source (cost allocation). Providers and the network are the stack's, shared by every source: one
 * provider process per account however many sources, and one VPC instead of one per source.
 */
import * as pulumi from "@pulumi/pulumi";
import { harmonizedReaderStatements } from "../components/dms-reconciler";
import { DmsSource } from "../components/dms-source";
import { AthenaPublication } from "../components/athena-publication";
import { FanOutQueues } from "../components/fan-out-queues";
import { GlueTarget } from "../components/glue-target";
import { SecureBucket } from "../components/secure-bucket";
import { harmonizedWriterStatements, ValidatedLanding } from "../components/validated-landing";
import { tableId } from "../metadata/format";
import type { MetadataDir } from "../metadata/load";
import type { AccountProviders } from "./accounts";
import type { AccountsConfig, AlarmsConfig, AlertsConfig, NetworkConfig, SourceConfig } from "./config";
import { recordLambdaFunctions } from "../components/lambda-alarms";
import { DEFAULT_ALARMS, monitorPipeline } from "./pipeline-monitoring";
import { sourceProblems } from "./config-rules";
import { fieldPath } from "../metadata/zod-messages";
import { bucketName, publicationDatabaseName } from "../metadata/naming";
import { databaseReach, targetMySql } from "./database-args";
import { sourceKeysAndAlerts } from "./pipeline-keys";
import { reconcileWithDms } from "./pipeline-reconciler";
import { validatedQueue } from "./pipeline-validated-queue";
import { tagWithSource } from "./source-tags";

export interface CdcPipelineArgs {
  /** Environment name (dev, preprod, prod); part of every resource name and tag. */
  environment: string;
  /** AWS region of both accounts. */
  region: string;
  /** Ingestion and lake accounts. */
  accounts: AccountsConfig;
  /**
   * The stack's provider of each account (src/accounts.ts: which role they assume and why). Shared by every pipeline,
   * so a stack of 20 sources runs two provider processes, not 40; the source tag comes from this component instead.
   */
  providers: AccountProviders;
  /**
   * `protect` the source's data: harmonized, publication, quarantine and lake buckets and the KMS keys. Defaults to
   * off: they are retained on deletion either way; the stack decides where deletion needs a deliberate second step
   * (`cdc:protectData`, on in prod).
   */
  protectData?: boolean;
  /** The stack's VPC and subnets (components/network.ts) DMS and Glue connections run in, and whether it was created. */
  network: StackNetwork;
  /** Where alerts about this source go. */
  alerts: AlertsConfig;
  /** Alarm thresholds (Lambda errors and throttles, DMS CDC latency); the stack schema's defaults when absent. */
  alarms?: AlarmsConfig;
  /** The source database and its targets, as validated from the stack file. */
  source: SourceConfig;
  /** The source's committed metadata (`metadata/sources/<source>/`): the tables DMS replicates and validation checks. */
  metadata: MetadataDir;
  /** The ingestion account's DMS service roles, when the stack declares them; DMS needs them before its first subnet group. */
  dmsServiceRoles?: pulumi.Resource[];
}

/** The stack's network as a pipeline uses it. */
export interface StackNetwork {
  kind: NetworkConfig["kind"];
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string[]>;
}

export class CdcPipeline extends pulumi.ComponentResource {
  /** Source name, the stable id of this pipeline. */
  readonly sourceName: string;
  /** Names of the targets this source feeds. */
  readonly targetNames: string[];
  /** Account holding DMS, raw and quarantine buckets and validation. */
  readonly ingestionAccountId: string;
  /** Account holding harmonized and publication buckets, target queues, Glue and Athena. */
  readonly lakeAccountId: string;
  /** The stack's providers children use for each side; one object when both sides share an account. */
  readonly providers: AccountProviders;
  /** ARN of the DMS replication task. */
  readonly dmsTaskArn: pulumi.Output<string>;
  /** Buckets a file passes through: raw and quarantine (ingestion), harmonized (lake). */
  readonly rawBucketName: pulumi.Output<string>;
  readonly quarantineBucketName: pulumi.Output<string>;
  readonly harmonizedBucketName: pulumi.Output<string>;
  /** Iceberg warehouse of the targets' publications, and the Athena workgroup that queries them. */
  readonly publicationBucketName: pulumi.Output<string>;
  readonly athenaWorkgroup: pulumi.Output<string>;
  /** Glue apply job of each target, by target name. */
  readonly applyJobNames: Record<string, pulumi.Output<string>>;
  /** The source's alert topic in each of its accounts, by account id (one entry when both sides share an account). */
  readonly alertTopicArns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: CdcPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "cdc:index:CdcPipeline",
      name,
      {},
      {
        ...opts,
        transformations: [tagWithSource(args.source.name), ...(opts?.transformations ?? [])],
      },
    );
    validateArgs(name, args, this);

    this.sourceName = args.source.name;
    this.targetNames = args.source.targets.map((t) => t.name);
    this.ingestionAccountId = args.accounts.ingestion.accountId;
    this.lakeAccountId = args.accounts.lake.accountId;
    this.providers = args.providers;
    const env = args.environment;
    const source = args.source;
    const id = `cdc-${env}-${source.name}`;
    // Every Lambda function declared on a side is recorded, for its alarms (monitorPipeline, declared last).
    const ingestionFunctions: string[] = [];
    const lakeFunctions: string[] = [];
    const ingestion = {
      parent: this,
      provider: this.providers.ingestion,
      transformations: [recordLambdaFunctions(ingestionFunctions)],
    };
    const lake = { parent: this, provider: this.providers.lake, transformations: [recordLambdaFunctions(lakeFunctions)] };
    const separateLake = this.lakeAccountId !== this.ingestionAccountId;
    const protect = args.protectData ?? false;
    const alarms = args.alarms ?? DEFAULT_ALARMS;

    // The lake side names the roles that write harmonized data (the validate Lambda's, and the large-file job's when
    // declared) before ValidatedLanding declares them; resolved below, and everything that names them (key, bucket and
    // queue policies) waits for the roles to exist, as IAM requires.
    const [writerRoleArns, resolveWriterRoleArns] = pulumi.deferredOutput<string[]>();
    // Likewise the DMS reconciler's role, which reads harmonized and the pollers' state from the ingestion account:
    // named by the lake side's key and bucket policies only when the lake is another account (IAM suffices otherwise).
    const [lakeReaderRoleArns, resolveLakeReaderRoleArns] = pulumi.deferredOutput<string[]>();

    const { ingestionKey, lakeKey, alerts, lakeAlerts } = sourceKeysAndAlerts(
      name,
      {
        id,
        ingestionAccountId: this.ingestionAccountId,
        lakeAccountId: this.lakeAccountId,
        region: args.region,
        emails: args.alerts.emails,
        protect,
        writerRoleArns,
        lakeReaderRoleArns,
      },
      { ingestion, lake },
    );

    const network = args.network;
    const harmonizedName = bucketName(env, source.name, "harmonized", this.lakeAccountId);
    const harmonized = new SecureBucket(
      `${name}-harmonized`,
      {
        bucketName: harmonizedName,
        kmsKeyArn: lakeKey.arn,
        versioning: true,
        lifecycleRules: [{ id: "expire-old-versions", noncurrentVersionExpirationDays: 30 }],
        policyStatements: [
          ...harmonizedWriterStatements(`arn:aws:s3:::${harmonizedName}`, writerRoleArns),
          ...(separateLake ? harmonizedReaderStatements(`arn:aws:s3:::${harmonizedName}`, lakeReaderRoleArns) : []),
        ],
        protect,
      },
      lake,
    );
    // Validated-file messages; the fan-out consumes them.
    const validatedVisibility = 300;
    const validated = validatedQueue(
      name,
      {
        id,
        visibilityTimeoutSeconds: validatedVisibility,
        kmsKeyArn: lakeKey.arn,
        alertTopicArn: lakeAlerts.arn,
        writerRoleArns,
      },
      lake,
    );

    const landing = new ValidatedLanding(
      `${name}-landing`,
      {
        environment: env,
        sourceName: source.name,
        accountId: this.ingestionAccountId,
        region: args.region,
        metadata: args.metadata,
        harmonized: { bucketName: harmonized.bucketName, arn: harmonized.arn, kmsKeyArn: lakeKey.arn },
        validatedQueue: { url: validated.url, arn: validated.arn },
        kmsKeyArn: ingestionKey.arn,
        alertTopicArn: alerts.arn,
        largeFileBytes: source.validation.largeFileBytes,
        lob: source.dms.lob,
        protectData: protect,
      },
      ingestion,
    );
    resolveWriterRoleArns(landing.harmonizedWriterRoleArns);

    const dms = new DmsSource(
      `${name}-dms`,
      {
        environment: env,
        sourceName: source.name,
        accountId: this.ingestionAccountId,
        region: args.region,
        engine: source.engine,
        endpoint: source.endpoint,
        oracleCertificateArn: source.endpoint.caCertificateArn,
        sourceNetwork: databaseReach(source.endpoint.network),
        dms: source.dms,
        tables: args.metadata.tables,
        network: { vpcId: network.vpcId, subnetIds: network.subnetIds },
        raw: { bucketName: landing.rawBucketName, arn: landing.rawBucketArn },
        // Replicate only once every raw file will be noticed and validated.
        startAfter: [landing],
        serviceRoles: args.dmsServiceRoles,
        kmsKeyArn: ingestionKey.arn,
        alertTopicArn: alerts.arn,
        latencyAlarm: { seconds: alarms.dmsCdcLatencySeconds, minutes: alarms.dmsCdcLatencyMinutes },
      },
      ingestion,
    );

    const databases = Object.fromEntries(source.targets.map((t) => [t.name, publicationDatabaseName(env, source.name, t.name)]));
    const publication = new AthenaPublication(
      `${name}-publication`,
      {
        publicationBucketName: bucketName(env, source.name, "publication", this.lakeAccountId),
        lakeBucketName: bucketName(env, source.name, "lake", this.lakeAccountId),
        databases,
        workgroupName: id,
        kmsKeyArn: lakeKey.arn,
        protectData: protect,
        ...(separateLake ? { stateReaders: lakeReaderRoleArns } : {}),
      },
      lake,
    );
    const fanOut = new FanOutQueues(
      `${name}-fan-out`,
      {
        functionName: `${id}-fan-out`,
        queueNamePrefix: id,
        accountId: this.lakeAccountId,
        environment: env,
        validatedQueue: { arn: validated.arn, visibilityTimeoutSeconds: validatedVisibility },
        targets: source.targets.map((t) => ({
          name: t.name,
          tables: t.tables,
          everyMinutes: t.schedule.everyMinutes,
          // Each queue used to be declared by its GlueTarget.
          queueAliases: [
            {
              name: `${name}-target-${t.name}-queue`,
              parent: pulumi.createUrn(`${name}-target-${t.name}`, "cdc:lake:GlueTarget", this),
            },
          ],
        })),
        kmsKeyArn: lakeKey.arn,
        alarmActions: [lakeAlerts.arn],
      },
      lake,
    );
    const targets = source.targets.map(
      (t) =>
        new GlueTarget(
          `${name}-target-${t.name}`,
          {
            environment: env,
            sourceName: source.name,
            targetName: t.name,
            accountId: this.lakeAccountId,
            region: args.region,
            metadata: args.metadata,
            tables: t.tables,
            everyMinutes: t.schedule.everyMinutes,
            queue: fanOut.queues[t.name],
            tombstoneRetentionDays: t.tombstoneRetentionDays,
            harmonized: { bucketName: harmonized.bucketName, arn: harmonized.arn },
            lake: { bucketName: publication.lakeBucketName, arn: publication.lakeBucketArn },
            applyScript: { uri: publication.applyScriptUri, key: publication.applyScriptKey },
            publication: {
              bucketName: publication.publicationBucketName,
              arn: publication.publicationBucketArn,
              database: databases[t.name],
            },
            kmsKeyArn: lakeKey.arn,
            alertTopicArn: lakeAlerts.arn,
            mysql: targetMySql(t.mysql, network),
            workerType: t.glue.workerType,
            workers: t.glue.workers,
            executionClass: t.glue.executionClass,
            timeoutMinutes: t.glue.timeoutMinutes,
            iceberg: t.iceberg,
          },
          lake,
        ),
    );

    resolveLakeReaderRoleArns(
      reconcileWithDms(
        name,
        {
          id,
          environment: env,
          source,
          accountId: this.ingestionAccountId,
          taskArn: dms.taskArn,
          raw: { bucketName: landing.rawBucketName, arn: landing.rawBucketArn },
          quarantineBucketName: landing.quarantineBucketName,
          harmonized: { bucketName: harmonized.bucketName, arn: harmonized.arn },
          lake: { bucketName: publication.lakeBucketName, arn: publication.lakeBucketArn },
          alertTopicArn: alerts.arn,
          ingestionKeyArn: ingestionKey.arn,
          lakeKeyArn: lakeKey.arn,
          separateLake,
          metadataTables: args.metadata.tables.map(tableId),
        },
        ingestion,
      ),
    );

    // Last, so every function declared above has been recorded and gets its alarms.
    monitorPipeline(
      name,
      {
        id,
        region: args.region,
        environment: env,
        alarms,
        ingestion: {
          accountId: this.ingestionAccountId,
          provider: this.providers.ingestion,
          alertTopicArn: alerts.arn,
          functions: ingestionFunctions,
          sections: pulumi.output({
            validateFunction: `${id}-validate`,
            dms: { dimensions: dms.metricDimensions, alarmSeconds: alarms.dmsCdcLatencySeconds },
            queues: [`${id}-validate`],
          }),
        },
        lake: {
          accountId: this.lakeAccountId,
          provider: this.providers.lake,
          alertTopicArn: lakeAlerts.arn,
          functions: lakeFunctions,
          sections: pulumi.output({
            targets: source.targets.map((t, i) => ({ name: t.name, pollFunction: targets[i].pollFunctionName })),
            queues: [`${id}-validated`, ...source.targets.map((t) => `${id}-${t.name}`)],
          }),
        },
      },
      this,
    );

    this.dmsTaskArn = dms.taskArn;
    this.rawBucketName = landing.rawBucketName;
    this.quarantineBucketName = landing.quarantineBucketName;
    this.harmonizedBucketName = harmonized.bucketName;
    this.publicationBucketName = publication.publicationBucketName;
    this.athenaWorkgroup = publication.workgroupName;
    this.applyJobNames = Object.fromEntries(source.targets.map((t, i) => [t.name, targets[i].jobName]));
    this.alertTopicArns = { [this.ingestionAccountId]: alerts.arn, [this.lakeAccountId]: lakeAlerts.arn };
    this.registerOutputs({
      sourceName: this.sourceName,
      targetNames: this.targetNames,
      ingestionAccountId: this.ingestionAccountId,
      lakeAccountId: this.lakeAccountId,
      dmsTaskArn: this.dmsTaskArn,
      rawBucketName: this.rawBucketName,
      harmonizedBucketName: this.harmonizedBucketName,
      publicationBucketName: this.publicationBucketName,
      athenaWorkgroup: this.athenaWorkgroup,
      applyJobNames: this.applyJobNames,
    });
  }
}

/** The component name of a source's pipeline: environment and source name, never a list position. */
export function pipelineName(environment: string, source: string): string {
  return `${environment}-${source}`;
}

function validateArgs(name: string, args: CdcPipelineArgs, resource: pulumi.Resource): void {
  const fail = (why: string) => {
    throw new pulumi.ResourceError(`CdcPipeline ${name}: ${why}`, resource);
  };
  if (!args.environment) fail("environment is required");
  if (args.source.targets.length === 0) fail(`source ${args.source.name} has no targets`);
  const names = args.source.targets.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(`source ${args.source.name} has two targets named ${dup}`);
  // The stack check's rules, so a pipeline declared from typed args (not through the program) is refused alike.
  for (const p of sourceProblems(args, args.source, args.metadata)) fail(`${fieldPath(p.path)}: ${p.message}`);
}
