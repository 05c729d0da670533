/**
 * What a target's poller and apply job may do, as exact IAM statements: the poller drains its queue, keeps its
 * manifests and runs its job; the job reads manifests and batch files, writes its Iceberg tables and reaches MySQL.
 */
import * as pulumi from "@pulumi/pulumi";
import type { BucketRef, GlueTargetArgs } from "./glue-target";
import { glueRuntimeStatements } from "./glue-job";
import type { PolicyStatementInput } from "./iam";

/**
 * The poller: drain its queue, keep its manifests and its tables' state, find unapplied files in harmonized, alert on
 * a held table, start and watch its job.
 */
export function pollStatements(r: {
  queueArn: pulumi.Input<string>;
  lake: BucketRef;
  runsPrefix: string;
  statePrefix: string;
  harmonized: BucketRef;
  alertTopicArn: pulumi.Input<string>;
  jobArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  /** The target's table optimizers: the role Glue runs them with, and where the target's tables are. */
  optimizer: { roleArn: pulumi.Input<string>; accountId: string; region: string; database: string };
}): PolicyStatementInput[] {
  const glue = (what: string) => `arn:aws:glue:${r.optimizer.region}:${r.optimizer.accountId}:${what}`;
  const db = r.optimizer.database;
  return [
    {
      Sid: "ConsumeTargetQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
      Resource: r.queueArn,
    },
    {
      Sid: "ManageRuns",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: pulumi.interpolate`${r.lake.arn}/${r.runsPrefix}*`,
    },
    // Key names of the lake bucket, without a prefix condition: S3 answers a read of a missing key (no checkpoint or
    // table state yet on a new target) with 404 only to a caller that may list the bucket, and checks that list
    // permission without a prefix. Limited to runs/, the first tick's NoSuchKey became a 403 and the poller failed.
    { Sid: "ListLake", Effect: "Allow", Action: "s3:ListBucket", Resource: r.lake.arn },
    // The target's state document (conditional writes: reads and writes of this one prefix, never a delete).
    {
      Sid: "KeepTableState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: pulumi.interpolate`${r.lake.arn}/${r.statePrefix}*`,
    },
    // Key names only, no object is read: a condition per table prefix would outgrow the policy size for large sources.
    { Sid: "FindUnappliedFiles", Effect: "Allow", Action: "s3:ListBucket", Resource: r.harmonized.arn },
    { Sid: "AlertHeldTables", Effect: "Allow", Action: "sns:Publish", Resource: r.alertTopicArn },
    { Sid: "RunApplyJob", Effect: "Allow", Action: ["glue:StartJobRun", "glue:GetJobRuns"], Resource: r.jobArn },
    { Sid: "UseLakeKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: r.kmsKeyArn },
    // Each table the apply job created gets its optimizers once applied (handlers/core/poller/table-optimizers.ts).
    {
      Sid: "EnableTableOptimizers",
      Effect: "Allow",
      Action: ["glue:CreateTableOptimizer", "glue:UpdateTableOptimizer"],
      Resource: [glue("catalog"), glue(`database/${db}`), glue(`table/${db}/*`)],
    },
    {
      Sid: "PassOptimizerRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: r.optimizer.roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "glue.amazonaws.com" } },
    },
  ];
}

/** The apply job: read manifests and batch files, write the target's Iceberg tables, mark runs done, reach MySQL. */
export function applyJobStatements(
  r: Pick<
    GlueTargetArgs,
    "accountId" | "region" | "harmonized" | "lake" | "applyScript" | "publication" | "kmsKeyArn" | "mysql" | "targetName"
  > & {
    runsPrefix: string;
    connectionArn?: pulumi.Input<string>;
  },
): pulumi.Output<PolicyStatementInput[]> {
  const glue = (what: string) => `arn:aws:glue:${r.region}:${r.accountId}:${what}`;
  const db = r.publication.database;
  return pulumi.output(r.lake.arn).apply((lakeArn) => {
    const statements: PolicyStatementInput[] = [
      ...glueRuntimeStatements(r.accountId, `${lakeArn}/${r.applyScript.key}`),
      { Sid: "ReadManifests", Effect: "Allow", Action: "s3:GetObject", Resource: `${lakeArn}/${r.runsPrefix}*.json` },
      { Sid: "MarkRunsDone", Effect: "Allow", Action: "s3:PutObject", Resource: `${lakeArn}/${r.runsPrefix}*.done` },
      { Sid: "ReadHarmonized", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${r.harmonized.arn}/*` },
      {
        Sid: "WritePublication",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: pulumi.interpolate`${r.publication.arn}/${r.targetName}/*`,
      },
      // Spark lists a path before reading it; Iceberg lists only its own table locations.
      {
        Sid: "ListData",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: [r.harmonized.arn, r.publication.arn],
      },
      { Sid: "UseLakeKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: r.kmsKeyArn },
      {
        Sid: "ManageTargetTables",
        Effect: "Allow",
        Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable"],
        Resource: [glue("catalog"), glue(`database/${db}`), glue(`table/${db}/*`)],
      },
    ];
    if (r.mysql && r.connectionArn !== undefined) {
      statements.push(
        {
          Sid: "ReadMySqlConnection",
          Effect: "Allow",
          Action: "glue:GetConnection",
          Resource: [glue("catalog"), r.connectionArn],
        },
        { Sid: "ReadMySqlSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: r.mysql.secretArn },
        // Only through Secrets Manager, and only when the secret has its own key (a cross-account secret must).
        ...(r.mysql.secretKmsKeyArn
          ? [
              {
                Sid: "DecryptMySqlSecret",
                Effect: "Allow" as const,
                Action: "kms:Decrypt",
                Resource: r.mysql.secretKmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${r.region}.amazonaws.com` } },
              },
            ]
          : []),
        // Glue places the job's network interfaces in the connection's subnet; EC2 scopes none of these to a resource.
        {
          Sid: "RunInVpc",
          Effect: "Allow",
          Action: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeRouteTables",
            "ec2:DescribeVpcAttribute",
          ],
          Resource: "*",
        },
        {
          Sid: "RemoveNetworkInterfaces",
          Effect: "Allow",
          Action: "ec2:DeleteNetworkInterface",
          Resource: `arn:aws:ec2:${r.region}:${r.accountId}:network-interface/*`,
        },
        {
          Sid: "TagNetworkInterfaces",
          Effect: "Allow",
          Action: ["ec2:CreateTags", "ec2:DeleteTags"],
          Resource: `arn:aws:ec2:${r.region}:${r.accountId}:network-interface/*`,
          Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["aws-glue-service-resource"] } },
        },
      );
    }
    return statements;
  });
}
