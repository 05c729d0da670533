/**
 * The S3 bucket of Pulumi's self-managed backend (`pulumi login s3://<bucket>?region=<region>`): versioned (a bad
 * write or deletion of a checkpoint can be undone), public access blocked, TLS only, and encrypted with a KMS key of
 * its own, with rotation, that only this account's IAM grants. Both are protected and retained: losing the state
 * orphans every resource it tracks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isAccountId } from "./args";
import { render, stateBucketPolicy, stateKeyPolicy } from "./policies";

export interface StateBucketArgs {
  /** The account the bucket and key live in; its IAM decides who reads and writes the state. */
  accountId: string;
  /** Region of the bucket; part of the backend URL. */
  region: string;
  /** Globally unique bucket name (3–63 lower-case letters, digits, hyphens). */
  bucketName: string;
  /** Days a replaced or deleted state object stays recoverable as a noncurrent version. Defaults to 90. */
  noncurrentVersionDays?: number;
  /** `protect` the bucket and key. Defaults to true: removing them is a deliberate, two-step act. */
  protect?: boolean;
}

export class StateBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  /** ARN of the key the state is encrypted with (the preview role may decrypt with it). */
  readonly keyArn: pulumi.Output<string>;
  /** What `pulumi login` takes: `s3://<bucket>?region=<region>`. */
  readonly backendUrl: pulumi.Output<string>;

  constructor(name: string, args: StateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:bootstrap:StateBucket", name, {}, opts);
    validate(name, args, this);
    const child: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: true, protect: args.protect ?? true };

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Pulumi state in s3://${args.bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: render(stateKeyPolicy(args.accountId)),
      },
      child,
    );
    new aws.kms.Alias(`${name}-alias`, { name: `alias/${args.bucketName}`, targetKeyId: key.arn }, child);

    const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, forceDestroy: false }, child);
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.bucket,
        rules: [
          { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true },
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
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.bucket, policy: render(pulumi.all([bucket.arn, key.arn]).apply(([b, k]) => stateBucketPolicy(b, k))) },
      // A policy written while the public access block is being applied can be refused as public; order them.
      { ...child, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.bucket,
        rules: [
          {
            id: "expire-old-state-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 90 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      // Rules on noncurrent versions need versioning settled first.
      { ...child, dependsOn: [versioning] },
    );

    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.keyArn = key.arn;
    this.backendUrl = pulumi.interpolate`s3://${bucket.bucket}?region=${args.region}`;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn, keyArn: this.keyArn, backendUrl: this.backendUrl });
  }
}

function validate(name: string, args: StateBucketArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("StateBucket", name, resource);
  if (!isAccountId(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(args.region)) fail(`region must be an AWS region, got ${JSON.stringify(args.region)}`);
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(args.bucketName)) {
    fail(`bucketName must be 3–63 lower-case letters, digits and hyphens, got ${JSON.stringify(args.bucketName)}`);
  }
  const days = args.noncurrentVersionDays ?? 90;
  if (!Number.isInteger(days) || days < 1 || days > 3650) fail(`noncurrentVersionDays must be 1–3650, got ${days}`);
}
