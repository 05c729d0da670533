/**
 * Reconciliation with DMS for one source, in the ingestion account next to its task: a scheduled Lambda
 * (handlers/dms-reconcile.ts) that compares DescribeTableStatistics with the rows in raw, quarantine, harmonized and
 * each target's applied state, and alerts on the source's alert topic when a table's drift appears or changes. It
 * only reads DMS, the buckets and the lake's state documents; its writes are the alerts and its ledger (what earlier
 * runs counted, so each run reads only what is new): one object, `dms-reconcile/<source>/ledger.json`, in the
 * ingestion account's artifacts bucket (the large-file job's, encrypted with the ingestion key). Not in raw: its
 * notifications would send the ledger to validation; not in the lake bucket: in a split stack it is another account.
 *
 * The applied stage needs the lake bucket, which lives in the lake account in a split stack: pass `lake` only when
 * the function can read it (same account, or a lake bucket policy naming this function's role); without it the
 * Lambda checks raw and validated only and `cdc reconcile` checks the rest.
 */
import * as pulumi from "@pulumi/pulumi";
import { ledgerKey, METADATA_TABLES_FILE } from "../handlers/core/dms/ledger";
import { bucketName } from "../metadata/naming";
import { argsChecker, isIntIn } from "./args";
import { BundledFunction } from "./bundled-function";
import { awsPrincipal, type PolicyStatementInput } from "./iam";
import { runOnSchedule } from "./schedule";

interface BucketRef {
  bucketName: pulumi.Input<string>;
  arn: pulumi.Input<string>;
}

export interface DmsReconcilerArgs {
  /** Physical function and schedule name. */
  functionName: string;
  environment: string;
  sourceName: string;
  accountId: string;
  /** The DMS task (`cdc-<env>-<source>`) and its ARN, on which DescribeTableStatistics is granted. */
  task: { id: string; arn: pulumi.Input<string> };
  raw: BucketRef;
  quarantine: BucketRef;
  harmonized: BucketRef;
  /** The lake bucket, when readable from here: enables the applied stage. */
  lake?: BucketRef;
  /** Each target and its table globs, as the fan-out routes them. */
  targets: { name: string; tables: string[] }[];
  /**
   * The source's metadata tables (`schema.table`), deployed next to the code: those DMS does not report are alerted
   * once as not replicated. Optional: without it that check is left to `cdc reconcile`, which reads the metadata.
   */
  metadataTables?: string[];
  alertTopicArn: pulumi.Input<string>;
  /** Keys the function decrypts with: the ingestion key (raw, quarantine, topic, logs) and the lake key. */
  kmsKeyArns: pulumi.Input<string>[];
  /** The ingestion key, for the function's log group. */
  logKmsKeyArn: pulumi.Input<string>;
  /** DMS's CdcMaxBatchInterval: rows counted within it may not be in a file yet. */
  batchSeconds: number;
  /**
   * How often it runs. Defaults to 60: DMS's counters and the files move every batch interval, and an hour leaves
   * every file time to be validated (the raw reconciler re-queues after an hour too) before a gap counts.
   */
  everyMinutes?: number;
}

