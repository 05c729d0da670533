import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LambdaAlarms, recordLambdaFunctions } from "../../components/lambda-alarms";
import { one, ofType } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { testProvider } from "./helpers";

const TOPIC = "arn:aws:sns:eu-west-2:111111111111:cdc-dev-sales-alerts";

describe("LambdaAlarms", () => {
  it("alarms on each function's errors and throttles over 5 minutes, notifying the topic when they fire and clear", async () => {
    const { mocks } = await runDeclarations(() => {
      new LambdaAlarms(
        "alarms",
        { functionNames: ["cdc-dev-sales-validate", "cdc-dev-sales-fan-out"], alertTopicArn: TOPIC, errorsThreshold: 3 },
        { provider: testProvider() },
      );
      return {};
    });
    const alarms = ofType(mocks.resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => a.inputs.name).sort()).toEqual([
      "cdc-dev-sales-fan-out-errors",
      "cdc-dev-sales-fan-out-throttles",
      "cdc-dev-sales-validate-errors",
      "cdc-dev-sales-validate-throttles",
    ]);
    expect(
      one(mocks.resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "alarms-cdc-dev-sales-validate-errors").inputs,
    ).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: "cdc-dev-sales-validate" },
      statistic: "Sum",
      period: 300,
      threshold: 3,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
    expect(
      one(mocks.resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "alarms-cdc-dev-sales-fan-out-throttles").inputs,
    ).toMatchObject({
      metricName: "Throttles",
      threshold: 1,
    });
  });

  it("refuses a function listed twice and a threshold below 1, in one line", async () => {
    const declare = (args: Partial<ConstructorParameters<typeof LambdaAlarms>[1]>) =>
      runDeclarations(() => {
        new LambdaAlarms("alarms", { functionNames: ["f"], alertTopicArn: TOPIC, ...args }, { provider: testProvider() });
        return {};
      });
    await expect(declare({ functionNames: ["f", "f"] })).rejects.toThrow("LambdaAlarms alarms: function f is listed twice");
    await expect(declare({ throttlesThreshold: 0 })).rejects.toThrow(
      "LambdaAlarms alarms: throttlesThreshold must be a whole number of at least 1",
    );
  });

  it("records every Lambda function declared under a component, at any depth, and nothing else", async () => {
    const names: string[] = [];
    await runDeclarations(() => {
      class Outer extends pulumi.ComponentResource {
        constructor() {
          super("test:index:Outer", "outer", {}, { provider: testProvider(), transformations: [recordLambdaFunctions(names)] });
          const inner = new pulumi.ComponentResource("test:index:Inner", "inner", {}, { parent: this });
          const role = new aws.iam.Role("role", { assumeRolePolicy: "{}" }, { parent: inner });
          for (const fn of ["cdc-dev-a", "cdc-dev-b"])
            new aws.lambda.Function(
              fn,
              { name: fn, role: role.arn, runtime: "nodejs22.x", handler: "index.handler" },
              { parent: inner },
            );
          this.registerOutputs({});
        }
      }
      new Outer();
      return {};
    });
    expect(names).toEqual(["cdc-dev-a", "cdc-dev-b"]);
  });
});
