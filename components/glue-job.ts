/** What every Glue job of the pipeline may do whatever its data: read its own script, write its logs and metrics. */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatementInput } from "./iam";

/** Glue's runtime needs for a job whose script is the S3 object `scriptObjectArn`, in `accountId`. */
export function glueRuntimeStatements(accountId: string, scriptObjectArn: pulumi.Input<string>): PolicyStatementInput[] {
  return [
    { Sid: "ReadScript", Effect: "Allow", Action: "s3:GetObject", Resource: scriptObjectArn },
    {
      Sid: "WriteJobLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
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
