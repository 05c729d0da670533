/**
 * IAM least privilege: no Allow statement grants every action of a service (`*`, `s3:*`), and `*` as a resource
 * appears only where AWS offers nothing narrower — actions without resource-level permissions, and KMS key policies,
 * where `*` means "this key".
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { documentsOf, label, list } from "./documents";

/**
 * Actions AWS authorizes only on `*` (no resource-level permissions). Keep it short and specific: each entry is a
 * reviewed exception.
 */
export const RESOURCE_STAR_ACTIONS = new Set([
  "cloudwatch:PutMetricData",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeVpcs",
  "ec2:DescribeSubnets",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeVpcEndpoints",
  "ec2:DescribeRouteTables",
  "ec2:DescribeVpcAttribute",
  "logs:CreateLogDelivery",
  "logs:DescribeLogGroups",
  "glue:GetDatabases",
  "sts:GetCallerIdentity",
  // Lists tasks: the service authorization reference names no resource type (DescribeTableStatistics has one).
  "dms:DescribeReplicationTasks",
]);

/** `*`, `s3:*`, `*:*`: every action of everything or of a service. Prefixed wildcards such as `s3:Get*` are allowed. */
export function isWildcardAction(action: string): boolean {
  return action === "*" || /^[a-z0-9-]+:\*$/i.test(action) || action === "*:*";
}

export const noWildcardActions: ResourceValidationPolicy = {
  name: "iam-no-wildcard-actions",
  description: "No IAM Allow statement grants `*` or `<service>:*` actions, or uses NotAction.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    for (const doc of documentsOf(args.type, args.props)) {
      doc.statements.forEach((s, i) => {
        if (s.Effect !== "Allow") return;
        const wild = list(s.Action).filter(isWildcardAction);
        if (wild.length > 0) report(`${label(doc, i)} allows ${wild.join(", ")}: list the actions it needs`);
        if (s.NotAction !== undefined) report(`${label(doc, i)} allows NotAction: list the actions it needs`);
      });
    }
  },
};

export const resourceWildcardOnlyWhereRequired: ResourceValidationPolicy = {
  name: "iam-resource-wildcard-only-where-required",
  description:
    "An IAM Allow statement names its resources; `*` only for actions AWS authorizes on `*` alone and in KMS key policies.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    for (const doc of documentsOf(args.type, args.props)) {
      const keyPolicy = doc.owner === "aws:kms/key:Key" || doc.owner === "aws:kms/keyPolicy:KeyPolicy";
      doc.statements.forEach((s, i) => {
        if (s.Effect !== "Allow") return;
        if (s.NotResource !== undefined) report(`${label(doc, i)} uses NotResource: name the resources it applies to`);
        if (keyPolicy || !list(s.Resource).includes("*")) return;
        const scoped = list(s.Action).filter((a) => !RESOURCE_STAR_ACTIONS.has(a));
        if (scoped.length > 0) {
          report(`${label(doc, i)} allows ${scoped.join(", ")} on "*": name the resources (ARNs) instead`);
        }
      });
    }
  },
};
