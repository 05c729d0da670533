/**
 * The safety net under validation, in the ingestion account: an hourly Lambda that sends the validation queue the S3
 * event of every raw file older than `staleMinutes` (a lost notification, a failure nobody acted on), so nothing sits
 * in raw until its retention deletes it unvalidated, and alerts once naming them.
 */
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { BundledFunction } from "./bundled-function";
import { runOnSchedule } from "./schedule";
import type { PolicyStatementInput } from "./iam";

export interface RawReconcilerArgs {
  /** Physical function and schedule name. */
  functionName: string;
  environment: string;
  sourceName: string;
  accountId: string;
  raw: { bucketName: pulumi.Input<string>; arn: pulumi.Input<string> };
  validationQueue: { url: pulumi.Input<string>; arn: pulumi.Input<string> };
  alertTopicArn: pulumi.Input<string>;
  /** The ingestion key: it encrypts the alert topic, the validation queue and the function's log group. */
  kmsKeyArn: pulumi.Input<string>;
  /** Minutes a raw file may wait before it counts as missed. Defaults to 60. */
  staleMinutes?: number;
  /** Days raw keeps a file; the reconciler must act well before. */
  rawRetentionDays: number;
}

export class RawReconciler extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: RawReconcilerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:ingestion:RawReconciler", name, {}, opts);
    const fail = argsChecker("RawReconciler", name, this);
    const stale = args.staleMinutes ?? 60;
    if (!isIntIn(stale, 10, 24 * 60)) fail("staleMinutes must be 10–1440");
    if (stale >= args.rawRetentionDays * 1440) fail("staleMinutes must be well below the raw retention, or files expire first");
    const child = { parent: this };

    const fn = new BundledFunction(
      `${name}-function`,
      {
        functionName: args.functionName,
        entry: "handlers/reconcile.ts",
        accountId: args.accountId,
        powertools: { serviceName: args.functionName, metricsNamespace: `cdc/${args.environment}` },
        timeoutSeconds: 300,
        memorySizeMb: 256,
        logKmsKeyArn: args.kmsKeyArn,
        onFailureDestinationArn: args.alertTopicArn,
        environment: {
          SOURCE: args.sourceName,
          RAW_BUCKET: args.raw.bucketName,
          VALIDATION_QUEUE_URL: args.validationQueue.url,
          ALERT_TOPIC_ARN: args.alertTopicArn,
          STALE_MINUTES: String(stale),
        },
        policyStatements: reconcilerStatements(args),
      },
      child,
    );
    runOnSchedule(
      `${name}-schedule`,
      {
        ruleName: args.functionName,
        description: `Re-queues raw files of ${args.sourceName} older than ${stale} min`,
        scheduleExpression: "rate(1 hour)",
        fn,
      },
      child,
    );

    this.functionName = fn.functionName;
    this.registerOutputs({ functionName: this.functionName });
  }
}

/** List raw, notify the validation queue, alert — nothing else. */
export function reconcilerStatements(
  r: Pick<RawReconcilerArgs, "raw" | "validationQueue" | "alertTopicArn" | "kmsKeyArn">,
): PolicyStatementInput[] {
  return [
    { Sid: "ListRaw", Effect: "Allow", Action: "s3:ListBucket", Resource: r.raw.arn },
    { Sid: "RequeueRawEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: r.validationQueue.arn },
    { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: r.alertTopicArn },
    { Sid: "UseIngestionKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: r.kmsKeyArn },
  ];
}
