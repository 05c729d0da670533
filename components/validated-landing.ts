/**
 * Where raw DMS files become trusted: the raw bucket (DMS's target) notifies a queue of every new Parquet file, the
 * validate Lambda checks it against the committed metadata and moves it to harmonized (lake account) or quarantine,
 * and files too large for the Lambda go to a Glue job. The validate role gets exactly what that takes — nothing else — and the lake side names it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RAW_TO_VALIDATION_QUEUE } from "../handlers/core/raw-notification";
import { DEPLOYED_METADATA_FILE, deployedMetadata } from "../metadata/deployed";
import type { SourceMetadata, TableMetadata } from "../metadata/format";
import { bucketName } from "../metadata/naming";
import { argsChecker, isIntIn } from "./args";
import { PROJECT_ROOT } from "./bundle";
import { BundledFunction } from "./bundled-function";
import { DEFAULT_LOB_SETTINGS, lobLimitKb, type DmsLobSettings } from "./dms-lob";
import { awsPrincipal, policyDocument, roleArn, type PolicyStatementInput } from "./iam";
import { LargeFileJob } from "./large-file-job";
import { QueueWithDlq } from "./queue-with-dlq";
import { RawReconciler } from "./raw-reconciler";
import { SecureBucket } from "./secure-bucket";

/** A bucket as other components see it. */
export interface BucketRef {
  bucketName: pulumi.Input<string>;
  arn: pulumi.Input<string>;
}

export interface ValidatedLandingArgs {
  /** Environment name; part of every physical name. */
  environment: string;
  /** The source's stable name. */
  sourceName: string;
  /** The ingestion account everything here lives in. */
  accountId: string;
  /** Region of the ingestion account. */
  region: string;
  /** The source's committed metadata, published next to the Lambda (never read from the live database). */
  metadata: { source: SourceMetadata; tables: TableMetadata[] };
  /** Days a raw file is kept if validation never removes it. Defaults to 30. */
  rawRetentionDays?: number;
  /** The harmonized bucket in the lake account, and the lake key its objects are encrypted with. */
  harmonized: BucketRef & { kmsKeyArn: pulumi.Input<string> };
  /** The queue validated-file messages go to (lake side), with its ARN for the send permission. */
  validatedQueue: { url: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** The ingestion account's pipeline key: raw, quarantine, the alert topic. */
  kmsKeyArn: pulumi.Input<string>;
  /** Alert topic for quarantined files and dead letters. */
  alertTopicArn: pulumi.Input<string>;
  /** Files at least this big without column statistics are handed to the Glue job. */
  largeFileBytes: number;
  /**
   * The source's DMS LOB mode, so validation flags LOB values that reach the limit DMS cuts them at. Defaults to DMS's
   * own default, limited at 32 KB, the same default DmsSource renders: the two must agree, or cuts go unflagged.
   */
  lob?: DmsLobSettings;
  /** Handler entry of the validate Lambda. Defaults to `handlers/validate.ts`. */
  handlerEntry?: string;
  /** PySpark script of the large-file job; the job is declared only when the script exists. */
  largeFileScript?: string;
  /** Messages per Lambda invocation (1–10). Defaults to 10. */
  batchSize?: number;
  /** Upper bound of concurrent validate invocations (2–1000). Defaults to 5. */
  maxConcurrency?: number;
  /** Lambda timeout in seconds; the queue's visibility timeout is six times this. Defaults to 120. */
  timeoutSeconds?: number;
  /**
   * Protect the quarantine bucket (`protect`): rejected files are the evidence of what a source sent. Off by default;
   * the stack turns it on (`cdc:protectData`, on in prod). Both buckets are retained whatever this says. Raw is never
   * protected: it is DMS's transient landing, emptied by validation and by its own expiry, so protecting it would
   * block retiring a source over files that expire anyway.
   */
  protectData?: boolean;
}

export class ValidatedLanding extends pulumi.ComponentResource {
  /** ARN of the validate Lambda's role. */
  readonly validateRoleArn: pulumi.Output<string>;
  /**
   * The roles that write harmonized data and announce it on the validated queue: the validate Lambda's alone (the
   * large-file job only answers the Lambda). The lake side names exactly these in its bucket, key and queue policies.
   */
  readonly harmonizedWriterRoleArns: pulumi.Output<string[]>;
  /** The raw bucket (DMS's target). */
  readonly rawBucketName: pulumi.Output<string>;
  readonly rawBucketArn: pulumi.Output<string>;
  /** Where files that fail validation are kept. */
  readonly quarantineBucketName: pulumi.Output<string>;

