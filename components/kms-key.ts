/**
 * The customer-managed KMS key of one pipeline in one account. Buckets, queues and the alert topic on that side are
 * encrypted with it, so access to the data is granted in one place (this key policy) as well as in IAM — which is what
 * makes the cross-account grant to the validate role exact.
 *
 * The key and its alias are `retainOnDelete`: a key leaving the program must not be scheduled for deletion, or every
 * object still encrypted with it (in retained buckets) becomes unreadable once the window passes. Deleting one is a
 * deliberate, separate act (docs/retiring-a-source.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { policyDocument, type PolicyStatementInput } from "./iam";

/** Key administration for the account's own IAM (no `kms:*`, so the policy pack's no-wildcard rule holds here too). */
export const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
];

/** What a principal that reads and writes encrypted data needs. */
export const KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

/**
 * What the named roles get: exactly what writing SSE-KMS objects (GenerateDataKey) and reading them back or completing
 * multipart uploads (Decrypt) takes. Across accounts this key policy is the lake's own limit, whatever the other
 * account's IAM later allows its role.
 */
export const KEY_USER_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"];

export interface KmsKeyArgs {
  /** The 12-digit account the key lives in; its IAM administers the key and may delegate use through IAM policies. */
  accountId: string;
  /** Alias without the `alias/` prefix, e.g. `cdc-prod-sales`; operators find the key by it. */
  alias: string;
  /** What the key protects, shown in the console. */
  description: string;
  /**
   * AWS services in this account that encrypt with the key on the pipeline's behalf (`events.amazonaws.com` for alerts,
   * `cloudwatch.amazonaws.com` for alarms). Each is limited to this account with `aws:SourceAccount`.
   */
  services?: string[];
  /**
   * AWS services that send to SQS queues encrypted with the key (`s3.amazonaws.com` for bucket notifications,
   * `sns.amazonaws.com`, `events.amazonaws.com`): SQS makes them generate and decrypt the message's data key. Not limited
   * by `aws:SourceAccount`, as AWS documents this grant: which bucket, topic or rule may send at all is the queue
   * policy's to say, and they use the key for nothing but those messages.
   */
  queueSenders?: string[];
  /**
   * The region whose CloudWatch Logs encrypts this account's log groups with the key (`logs.<region>.amazonaws.com`,
   * limited by `kms:EncryptionContext:aws:logs:arn` to log groups of this account and region): Lambda log groups and the
   * logs of Glue jobs whose security configuration names the key. Without it a log group with this key fails to create.
   */
  logsRegion?: string;
  /**
   * Services through which any principal of this account may use the key, as AWS-managed keys allow
   * (`kms:ViaService`, `kms:CallerAccount`): `glue.<region>.amazonaws.com` for an encrypted Data Catalog, whose readers
   * are governed by Glue's own permissions, so every role that reads the catalog needs no key grant of its own.
   */
  viaServices?: string[];
  /** Roles, possibly in another account, allowed {@link KEY_USER_ACTIONS} by exact ARN (the cross-account writers). */
  users?: pulumi.Input<pulumi.Input<string>[]>;
  /** Roles, possibly in another account, allowed only `kms:Decrypt` by exact ARN (cross-account readers: the DMS reconciler). */
  readers?: pulumi.Input<pulumi.Input<string>[]>;
  /** Days before a deleted key is gone (7–30). Defaults to 30: a key deleted by mistake makes every object unreadable. */
  deletionWindowInDays?: number;
  /**
   * Mark the key and alias `protect`, so no update can delete or replace them until someone unprotects them on purpose.
   * Off by default (a parent's `protect` still applies): retention already keeps the key; the stack turns this on where
   * a retirement should take two deliberate steps (`cdc:protectData`, on in prod).
   */
  protect?: boolean;
}

export class KmsKey extends pulumi.ComponentResource {
  /** ARN of the key, for encryption settings and IAM policies. */
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: KmsKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:security:KmsKey", name, {}, opts);
    validate(name, args, this);
    // The alias is retained with the key, so an operator still finds a retired source's key by name.
    const child: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: true, protect: args.protect };

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: args.description,
        enableKeyRotation: true,
        deletionWindowInDays: args.deletionWindowInDays ?? 30,
        policy: policyDocument(keyPolicyStatements(args)),
      },
      child,
    );
    new aws.kms.Alias(`${name}-alias`, { name: `alias/${args.alias}`, targetKeyId: key.arn }, child);

    this.arn = key.arn;
    this.registerOutputs({ arn: this.arn });
  }
}

/** The key policy: the account administers, listed services and exact roles use. Resource is `*` (this key) by design. */
export function keyPolicyStatements(args: KmsKeyArgs): pulumi.Output<PolicyStatementInput[]> {
  return pulumi.all([args.users ?? [], args.readers ?? []]).apply(([users, readers]) => {
    const statements: PolicyStatementInput[] = [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${args.accountId}:root` },
        Action: [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS],
        Resource: "*",
      },
    ];
    if (args.services && args.services.length > 0) {
      statements.push({
        Sid: "ServicesOfThisAccountUse",
        Effect: "Allow",
        Principal: { Service: [...args.services].sort() },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
      });
    }
    if (args.queueSenders && args.queueSenders.length > 0) {
      statements.push({
        Sid: "QueueSendersUse",
        Effect: "Allow",
        Principal: { Service: [...args.queueSenders].sort() },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
      });
    }
    if (args.logsRegion !== undefined) {
      statements.push({
        Sid: "CloudWatchLogsUse",
        Effect: "Allow",
        Principal: { Service: `logs.${args.logsRegion}.amazonaws.com` },
        Action: KEY_USE_ACTIONS,
        Resource: "*",
        Condition: {
          ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${args.logsRegion}:${args.accountId}:log-group:*` },
        },
      });
    }
    if (args.viaServices && args.viaServices.length > 0) {
      statements.push({
        Sid: "AccountUsesThroughServices",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: KEY_USE_ACTIONS,
        Resource: "*",
        Condition: {
          StringEquals: { "kms:CallerAccount": args.accountId, "kms:ViaService": [...args.viaServices].sort() },
        },
      });
    }
    if (users.length > 0) {
      statements.push({
        Sid: "PipelineRolesUse",
        Effect: "Allow",
        Principal: { AWS: users.length === 1 ? users[0] : users },
        Action: KEY_USER_ACTIONS,
        Resource: "*",
      });
    }
    if (readers.length > 0) {
      statements.push({
        Sid: "PipelineRolesRead",
        Effect: "Allow",
        Principal: { AWS: readers.length === 1 ? readers[0] : readers },
        Action: "kms:Decrypt",
        Resource: "*",
      });
    }
    return statements;
  });
}

function validate(name: string, args: KmsKeyArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("KmsKey", name, resource);
  if (!/^\d{12}$/.test(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);
  if (!/^[A-Za-z0-9/_-]{1,250}$/.test(args.alias) || args.alias.startsWith("aws/") || args.alias.startsWith("alias/")) {
    fail(
      `alias must be 1–250 of [A-Za-z0-9/_-], without the alias/ prefix and not under aws/, got ${JSON.stringify(args.alias)}`,
    );
  }
  if (args.logsRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(args.logsRegion)) {
    fail(`logsRegion must be a region name such as eu-west-2, got ${JSON.stringify(args.logsRegion)}`);
  }
  const window = args.deletionWindowInDays ?? 30;
  if (!isIntIn(window, 7, 30)) fail(`deletionWindowInDays must be 7–30, got ${window}`);
}
