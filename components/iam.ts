/**
 * IAM policy documents as typed values. Every policy in the components is written as a list of statements that the
 * tests compare exactly, then rendered to JSON once all ARNs are known — the reviewed shape is the deployed shape.
 */
import * as pulumi from "@pulumi/pulumi";

/** One statement of an identity or resource policy. Actions are always listed; `*` actions are never used. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

type Arns = pulumi.Input<string> | pulumi.Input<string>[] | pulumi.Output<string[]> | pulumi.Output<string | string[]>;

/** A statement whose ARNs may still be outputs. */
export type PolicyStatementInput = pulumi.Input<{
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: Arns; Service?: string | string[] };
  Action: string | string[];
  Resource?: Arns;
  Condition?: Record<string, Record<string, Arns>>;
}>;

/** Renders statements (ARNs may be outputs) to a policy document JSON string. */
export function policyDocument(statements: pulumi.Input<PolicyStatementInput[]>): pulumi.Output<string> {
  return pulumi
    .output(statements)
    .apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s as unknown as PolicyStatement[] }));
}

/** Trust policy letting one AWS service assume a role, optionally only on behalf of one account (confused deputy). */
export function assumeRolePolicy(service: string, sourceAccount?: string): string {
  const statement: PolicyStatement = {
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } } : {}),
  };
  return JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
}

/** The statement every bucket policy starts with: refuse any request not made over TLS. */
export function denyInsecureTransport(bucketArn: pulumi.Input<string>): PolicyStatementInput {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: pulumi.all([bucketArn]).apply(([arn]) => [arn, `${arn}/*`]),
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** The statement every queue policy ends with: refuse any request not made over TLS. */
export function denyInsecureQueueTransport(queueArn: pulumi.Input<string>): PolicyStatementInput {
  return {
    Sid: "TlsOnly",
    Effect: "Deny",
    Principal: "*",
    Action: "sqs:*",
    Resource: queueArn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * The `AWS` principal naming exactly these roles: one ARN as a string, several as a list (the shape IAM itself
 * returns, so reading a policy back shows no difference).
 */
export function awsPrincipal(arns: pulumi.Input<pulumi.Input<string>[]>): pulumi.Output<string | string[]> {
  return pulumi.output(arns).apply((a) => (a.length === 1 ? a[0] : a));
}

/** ARN of a role from its account and name, for policies that must name a role before it exists in code order. */
export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}