export class DmsReconciler extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  /** The function's role: the lake side's bucket and key policies name it to allow the cross-account reads. */
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: DmsReconcilerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:ingestion:DmsReconciler", name, {}, opts);
    const fail = argsChecker("DmsReconciler", name, this);
    const every = args.everyMinutes ?? 60;
    if (!isIntIn(every, 5, 24 * 60)) fail("everyMinutes must be 5–1440");
    if (!isIntIn(args.batchSeconds, 1, 3600)) fail("batchSeconds must be 1–3600 (DMS's CdcMaxBatchInterval)");
    if (!/^cdc-[a-z0-9-]+$/.test(args.task.id))
      fail(`task.id must be the DMS task identifier cdc-<env>-<source>, got ${args.task.id}`);
    const child = { parent: this };

    const fn = new BundledFunction(
      `${name}-function`,
      {
        functionName: args.functionName,
        entry: "handlers/dms-reconcile.ts",
        ...(args.metadataTables
          ? { extraFiles: { [METADATA_TABLES_FILE]: JSON.stringify([...args.metadataTables].sort()) } }
          : {}),
        accountId: args.accountId,
        powertools: { serviceName: args.functionName, metricsNamespace: `cdc/${args.environment}` },
        timeoutSeconds: 900,
        memorySizeMb: 512,
        logKmsKeyArn: args.logKmsKeyArn,
        onFailureDestinationArn: args.alertTopicArn,
        environment: {
          SOURCE: args.sourceName,
          DMS_TASK_ID: args.task.id,
          DMS_TASK_ARN: args.task.arn,
          RAW_BUCKET: args.raw.bucketName,
          QUARANTINE_BUCKET: args.quarantine.bucketName,
          HARMONIZED_BUCKET: args.harmonized.bucketName,
          ...(args.lake ? { LAKE_BUCKET: args.lake.bucketName } : {}),
          ALERT_TOPIC_ARN: args.alertTopicArn,
          LEDGER_BUCKET: ledgerBucketName(args),
          RECONCILE_TARGETS: JSON.stringify(args.targets),
          BATCH_SECONDS: String(args.batchSeconds),
        },
        policyStatements: dmsReconcilerStatements(args),
      },
      child,
    );
    runOnSchedule(
      `${name}-schedule`,
      {
        ruleName: args.functionName,
        description: `Reconciles ${args.sourceName} with DMS's table statistics`,
        scheduleExpression: every === 60 ? "rate(1 hour)" : `rate(${every} minutes)`,
        fn,
      },
      child,
    );

    this.functionName = fn.functionName;
    this.roleArn = fn.roleArn;
    this.registerOutputs({ functionName: this.functionName, roleArn: this.roleArn });
  }
}

/** The artifacts bucket of the source's ingestion account (components/validated-landing.ts names it the same way). */
const ledgerBucketName = (a: Pick<DmsReconcilerArgs, "environment" | "sourceName" | "accountId">) =>
  bucketName(a.environment, a.sourceName, "artifacts", a.accountId);

/** Read DMS and the buckets, read and write its ledger, publish alerts — nothing else. */
export function dmsReconcilerStatements(
  a: Pick<
    DmsReconcilerArgs,
    | "task"
    | "raw"
    | "quarantine"
    | "harmonized"
    | "lake"
    | "alertTopicArn"
    | "kmsKeyArns"
    | "sourceName"
    | "environment"
    | "accountId"
  >,
): PolicyStatementInput[] {
  const buckets = [a.raw, a.quarantine, a.harmonized];
  return [
    // DescribeReplicationTasks names no resource in IAM (it lists); DescribeTableStatistics is granted on the task.
    { Sid: "FindTask", Effect: "Allow", Action: "dms:DescribeReplicationTasks", Resource: "*" },
    { Sid: "ReadTableStatistics", Effect: "Allow", Action: "dms:DescribeTableStatistics", Resource: a.task.arn },
    { Sid: "ListTableFiles", Effect: "Allow", Action: "s3:ListBucket", Resource: buckets.map((b) => b.arn) },
    // HEAD (row-count metadata) and footer reads of objects without it.
    {
      Sid: "ReadTableFiles",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: buckets.map((b) => pulumi.interpolate`${b.arn}/*`),
    },
    ...(a.lake
      ? [
          {
            Sid: "ReadTargetState",
            Effect: "Allow" as const,
            Action: "s3:GetObject",
            Resource: pulumi.interpolate`${a.lake.arn}/state/${a.sourceName}/*`,
          },
        ]
      : []),
    // Its ledger, exactly that one object: no list, no delete, nothing else in the bucket.
    {
      Sid: "KeepLedger",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: `arn:aws:s3:::${ledgerBucketName(a)}/${ledgerKey(a.sourceName)}`,
    },
    { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: a.alertTopicArn },
    { Sid: "UseKeys", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: a.kmsKeyArns },
  ];
}

/**
 * The harmonized bucket's policy statements for readers in another account (the reconciler's role, when the lake is
 * separate): list the table's files and HEAD/read them, never write.
 */
export function harmonizedReaderStatements(
  harmonizedArn: pulumi.Input<string>,
  readerRoleArns: pulumi.Input<pulumi.Input<string>[]>,
): PolicyStatementInput[] {
  const readers = awsPrincipal(readerRoleArns);
  return [
    {
      Sid: "ReconcilerReadsHarmonized",
      Effect: "Allow",
      Principal: { AWS: readers },
      Action: "s3:GetObject",
      Resource: pulumi.interpolate`${harmonizedArn}/*`,
    },
    {
      Sid: "ReconcilerListsHarmonized",
      Effect: "Allow",
      Principal: { AWS: readers },
      Action: "s3:ListBucket",
      Resource: harmonizedArn,
    },
  ];
}
