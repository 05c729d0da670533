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

export interface DmsServiceRolesArgs {
  /** The ingestion account; DMS may assume the roles only on its behalf. */
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
      const role = new aws.iam.Role(
        `${name}-${roleName}`,
        { name: roleName, assumeRolePolicy: assumeRolePolicy("dms.amazonaws.com", args.accountId) },
        { parent: this },
      );
      new aws.iam.RolePolicyAttachment(`${name}-${roleName}-policy`, { role: role.name, policyArn }, { parent: this });
      return role;
    });
    this.registerOutputs({});
  }
}
