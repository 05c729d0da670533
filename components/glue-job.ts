/**
 * What every Glue job of the pipeline shares: its runtime grants (read its own script, write its encrypted logs and its
 * metrics) and an alert on every failed run. Each job also names a security configuration
 * (components/glue-security-configuration.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatementInput } from "./iam";

/**
 * The end states Glue reports for runs that did not succeed. A stopped run is alerted too: the poller counts it as a
 * failed attempt, and enough of them block the target.
 */
export const FAILED_JOB_STATES = ["FAILED", "TIMEOUT", "STOPPED"];

/** An EventBridge rule `ruleName` sending every failed run of `jobName` to the alert topic. */
export function alertOnFailedRuns(
  name: string,
  args: { ruleName: string; description: string; jobName: pulumi.Input<string>; alertTopicArn: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.EventRule {
  const rule = new aws.cloudwatch.EventRule(
    name,
    {
      name: args.ruleName,
      description: args.description,
      eventPattern: pulumi.output(args.jobName).apply((jobName) =>
        JSON.stringify({
          source: ["aws.glue"],
          "detail-type": ["Glue Job State Change"],
          detail: { jobName: [jobName], state: FAILED_JOB_STATES },
        }),
      ),
    },
    opts,
  );
  new aws.cloudwatch.EventTarget(`${name}-alert`, { rule: rule.name, arn: args.alertTopicArn }, opts);
  return rule;
}

/** Glue's runtime needs for a job whose script is the S3 object `scriptObjectArn`, in `accountId`. */
export function glueRuntimeStatements(accountId: string, scriptObjectArn: pulumi.Input<string>): PolicyStatementInput[] {
  return [
    { Sid: "ReadScript", Effect: "Allow", Action: "s3:GetObject", Resource: scriptObjectArn },
    // AssociateKmsKey: the security configuration encrypts the logs, so Glue sets the key on each log group it creates.
    {
      Sid: "WriteJobLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
      Resource: `arn:aws:logs:*:${accountId}:log-group:/aws-glue/*`,
    },
    // CloudWatch metrics have no resource-level permissions; the namespace condition keeps this to Glue's own.
    {
      Sid: "PublishJobMetrics",
      Effect: "Allow",
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "Glue" } },
    },
  ];
}
