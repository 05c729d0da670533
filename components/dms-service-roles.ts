/**
 * The two account-wide roles AWS DMS itself expects under fixed names: `dms-vpc-role` (to manage the replication
 * instance's network interfaces) and `dms-cloudwatch-logs-role` (to write task logs). An account has each at most once,
 * so they are declared once per ingestion account, and only when the account does not have them yet — an account
 * that already ran DMS (console or another stack) owns them elsewhere.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { assumeRolePolicy } from "./iam";

/** The AWS-managed policies DMS documents for these roles; AWS requires them and keeps them current. */
export const DMS_SERVICE_ROLES = {
  "dms-vpc-role": "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
  "dms-cloudwatch-logs-role": "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole",
} as const;

/**
 * Whether a role's trust is limited to this account with `aws:SourceAccount`. AWS documents that condition for
 * dms-vpc-role (DMS 3.4.7+), but not for dms-cloudwatch-logs-role: with it, DMS cannot assume the role and task logs
 * silently stop (terraform-aws-modules/terraform-aws-dms#84), so that one keeps the plain trust AWS documents.
 */
const SOURCE_ACCOUNT_IN_TRUST: Record<keyof typeof DMS_SERVICE_ROLES, boolean> = {
  "dms-vpc-role": true,
  "dms-cloudwatch-logs-role": false,
};

export interface DmsServiceRolesArgs {
  /** The ingestion account; DMS may assume dms-vpc-role only on its behalf. */
  accountId: string;
}

export class DmsServiceRoles extends pulumi.ComponentResource {
  /** The roles, for `dependsOn` of the first DMS subnet group (DMS checks for dms-vpc-role when creating it). */
  readonly roles: aws.iam.Role[];

  constructor(name: string, args: DmsServiceRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:ingestion:DmsServiceRoles", name, {}, opts);
    const fail = argsChecker("DmsServiceRoles", name, this);
    if (!/^\d{12}$/.test(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);

    this.roles = Object.entries(DMS_SERVICE_ROLES).map(([roleName, policyArn]) => {
      const sourceAccount = SOURCE_ACCOUNT_IN_TRUST[roleName as keyof typeof DMS_SERVICE_ROLES] ? args.accountId : undefined;
      const role = new aws.iam.Role(
        `${name}-${roleName}`,
        { name: roleName, assumeRolePolicy: assumeRolePolicy("dms.amazonaws.com", sourceAccount) },
        { parent: this },
      );
      new aws.iam.RolePolicyAttachment(`${name}-${roleName}-policy`, { role: role.name, policyArn }, { parent: this });
      return role;
    });
    this.registerOutputs({});
  }
}
