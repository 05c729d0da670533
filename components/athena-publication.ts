/**
 * Where a source's targets publish, in the lake account: the publication bucket (the Iceberg warehouse), one Glue
 * Data Catalog database per target, an Athena workgroup that enforces its result location, encryption and a
 * per-query scan limit, and the lake bucket holding the apply job's script, the run manifests and Athena's results.
 */
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { awsPrincipal } from "./iam";
import { PROJECT_ROOT } from "./bundle";
import { SecureBucket } from "./secure-bucket";

export interface AthenaPublicationArgs {
  /** Physical name of the publication bucket (Iceberg data and metadata, under `<target>/`). */
  publicationBucketName: string;
  /** Physical name of the lake bucket (`glue/` scripts, `runs/` manifests, `athena/` query results). */
  lakeBucketName: string;
  /** Glue database per target name, from `publicationDatabaseName()`. */
  databases: Record<string, string>;
  /** Athena workgroup name. */
  workgroupName: string;
  /** The lake account's key; both buckets and Athena's results are encrypted with it. */
  kmsKeyArn: pulumi.Input<string>;
  /** The Glue apply script, relative to the project root. Defaults to `handlers/glue/apply_changes.py`. */
  applyScriptPath?: string;
  /** Athena cancels a query that would scan more. Defaults to 10 GiB: a runaway query costs cents, not dollars. */
  bytesScannedCutoffPerQuery?: number;
  /** Days Athena query results are kept. Defaults to 30. */
  queryResultDays?: number;
  /**
   * Protect both buckets (`protect`), so no update can delete them until someone unprotects them on purpose. Off by
   * default: they are retained whatever this says; protection is the stack's choice (`cdc:protectData`, on in prod).
   */
  protectData?: boolean;
  /**
   * Roles in another account that may read the pollers' state documents (`state/*`): the DMS reconciler's, which
   * compares what each target applied with DMS's counts. None by default: a reader in this account needs only IAM.
   */
  stateReaders?: pulumi.Input<pulumi.Input<string>[]>;
}

export class AthenaPublication extends pulumi.ComponentResource {
  readonly publicationBucketName: pulumi.Output<string>;
  readonly publicationBucketArn: pulumi.Output<string>;
  readonly lakeBucketName: pulumi.Output<string>;
  readonly lakeBucketArn: pulumi.Output<string>;
  /** `s3://<lake>/glue/<script>`: the apply job's script location. */
  readonly applyScriptUri: pulumi.Output<string>;
  /** Key of the apply script in the lake bucket, for the job role's read grant. */
  readonly applyScriptKey: string;
  readonly workgroupName: pulumi.Output<string>;

  constructor(name: string, args: AthenaPublicationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Declared as `Publication` before it took the design card's name; the alias keeps every child where it is.
    super(
      "cdc:lake:AthenaPublication",
      name,
      {},
      {
        ...opts,
        aliases: [{ type: "cdc:lake:Publication" }, ...(opts?.aliases ?? [])],
      },
    );
    const fail = argsChecker("AthenaPublication", name, this);
    if (Object.keys(args.databases).length === 0) fail("databases needs at least one target");
    for (const [target, db] of Object.entries(args.databases)) {
      if (!/^[a-z0-9_]{1,255}$/.test(db))
        fail(`database of target ${target} must be lower-case letters, digits and _, got ${db}`);
    }
    const cutoff = args.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3;
    if (!Number.isInteger(cutoff) || cutoff < 10 * 1024 ** 2)
      fail("bytesScannedCutoffPerQuery must be at least 10 MiB (Athena's minimum)");
    const resultDays = args.queryResultDays ?? 30;
    if (!isIntIn(resultDays, 1, 3650)) fail("queryResultDays must be 1–3650");
    const child = { parent: this };

    // Iceberg never rewrites a file in place; its snapshots are the history, so S3 versions would only double the bill.
    const publication = new SecureBucket(
      `${name}-publication`,
      { bucketName: args.publicationBucketName, kmsKeyArn: args.kmsKeyArn, versioning: false, protect: args.protectData },
      child,
    );
    const lake = new SecureBucket(
      `${name}-lake`,
      {
        bucketName: args.lakeBucketName,
        kmsKeyArn: args.kmsKeyArn,
        // Manifests are kept: a pending one is the only record of files whose messages the poller already consumed.
        versioning: true,
        lifecycleRules: [
          { id: "expire-old-versions", noncurrentVersionExpirationDays: 30 },
          { id: "expire-query-results", prefix: "athena/", expirationDays: resultDays },
        ],
        policyStatements: args.stateReaders
          ? [
              {
                Sid: "StateReadersReadState",
                Effect: "Allow",
                Principal: { AWS: awsPrincipal(args.stateReaders) },
                Action: "s3:GetObject",
                Resource: `arn:aws:s3:::${args.lakeBucketName}/state/*`,
              },
            ]
          : undefined,
        protect: args.protectData,
      },
      child,
    );
    const scriptPath = args.applyScriptPath ?? "handlers/glue/apply_changes.py";
    this.applyScriptKey = `glue/${path.basename(scriptPath)}`;
    const script = new aws.s3.BucketObjectv2(
      `${name}-apply-script`,
      {
        bucket: lake.bucketName,
        key: this.applyScriptKey,
        source: new pulumi.asset.FileAsset(path.resolve(PROJECT_ROOT, scriptPath)),
      },
      { parent: this, dependsOn: [lake] },
    );
    for (const [target, db] of Object.entries(args.databases)) {
      new aws.glue.CatalogDatabase(
        `${name}-db-${target}`,
        {
          name: db,
          description: `CDC publication of target ${target} (Iceberg tables, one per source table)`,
          locationUri: pulumi.interpolate`s3://${publication.bucketName}/${target}/`,
        },
        child,
      );
    }
    const workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        name: args.workgroupName,
        description: "Queries over the CDC publication",
        state: "ENABLED",
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: cutoff,
          engineVersion: { selectedEngineVersion: "Athena engine version 3" },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${lake.bucketName}/athena/`,
            encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: args.kmsKeyArn },
          },
        },
      },
      child,
    );

    this.publicationBucketName = publication.bucketName;
    this.publicationBucketArn = publication.arn;
    this.lakeBucketName = lake.bucketName;
    this.lakeBucketArn = lake.arn;
    this.applyScriptUri = pulumi.interpolate`s3://${lake.bucketName}/${script.key}`;
    this.workgroupName = workgroup.name;
    this.registerOutputs({
      publicationBucketName: this.publicationBucketName,
      lakeBucketName: this.lakeBucketName,
      applyScriptUri: this.applyScriptUri,
      workgroupName: this.workgroupName,
    });
  }
}
