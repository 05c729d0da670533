/**
 * The Glue job that validates raw files too large for the Lambda to check from their footer alone. Its script is a
 * repository file uploaded as an asset to the pipeline's artifacts bucket; its role gets the caller's statements plus
 * reading that script, writing its logs and metrics; a security configuration encrypts its logs and anything it writes
 * with the pipeline key.
 */
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { PROJECT_ROOT } from "./bundle";
import { alertOnFailedRuns, glueRuntimeStatements } from "./glue-job";
import { glueSecurityConfiguration } from "./glue-security-configuration";
import { assumeRolePolicy, policyDocument, type PolicyStatementInput } from "./iam";
import { SecureBucket } from "./secure-bucket";

export interface LargeFileJobArgs {
  /** Physical Glue job name; also its role's name. */
  jobName: string;
  accountId: string;
  /** The PySpark script, relative to the project root. */
  scriptPath: string;
  /** Physical name of the bucket scripts are uploaded to. */
  artifactsBucketName: string;
  /**
   * Key encrypting the artifacts bucket, the job's data access and, through its security configuration (named like the
   * job), its logs and bookmarks; its policy must let the region's CloudWatch Logs use it (KmsKey `logsRegion`).
   */
  kmsKeyArn: pulumi.Input<string>;
  /** Everything the job may do with data, as exact statements. */
  policyStatements: pulumi.Input<PolicyStatementInput[]>;
  /** Workers of the job (G.1X). Defaults to 2. */
  workers?: number;
  /** Minutes before a run is stopped. Defaults to 60. */
  timeoutMinutes?: number;
  /** Where failed runs are reported: their files wait in raw until someone looks. */
  alertTopicArn: pulumi.Input<string>;
  /** Job arguments every run gets (the Lambda adds the file's own at StartJobRun). */
  defaultArguments?: Record<string, pulumi.Input<string>>;
}

export class LargeFileJob extends pulumi.ComponentResource {
  readonly jobName: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  /** ARN of the job's role, for resource policies on the other side (the lake) that must name it. */
  readonly roleArn: pulumi.Output<string>;
  /**
   * The role's unique id (AROA…): SQS names it as the `SenderId` of what a session of the role sends, so the validate
   * Lambda trusts a verdict only with it. Unlike the name, a deleted and re-created role gets a new one.
   */
  readonly roleUniqueId: pulumi.Output<string>;

  constructor(name: string, args: LargeFileJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:ingestion:LargeFileJob", name, {}, opts);
    const fail = argsChecker("LargeFileJob", name, this);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(args.jobName))
      fail(`jobName must be 1–64 letters, digits, _ or -, got ${JSON.stringify(args.jobName)}`);
    if (!args.scriptPath.endsWith(".py")) fail(`scriptPath must be a Python script, got ${args.scriptPath}`);
    const child = { parent: this };

    const artifacts = new SecureBucket(
      `${name}-artifacts`,
      {
        bucketName: args.artifactsBucketName,
        kmsKeyArn: args.kmsKeyArn,
        versioning: true,
        lifecycleRules: [{ id: "expire-old-versions", noncurrentVersionExpirationDays: 30 }],
      },
      child,
    );
    const scriptKey = `glue/${path.basename(args.scriptPath)}`;
    const script = new aws.s3.BucketObjectv2(
      `${name}-script`,
      {
        bucket: artifacts.bucketName,
        key: scriptKey,
        source: new pulumi.asset.FileAsset(path.resolve(PROJECT_ROOT, args.scriptPath)),
      },
      { parent: this, dependsOn: [artifacts] },
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      { name: args.jobName, assumeRolePolicy: assumeRolePolicy("glue.amazonaws.com") },
      child,
    );
    const statements = pulumi
      .all([args.policyStatements, artifacts.arn])
      .apply(([extra, bucketArn]) => [
        ...glueRuntimeStatements(args.accountId, `${bucketArn}/${scriptKey}`),
        ...(extra as PolicyStatementInput[]),
      ]);
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.name, name: "least-privilege", policy: policyDocument(statements) },
      child,
    );
    const security = glueSecurityConfiguration(
      `${name}-security`,
      { configurationName: args.jobName, kmsKeyArn: args.kmsKeyArn },
      { parent: this },
    );
    const job = new aws.glue.Job(
      `${name}-job`,
      {
        name: args.jobName,
        roleArn: role.arn,
        securityConfiguration: security.name,
        glueVersion: "5.0",
        workerType: "G.1X",
        numberOfWorkers: args.workers ?? 2,
        timeout: args.timeoutMinutes ?? 60,
        // The job only reads and answers, so a retry after a transient failure is safe; after that, the alert.
        maxRetries: 2,
        executionProperty: { maxConcurrentRuns: 20 },
        command: {
          name: "glueetl",
          pythonVersion: "3",
          scriptLocation: pulumi.interpolate`s3://${artifacts.bucketName}/${script.key}`,
        },
        defaultArguments: {
          "--job-language": "python",
          "--enable-metrics": "true",
          "--enable-continuous-cloudwatch-log": "true",
          ...args.defaultArguments,
        },
      },
      { parent: this, dependsOn: [policy] },
    );

    alertOnFailedRuns(
      `${name}-failed`,
      {
        ruleName: `${args.jobName}-failed`,
        description: `Runs of ${args.jobName} that failed: the file stays in raw; fix the cause and re-run the job on it`,
        jobName: job.name,
        alertTopicArn: args.alertTopicArn,
      },
      child,
    );

    this.jobName = job.name;
    this.arn = job.arn;
    this.roleArn = role.arn;
    this.roleUniqueId = role.uniqueId;
    this.registerOutputs({ jobName: this.jobName, arn: this.arn, roleArn: this.roleArn, roleUniqueId: this.roleUniqueId });
  }
}
