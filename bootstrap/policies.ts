/**
 * The bootstrap's IAM and resource policies as plain values: trust policies, the preview role's own policy, the state
 * bucket's policy and its key policy. Built here, compared whole by the tests, rendered to JSON once ARNs are known.
 */
import * as pulumi from "@pulumi/pulumi";

/** GitHub's OIDC issuer (host, as IAM names its condition keys) and the audience configure-aws-credentials asks for. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** AWS managed policies the roles get. */
export const ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess";
export const READ_ONLY_ACCESS = "arn:aws:iam::aws:policy/ReadOnlyAccess";

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: string | string[]; Federated?: string; Service?: string };
  Action: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

export const document = (statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** Renders a document whose ARNs are still outputs. */
export function render(doc: pulumi.Input<PolicyDocument>): pulumi.Output<string> {
  return pulumi.output(doc).apply((d) => JSON.stringify(d));
}

/** The OIDC subject GitHub gives a job that runs in `environment` of `owner/repository`. */
export function environmentSubject(owner: string, repository: string, environment: string): string {
  return `repo:${owner}/${repository}:environment:${environment}`;
}

export const roleArn = (accountId: string, name: string): string => `arn:aws:iam::${accountId}:role/${name}`;

export interface TrustArgs {
  /** ARN of the account's GitHub OIDC provider. */
  oidcProviderArn: string;
  /** The exact OIDC subjects (`repo:<owner>/<repo>:environment:<env>`) that may assume the role from a workflow. */
  subjects: string[];
  /**
   * The roles that may assume it by chaining (the Pulumi providers' `assumeRoles`): the role itself (the workflow enters
   * it, then the provider of its own account assumes it again) and the same role in the stack's other account.
   */
  chainFrom: string[];
  /** Required as `sts:ExternalId` on chained assumptions, when the stack file sets one for the account. */
  externalId?: string;
}

/**
 * A role's trust policy: GitHub's token for exactly the listed subjects (StringEquals, no wildcards) and audience, and
 * the listed roles by exact ARN. Those are named through their accounts with `aws:PrincipalArn`, because IAM refuses a
 * trust policy naming a role that does not exist yet — the role itself, at creation.
 */
export function trustPolicy(args: TrustArgs): PolicyDocument {
  const accounts = [...new Set(args.chainFrom.map((arn) => arn.split(":")[4]))].sort();
  const chainCondition: Record<string, Record<string, string | string[]>> = {
    ArnEquals: { "aws:PrincipalArn": one([...args.chainFrom].sort()) },
  };
  if (args.externalId !== undefined) chainCondition.StringEquals = { "sts:ExternalId": args.externalId };
  return document([
    {
      Sid: "GitHubEnvironment",
      Effect: "Allow",
      Principal: { Federated: args.oidcProviderArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: one([...args.subjects].sort()),
        },
      },
    },
    {
      Sid: "ChainedFromTheStacksRoles",
      Effect: "Allow",
      Principal: { AWS: one(accounts.map((a) => `arn:aws:iam::${a}:root`)) },
      Action: "sts:AssumeRole",
      Condition: chainCondition,
    },
  ]);
}

/**
 * Reads a pull-request preview must never make, although ReadOnlyAccess allows them: object contents (pipeline data;
 * only the state bucket is readable), queue messages, secret and parameter values, query results and table items.
 * The code a preview runs has not been reviewed yet.
 */
export const DATA_READ_ACTIONS = [
  "athena:GetQueryResults",
  "dynamodb:BatchGetItem",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "secretsmanager:GetSecretValue",
  "sqs:ReceiveMessage",
  "ssm:GetParameter",
  "ssm:GetParameterHistory",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
];
export const OBJECT_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"];

export interface PreviewPolicyArgs {
  /** The preview roles this one may chain to: itself and the same role in the stack's other account. */
  chainTo: string[];
  /** ARN pattern of the deploy roles (`arn:aws:iam::*:role/<deployRoleName>`): never assumable from a preview. */
  deployRolePattern: string;
  /** The state bucket and its key, when this account holds one: read and decrypt, nothing else. */
  state?: { bucketArn: string; keyArn: string };
}

/** The preview role's own policy, next to ReadOnlyAccess. */
export function previewPolicy(args: PreviewPolicyArgs): PolicyDocument {
  const statements: Statement[] = [
    // ReadOnlyAccess grants no sts:AssumeRole; a same-account trust through the account root needs the caller's IAM too.
    { Sid: "ChainToPreviewRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: one([...args.chainTo].sort()) },
    { Sid: "NeverDeploy", Effect: "Deny", Action: "sts:AssumeRole", Resource: args.deployRolePattern },
    { Sid: "NoDataReads", Effect: "Deny", Action: DATA_READ_ACTIONS, Resource: "*" },
  ];
  if (args.state) {
    const { bucketArn, keyArn } = args.state;
    statements.push(
      { Sid: "ListState", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: bucketArn },
      { Sid: "ReadState", Effect: "Allow", Action: OBJECT_READ_ACTIONS, Resource: `${bucketArn}/*` },
      { Sid: "DecryptState", Effect: "Allow", Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: keyArn },
      { Sid: "NoObjectReadsButState", Effect: "Deny", Action: OBJECT_READ_ACTIONS, NotResource: `${bucketArn}/*` },
    );
  } else {
    statements.push({ Sid: "NoObjectReads", Effect: "Deny", Action: OBJECT_READ_ACTIONS, Resource: "*" });
  }
  return document(statements);
}

/** Key administration by the account's IAM, listed (no `kms:*`). */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:Create*",
  "kms:Delete*",
  "kms:Describe*",
  "kms:Disable*",
  "kms:Enable*",
  "kms:Get*",
  "kms:List*",
  "kms:Put*",
  "kms:Revoke*",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:Update*",
];
export const KEY_USE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"];

/** The state key's policy: the account administers and uses it; who may is then decided by IAM (deploy: all, preview: decrypt). */
export function stateKeyPolicy(accountId: string): PolicyDocument {
  return document([
    {
      Sid: "AccountAdministersAndUses",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS],
      Resource: "*",
    },
  ]);
}

/** The state bucket's policy: TLS only, and no object written with any encryption but the bucket's own key. */
export function stateBucketPolicy(bucketArn: string, keyArn: string): PolicyDocument {
  return document([
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOtherEncryption",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: {
        Null: { "s3:x-amz-server-side-encryption": "false" },
        StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
      },
    },
    {
      Sid: "DenyOtherKeys",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: {
        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
      },
    },
  ]);
}

/** IAM's own shape: one value as a string, several as a list. */
function one(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}
