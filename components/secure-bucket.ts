/**
 * An S3 bucket the way every bucket of the pipeline must be: SSE-KMS with the pipeline's key, all public access
 * blocked, TLS-only, ACLs disabled (bucket owner enforced), lifecycle rules, and versioning unless the bucket is a
 * DMS target: DMS target buckets stay unversioned, as DMS expects, and the raw files are deleted once validated.
 *
 * Every resource here is declared `retainOnDelete`: taking a bucket out of the program (a source removed from a stack
 * file, a rename) leaves the bucket in AWS as it was — encrypted, private, TLS-only, its lifecycle still running —
 * instead of failing halfway through the update on a non-empty bucket or deleting data. Deleting one is a deliberate,
 * separate act (docs/retiring-a-source.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { denyInsecureTransport, policyDocument, type PolicyStatementInput } from "./iam";

/** One lifecycle rule, in the pipeline's terms. */
export interface LifecycleRule {
  /** Rule id, unique within the bucket; shown in the console. */
  id: string;
  /** Key prefix the rule applies to; the whole bucket when absent. */
  prefix?: string;
  /** Delete current objects this many days after creation. */
  expirationDays?: number;
  /** Delete noncurrent versions this many days after they were replaced (versioned buckets only). */
  noncurrentVersionExpirationDays?: number;
  /** Move current objects to cheaper storage after some days (`STANDARD_IA`, `INTELLIGENT_TIERING`, `GLACIER_IR`, …). */
  transitions?: { days: number; storageClass: string }[];
}

export interface SecureBucketArgs {
  /** Physical bucket name, from `bucketName()` (metadata/naming.ts) so other tools can predict it. */
  bucketName: string;
  /** ARN of the KMS key objects are encrypted with by default (the pipeline's key in this bucket's account). */
  kmsKeyArn: pulumi.Input<string>;
  /** Keep object versions. Required on purpose: DMS target buckets must say `false`. */
  versioning: boolean;
  /** Lifecycle rules; incomplete multipart uploads are always aborted after {@link abortIncompleteUploadsAfterDays}. */
  lifecycleRules?: LifecycleRule[];
  /** Days after which incomplete multipart uploads are removed. Defaults to 7. */
  abortIncompleteUploadsAfterDays?: number;
  /** Statements added after the TLS-only deny, e.g. the exact cross-account role allowed to write. */
  policyStatements?: pulumi.Input<PolicyStatementInput[]>;
  /** Let `pulumi destroy` delete a bucket that still holds objects. Off by default: data is not deleted by accident. */
  forceDestroy?: boolean;
  /**
   * Mark the bucket and its settings `protect`, so any update that would delete or replace them fails until someone
   * unprotects them on purpose. Off by default (the parent's `protect`, if any, still applies): retention already keeps
   * the data, and protection turns retiring a source into two steps, which the stack asks for (`cdc:protectData`, on in
   * prod) rather than every bucket everywhere.
   */
  protect?: boolean;
}

export class SecureBucket extends pulumi.ComponentResource {
  /** The bucket's name (equal to `args.bucketName`). */
  readonly bucketName: pulumi.Output<string>;
  /** The bucket's ARN, for IAM and notifications. */
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:storage:SecureBucket", name, {}, opts);
    validate(name, args, this);
    // Retained, so the bucket outlives its declaration with its settings intact (the deletion of its encryption,
    // public-access block or policy alone would leave a retained bucket less safe than it was).
    const child: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: true, protect: args.protect };

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
            // One data key per bucket instead of one KMS call per object: same protection, a fraction of the cost.
            bucketKeyEnabled: true,
          },
        ],
      },
      child,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    const statements = pulumi
      .output(args.policyStatements ?? [])
      .apply((extra) => [denyInsecureTransport(bucket.arn), ...(extra as PolicyStatementInput[])]);
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.bucket, policy: policyDocument(statements) },
      // A policy written while the public access block is being applied can be refused as public; order them.
      { ...child, dependsOn: [publicAccess] },
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.bucket, versioningConfiguration: { status: args.versioning ? "Enabled" : "Disabled" } },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucket.bucket, rules: lifecycleRules(args) },
      // Lifecycle rules on noncurrent versions need the versioning state settled first.
      { ...child, dependsOn: [versioning] },
    );

    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}

function lifecycleRules(args: SecureBucketArgs): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortIncompleteUploadsAfterDays ?? 7 },
    },
  ];
  for (const r of args.lifecycleRules ?? []) {
    rules.push({
      id: r.id,
      status: "Enabled",
      filter: r.prefix ? { prefix: r.prefix } : {},
      ...(r.expirationDays !== undefined ? { expiration: { days: r.expirationDays } } : {}),
      ...(r.noncurrentVersionExpirationDays !== undefined
        ? { noncurrentVersionExpiration: { noncurrentDays: r.noncurrentVersionExpirationDays } }
        : {}),
      ...(r.transitions ? { transitions: r.transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })) } : {}),
    });
  }
  return rules;
}

function validate(name: string, args: SecureBucketArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("SecureBucket", name, resource);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(args.bucketName)) {
    fail(`bucketName must be 3–63 lower-case letters, digits, dots or hyphens, got ${JSON.stringify(args.bucketName)}`);
  }
  if (typeof args.versioning !== "boolean") fail("versioning must be true or false (false only for DMS target buckets)");
  if (!isIntIn(args.abortIncompleteUploadsAfterDays ?? 7, 1, 365)) fail("abortIncompleteUploadsAfterDays must be 1–365");
  const ids = new Set<string>(["abort-incomplete-multipart-uploads"]);
  for (const r of args.lifecycleRules ?? []) {
    if (ids.has(r.id)) fail(`lifecycle rule id ${JSON.stringify(r.id)} is used twice`);
    ids.add(r.id);
    if (r.expirationDays === undefined && r.noncurrentVersionExpirationDays === undefined && !r.transitions?.length) {
      fail(`lifecycle rule ${r.id} does nothing: set expirationDays, noncurrentVersionExpirationDays or transitions`);
    }
    if (r.expirationDays !== undefined && !isIntIn(r.expirationDays, 1, 36500)) {
      fail(`lifecycle rule ${r.id}: expirationDays must be a whole number of days >= 1`);
    }
    if (r.noncurrentVersionExpirationDays !== undefined && !args.versioning) {
      fail(`lifecycle rule ${r.id}: noncurrentVersionExpirationDays needs versioning, which is off for this bucket`);
    }
  }
}
