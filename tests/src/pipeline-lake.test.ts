/**
 * The lake side of the example stacks under the strict mocks: the fan-out, each target's queue, poller and apply job,
 * the publication and Athena — where they are declared and how the stack file's targets configure them.
 */
import * as path from "node:path";
import { statement } from "../components/helpers";
import type { RecordedResource } from "../support/pulumi-mocks";
import { accountOf, one } from "../support/resources";
import { engineConfig, PROJECT_DIR, runProgram, runStack } from "../support/stack";

describe("the prod stack's lake side", () => {
  const LAKE = "555555555555";
  let resources: RecordedResource[];
  beforeAll(async () => {
    resources = (await runStack("prod")).mocks.resources;
  });

  it("puts the fan-out, every target's queue, poller and job, the publication and Athena in the lake account", () => {
    for (const [type, name] of [
      ["aws:lambda/function:Function", "prod-sales-fan-out-function-function"],
      ["aws:sqs/queue:Queue", "prod-sales-fan-out-queue-finance-queue"],
      ["aws:lambda/function:Function", "prod-sales-target-finance-poll-function"],
      ["aws:glue/job:Job", "prod-sales-target-reporting-job"],
      ["aws:glue/connection:Connection", "prod-sales-target-reporting-mysql"],
      ["aws:s3/bucket:Bucket", "prod-sales-publication-publication-bucket"],
      ["aws:athena/workgroup:Workgroup", "prod-sales-publication-workgroup"],
    ])
      expect([name, accountOf(resources, type, name)]).toEqual([name, LAKE]);
  });

  it("fans each validated file out to the targets of the stack file, with their table globs", () => {
    const fn = one(resources, "aws:lambda/function:Function", "prod-sales-fan-out-function-function");
    const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    expect(JSON.parse(env.TARGETS)).toEqual([
      { name: "reporting", tables: ["dbo.*"], queueUrl: `https://sqs.eu-west-2.amazonaws.com/${LAKE}/cdc-prod-sales-reporting` },
      {
        name: "finance",
        tables: ["dbo.Invoice*", "dbo.Payment", "billing.*"],
        queueUrl: `https://sqs.eu-west-2.amazonaws.com/${LAKE}/cdc-prod-sales-finance`,
      },
    ]);
    const policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "prod-sales-fan-out-function-policy");
    expect(statement(policy, "SendToTargets").Resource).toEqual([
      `arn:aws:sqs:eu-west-2:${LAKE}:cdc-prod-sales-reporting`,
      `arn:aws:sqs:eu-west-2:${LAKE}:cdc-prod-sales-finance`,
    ]);
  });

  it("schedules each poller as its target says and applies to MySQL only where the target names one", () => {
    const rule = (target: string) => one(resources, "aws:cloudwatch/eventRule:EventRule", `prod-sales-target-${target}-schedule`);
    expect(rule("reporting").inputs.scheduleExpression).toBe("rate(2 minutes)");
    expect(rule("finance").inputs.scheduleExpression).toBe("rate(15 minutes)");
    const args = (target: string) =>
      one(resources, "aws:glue/job:Job", `prod-sales-target-${target}-job`).inputs.defaultArguments as Record<string, string>;
    expect(args("reporting")["--mysql_connection"]).toBe("cdc-prod-sales-reporting-mysql");
    expect(args("finance")["--mysql_connection"]).toBeUndefined();
    // The connection's interfaces go into the stack's first subnet, in a security group of the stack's VPC.
    const connection = one(resources, "aws:glue/connection:Connection", "prod-sales-target-reporting-mysql");
    expect(connection.inputs.physicalConnectionRequirements).toMatchObject({
      subnetId: "subnet-0f1e2d3c4b5a60001",
      availabilityZone: "eu-west-2b",
    });
    expect(one(resources, "aws:ec2/securityGroup:SecurityGroup", "prod-sales-target-reporting-mysql-sg").inputs.vpcId).toBe(
      "vpc-0f1e2d3c4b5a69788",
    );
  });

  it("refuses a MySQL target in a separate lake account when the VPC is created in the ingestion account", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.prod.yaml"));
    config["cdc:network"] = JSON.stringify({ create: { cidrBlock: "10.20.0.0/16" } });
    await expect(runProgram(config, { stack: "prod" })).rejects.toThrow(
      "target reporting writes to MySQL from the lake account, but cdc:network creates its VPC in the ingestion account",
    );
  });
});
