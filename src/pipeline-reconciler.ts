/**
 * A source's reconciliation with DMS: its DmsReconciler, in the ingestion account next to the task, reads raw,
 * quarantine, harmonized and the pollers' state in the lake bucket. In one account IAM suffices; in a split stack the
 * lake side's key and bucket policies must name its role, so this returns the roles they name.
 */
import * as pulumi from "@pulumi/pulumi";
import { DmsReconciler, type DmsReconcilerArgs } from "../components/dms-reconciler";
import type { SourceConfig } from "./config";

type BucketRef = DmsReconcilerArgs["harmonized"];

export interface PipelineReconcilerArgs {
  /** `cdc-<env>-<source>`: the DMS task's identifier; the function is `<id>-dms-reconcile`. */
  id: string;
  environment: string;
  source: SourceConfig;
  /** The ingestion account, where the task and the function are. */
  accountId: string;
  taskArn: pulumi.Input<string>;
  raw: BucketRef;
  quarantineBucketName: pulumi.Input<string>;
  harmonized: BucketRef;
  lake: BucketRef;
  /** The ingestion side's alert topic: drift alerts go there. */
  alertTopicArn: pulumi.Input<string>;
  /** The keys it decrypts with: the ingestion key (raw, quarantine, topic, logs) and the lake key. */
  ingestionKeyArn: pulumi.Input<string>;
  lakeKeyArn: pulumi.Input<string>;
  /** The lake is another account: its policies must name the reconciler's role, and its key is a second key. */
  separateLake: boolean;
  /** The source's tables (`schema.table`) by its metadata: one DMS does not report is alerted as not replicated. */
  metadataTables: string[];
}

/**
 * Declares `<name>-dms-reconcile`; returns the roles the lake side must let read: the reconciler's in a split stack,
 * none in one account.
 */
export function reconcileWithDms(
  name: string,
  args: PipelineReconcilerArgs,
  opts: pulumi.ComponentResourceOptions,
): pulumi.Output<string[]> {
  const reconciler = new DmsReconciler(
    `${name}-dms-reconcile`,
    {
      functionName: `${args.id}-dms-reconcile`,
      environment: args.environment,
      sourceName: args.source.name,
      accountId: args.accountId,
      task: { id: args.id, arn: args.taskArn },
      raw: args.raw,
      quarantine: {
        bucketName: args.quarantineBucketName,
        arn: pulumi.interpolate`arn:aws:s3:::${args.quarantineBucketName}`,
      },
      harmonized: args.harmonized,
      lake: args.lake,
      targets: args.source.targets.map((t) => ({ name: t.name, tables: t.tables })),
      alertTopicArn: args.alertTopicArn,
      kmsKeyArns: args.separateLake ? [args.ingestionKeyArn, args.lakeKeyArn] : [args.ingestionKeyArn],
      logKmsKeyArn: args.ingestionKeyArn,
      metadataTables: args.metadataTables,
      batchSeconds: args.source.dms.cdcMaxBatchIntervalSeconds,
    },
    opts,
  );
  return args.separateLake ? reconciler.roleArn.apply((r) => [r]) : pulumi.output([]);
}