  constructor(name: string, args: ValidatedLandingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:ingestion:ValidatedLanding", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const id = `cdc-${args.environment}-${args.sourceName}`;
    const timeout = args.timeoutSeconds ?? 120;

    // DMS's target: unversioned (DMS target buckets must not be versioned); validated files leave it, so whatever
    // stays past the retention was never validated and has already raised alerts. Retained like every SecureBucket
    // (files not yet validated are the only copy of those changes), never protected: its expiry empties it on its own.
    const rawBucket = new SecureBucket(
      `${name}-raw`,
      {
        bucketName: bucketName(args.environment, args.sourceName, "raw", args.accountId),
        kmsKeyArn: args.kmsKeyArn,
        versioning: false,
        lifecycleRules: [{ id: "expire-unprocessed", expirationDays: args.rawRetentionDays ?? 30 }],
      },
      child,
    );
    const raw: BucketRef = { bucketName: rawBucket.bucketName, arn: rawBucket.arn };
    const quarantine = new SecureBucket(
      `${name}-quarantine`,
      {
        bucketName: bucketName(args.environment, args.sourceName, "quarantine", args.accountId),
        kmsKeyArn: args.kmsKeyArn,
        versioning: true,
        lifecycleRules: [{ id: "expire-old-versions", noncurrentVersionExpirationDays: 30 }],
        protect: args.protectData,
      },
      child,
    );
    const queue = new QueueWithDlq(
      `${name}-queue`,
      {
        queueName: `${id}-validate`,
        visibilityTimeoutSeconds: 6 * timeout,
        // S3 notifies with the key's queueSenders grant; the reconciler and the large-file job send through IAM.
        kmsKeyArn: args.kmsKeyArn,
        alarmActions: [args.alertTopicArn],
        // The queue policy refuses every sender but S3, the reconciler and the large-file job: no redrive.
        deadLetterAction:
          "Inspect and fix; do not redrive (the queue refuses it): the hourly reconciler re-announces every file still in raw.",
      },
      child,
    );
    const access = {
      queueArn: queue.arn,
      raw,
      quarantine: { bucketName: quarantine.bucketName, arn: quarantine.arn },
      harmonized: args.harmonized,
      validatedQueueArn: args.validatedQueue.arn,
      ingestionKeyArn: args.kmsKeyArn,
      alertTopicArn: args.alertTopicArn,
    };
    const scriptPath = args.largeFileScript ?? "handlers/glue/validate_large_file.py";
    // The job only reads the file and answers on the validation queue; the Lambda moves the file on its verdict.
    const job = fs.existsSync(path.resolve(PROJECT_ROOT, scriptPath))
      ? new LargeFileJob(
          `${name}-large-files`,
          {
            jobName: `${id}-validate-large`,
            accountId: args.accountId,
            scriptPath,
            artifactsBucketName: bucketName(args.environment, args.sourceName, "artifacts", args.accountId),
            kmsKeyArn: args.kmsKeyArn,
            defaultArguments: { "--result_queue_url": queue.url },
            alertTopicArn: args.alertTopicArn,
            policyStatements: largeFileJobStatements({ raw, queueArn: queue.arn, ingestionKeyArn: args.kmsKeyArn }),
          },
          child,
        )
      : undefined;

    // Who may send to the queue: S3 for the raw bucket, the reconciler (re-announcing raw files) and the large-file job.
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-queue-policy`,
      {
        queueUrl: queue.url,
        policy: policyDocument(
          validationQueueStatements({
            queueArn: queue.arn,
            rawArn: raw.arn,
            accountId: args.accountId,
            senderRoleArns: [roleArn(args.accountId, `${id}-reconcile`), ...(job ? [job.roleArn] : [])],
          }),
        ),
      },
      child,
    );
    new aws.s3.BucketNotification(
      `${name}-raw-events`,
      {
        bucket: raw.bucketName,
        // The same settings local mode configures on moto (handlers/core/raw-notification.ts).
        queues: [{ queueArn: queue.arn, ...RAW_TO_VALIDATION_QUEUE, events: [...RAW_TO_VALIDATION_QUEUE.events] }],
      },
      { parent: this, dependsOn: [queuePolicy] },
    );

    const fn = new BundledFunction(
      `${name}-validate`,
      {
        functionName: `${id}-validate`,
        entry: args.handlerEntry ?? "handlers/validate.ts",
        extraFiles: metadataFiles(args.metadata),
        accountId: args.accountId,
        powertools: { serviceName: `${id}-validate`, metricsNamespace: `cdc/${args.environment}` },
        timeoutSeconds: timeout,
        memorySizeMb: 1024,
        logKmsKeyArn: args.kmsKeyArn,
        environment: {
          HARMONIZED_BUCKET: args.harmonized.bucketName,
          QUARANTINE_BUCKET: quarantine.bucketName,
          ALERT_TOPIC_ARN: args.alertTopicArn,
          FANOUT_QUEUE_URL: args.validatedQueue.url,
          LARGE_FILE_BYTES: String(args.largeFileBytes),
          // 0: full LOB mode, in which DMS cuts nothing.
          LOB_MAX_SIZE_KB: String(lobLimitKb(args.lob ?? DEFAULT_LOB_SETTINGS)),
          // The job's role id, not its name: only verdicts SQS says that role sent count.
          ...(job ? { LARGE_FILE_JOB_NAME: job.jobName, LARGE_FILE_JOB_ROLE_ID: job.roleUniqueId } : {}),
        },
        policyStatements: validateRoleStatements({ ...access, largeFileJobArn: job?.arn }),
      },
      child,
    );
    new aws.lambda.EventSourceMapping(
      `${name}-trigger`,
      {
        eventSourceArn: queue.arn,
        functionName: fn.arn,
        batchSize: args.batchSize ?? 10,
        maximumBatchingWindowInSeconds: 5,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: args.maxConcurrency ?? 5 },
      },
      child,
    );

    new RawReconciler(
      `${name}-reconcile`,
      {
        functionName: `${id}-reconcile`,
        environment: args.environment,
        sourceName: args.sourceName,
        accountId: args.accountId,
        raw,
        validationQueue: { url: queue.url, arn: queue.arn },
        alertTopicArn: args.alertTopicArn,
        kmsKeyArn: args.kmsKeyArn,
        rawRetentionDays: args.rawRetentionDays ?? 30,
      },
      child,
    );

    this.validateRoleArn = fn.roleArn;
    this.harmonizedWriterRoleArns = pulumi.all([fn.roleArn]);
    this.rawBucketName = rawBucket.bucketName;
    this.rawBucketArn = rawBucket.arn;
    this.quarantineBucketName = quarantine.bucketName;
    this.registerOutputs({
      validateRoleArn: this.validateRoleArn,
      harmonizedWriterRoleArns: this.harmonizedWriterRoleArns,
      rawBucketName: this.rawBucketName,
      quarantineBucketName: this.quarantineBucketName,
    });
  }
}

/**
 * The validation queue's policy. S3 may send this raw bucket's events on behalf of this account. Everyone else is
 * denied unless they are one of `senderRoleArns`, whatever their own policies allow: a verdict from anyone else is
 * already ignored by the Lambda (it checks SQS's SenderId), and this keeps forged events and verdicts off the queue.
 * The deny spares S3 by `aws:SourceArn`, which only S3's own requests for the raw bucket carry (a caller cannot set it),
 * and the roles by `aws:PrincipalArn` (the role, for any of its sessions). Nobody else can redrive the dead-letter
 * queue into it either; the reconciler re-announces whatever is still in raw, which is what a redrive would do.
 */
export function validationQueueStatements(r: {
  queueArn: pulumi.Input<string>;
  rawArn: pulumi.Input<string>;
  accountId: string;
  senderRoleArns: pulumi.Input<string>[];
}): PolicyStatementInput[] {
  return [
    {
      Sid: "RawBucketNotifies",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: r.queueArn,
      Condition: { ArnEquals: { "aws:SourceArn": r.rawArn }, StringEquals: { "aws:SourceAccount": r.accountId } },
    },
    {
      Sid: "OnlyRawEventsReconcilerAndLargeFileJob",
      Effect: "Deny",
      Principal: "*",
      Action: "sqs:SendMessage",
      Resource: r.queueArn,
      // Keys in one block must all match for the deny to apply: not one of the roles, and not the raw bucket's S3.
      Condition: { ArnNotEquals: { "aws:PrincipalArn": r.senderRoleArns, "aws:SourceArn": r.rawArn } },
    },
  ];
}

/** What the validate role may do, beyond writing its own logs: exactly the list, each on exact ARNs. */
export function validateRoleStatements(r: {
  queueArn: pulumi.Input<string>;
  raw: BucketRef;
  quarantine: BucketRef;
  harmonized: BucketRef & { kmsKeyArn: pulumi.Input<string> };
  validatedQueueArn: pulumi.Input<string>;
  ingestionKeyArn: pulumi.Input<string>;
  alertTopicArn: pulumi.Input<string>;
  largeFileJobArn?: pulumi.Input<string>;
}): PolicyStatementInput[] {
  const objects = (b: BucketRef) => pulumi.interpolate`${b.arn}/*`;
  const statements: PolicyStatementInput[] = [
    {
      Sid: "ConsumeValidationQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
      Resource: r.queueArn,
    },
    { Sid: "ReadAndDeleteRaw", Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: objects(r.raw) },
    // Copies are verified by reading them back (HEAD needs s3:GetObject); ListBucket turns a missing key into a 404
    // instead of a 403, which is how the handler tells "not moved yet" from "denied".
    {
      Sid: "WriteAndVerifyQuarantine",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: objects(r.quarantine),
    },
    {
      Sid: "WriteAndVerifyHarmonized",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: objects(r.harmonized),
    },
    {
      Sid: "ListLandingBuckets",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: [r.raw.arn, r.quarantine.arn, r.harmonized.arn],
    },
    { Sid: "SendValidatedFiles", Effect: "Allow", Action: "sqs:SendMessage", Resource: r.validatedQueueArn },
    { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: r.alertTopicArn },
    { Sid: "UseIngestionKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: r.ingestionKeyArn },
    { Sid: "UseLakeKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: r.harmonized.kmsKeyArn },
  ];
  if (r.largeFileJobArn !== undefined) {
    statements.push({ Sid: "StartLargeFileJob", Effect: "Allow", Action: "glue:StartJobRun", Resource: r.largeFileJobArn });
  }
  return statements;
}

/** The large-file job: read the raw file it is given, answer on the validation queue. */
export function largeFileJobStatements(r: {
  raw: BucketRef;
  queueArn: pulumi.Input<string>;
  ingestionKeyArn: pulumi.Input<string>;
}): PolicyStatementInput[] {
  return [
    { Sid: "ReadRaw", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${r.raw.arn}/*` },
    // Spark lists a path before reading it.
    { Sid: "ListRaw", Effect: "Allow", Action: "s3:ListBucket", Resource: r.raw.arn },
    { Sid: "AnswerOnValidationQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: r.queueArn },
    // Decrypt to read raw; GenerateDataKey to send on the queue, which is encrypted with the same key.
    { Sid: "UseIngestionKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: r.ingestionKeyArn },
  ];
}

/**
 * The lake side's grant to the roles that write harmonized data ({@link ValidatedLanding.harmonizedWriterRoleArns}),
 * for the harmonized bucket policy: put objects and read back what they wrote. The role ARNs are exact (no
 * account-wide principal), so no other identity of the ingestion account can write.
 */
export function harmonizedWriterStatements(
  harmonizedArn: pulumi.Input<string>,
  writerRoleArns: pulumi.Input<pulumi.Input<string>[]>,
): PolicyStatementInput[] {
  const writers = awsPrincipal(writerRoleArns);
  return [
    {
      Sid: "ValidateRoleWritesHarmonized",
      Effect: "Allow",
      Principal: { AWS: writers },
      Action: ["s3:PutObject", "s3:GetObject"],
      Resource: pulumi.interpolate`${harmonizedArn}/*`,
    },
    {
      Sid: "ValidateRoleListsHarmonized",
      Effect: "Allow",
      Principal: { AWS: writers },
      Action: "s3:ListBucket",
      Resource: harmonizedArn,
    },
  ];
}

/** The metadata as a handler reads it when deployed: one compact `metadata.json` (metadata/deployed.ts says why). */
export function metadataFiles(m: { source: SourceMetadata; tables: readonly TableMetadata[] }): Record<string, string> {
  return { [DEPLOYED_METADATA_FILE]: deployedMetadata(m.source, m.tables) };
}

function validate(name: string, args: ValidatedLandingArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("ValidatedLanding", name, resource);
  if (args.metadata.tables.length === 0) fail(`source ${args.sourceName} has no tables in its metadata`);
  if (args.metadata.source.source !== args.sourceName) {
    fail(`metadata is for source ${args.metadata.source.source}, expected ${args.sourceName}`);
  }
  if (!isIntIn(args.batchSize ?? 10, 1, 10)) fail("batchSize must be 1–10");
  if (!isIntIn(args.maxConcurrency ?? 5, 2, 1000)) fail("maxConcurrency must be 2–1000 (SQS event sources need at least 2)");
  if (!isIntIn(args.timeoutSeconds ?? 120, 1, 900)) fail("timeoutSeconds must be 1–900");
  if (!isIntIn(args.largeFileBytes, 1, Number.MAX_SAFE_INTEGER)) fail("largeFileBytes must be a positive whole number");
}
