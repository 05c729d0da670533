import * as pulumi from "@pulumi/pulumi";
import { buildBundle } from "../../components/bundle";
import { BundledFunction } from "../../components/bundled-function";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, KEY_ARN, statements, testProvider } from "./helpers";

const ENTRY = "tests/components/fixtures/hello-handler.ts";
const READ_RAW = { Sid: "ReadRaw", Effect: "Allow" as const, Action: "s3:GetObject", Resource: "arn:aws:s3:::raw/*" };

async function declare(args: Partial<ConstructorParameters<typeof BundledFunction>[1]> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const fn = new BundledFunction(
      "hello",
      {
        functionName: "cdc-dev-sales-hello",
        entry: ENTRY,
        accountId: ACCOUNT,
        powertools: { serviceName: "cdc-hello", metricsNamespace: "cdc/dev" },
        policyStatements: [READ_RAW],
        logKmsKeyArn: KEY_ARN,
        ...args,
      },
      { provider: testProvider() },
    );
    return { arn: fn.arn, roleArn: fn.roleArn };
  });
  return { resources: mocks.resources, outputs };
}

describe("BundledFunction", () => {
  let resources: RecordedResource[];
  beforeAll(async () => ({ resources } = await declare()));

  it("runs the bundled handler on nodejs22.x with the bundle's deterministic code hash", async () => {
    const fn = one(resources, "aws:lambda/function:Function", "hello-function");
    const bundle = buildBundle(ENTRY);
    expect(fn.inputs).toMatchObject({
      name: "cdc-dev-sales-hello",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      memorySize: 512,
      timeout: 60,
      sourceCodeHash: bundle.sourceCodeHash,
      role: "arn:aws:iam::111111111111:role/cdc-dev-sales-hello",
    });
    const code = fn.inputs.code as pulumi.asset.FileArchive;
    await expect(code.path).resolves.toBe(bundle.zipPath);
  });

  it("configures Powertools by environment", () => {
    expect(one(resources, "aws:lambda/function:Function", "hello-function").inputs.environment).toEqual({
      variables: {
        POWERTOOLS_SERVICE_NAME: "cdc-hello",
        POWERTOOLS_METRICS_NAMESPACE: "cdc/dev",
        POWERTOOLS_LOG_LEVEL: "INFO",
        NODE_OPTIONS: "--enable-source-maps",
      },
    });
  });

  it("logs to its own log group with a retention, encrypted with the pipeline key", () => {
    expect(one(resources, "aws:cloudwatch/logGroup:LogGroup", "hello-logs").inputs).toEqual({
      name: "/aws/lambda/cdc-dev-sales-hello",
      retentionInDays: 30,
      kmsKeyId: KEY_ARN,
    });
    expect(one(resources, "aws:lambda/function:Function", "hello-function").inputs.loggingConfig).toEqual({
      logFormat: "JSON",
      logGroup: "/aws/lambda/cdc-dev-sales-hello",
    });
  });

  // No aws:SourceAccount condition: Lambda does not document it for execution-role trust, and a condition it does not
  // supply would make every function creation fail with "cannot be assumed by Lambda".
  it("has a role only Lambda can assume, allowed exactly its log group and the given statements", () => {
    expect(statements(one(resources, "aws:iam/role:Role", "hello-role"), "assumeRolePolicy")).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "hello-policy"))).toEqual([
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: "arn:aws:logs:eu-west-2:111111111111:log-group:/aws/lambda/cdc-dev-sales-hello:*",
      },
      READ_RAW,
    ]);
  });

  it("declares no asynchronous settings for a function without a failure destination", () => {
    const component = one(resources, "cdc:compute:BundledFunction", "hello");
    expect(
      childrenOf(resources, component)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["hello-function", "hello-logs", "hello-policy", "hello-role"]);
  });

  it("sends failed asynchronous events to the destination and may write to it", async () => {
    const dlq = "arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-hello-failed";
    const { resources } = await declare({ onFailureDestinationArn: dlq });
    expect(one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "hello-async").inputs).toEqual({
      functionName: "cdc-dev-sales-hello",
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: dlq } },
    });
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "hello-policy"))[1]).toEqual({
      Sid: "DeliverFailedEvents",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: dlq,
    });
  });

  it.each([
    [
      { environment: { DB_PASSWORD: "hunter2" } },
      "BundledFunction hello: environment.DB_PASSWORD looks like a secret; pass the Secrets Manager ARN (e.g. DB_PASSWORD_ARN) instead",
    ],
    [{ logRetentionDays: 10 }, "BundledFunction hello: logRetentionDays must be one of 1, 3, 5, 7, 14, 30"],
    [{ functionName: "x".repeat(65) }, "BundledFunction hello: functionName must be 1–64 letters, digits, _ or -"],
  ])("refuses bad arguments (%j)", async (args, message) => {
    await expect(declare(args)).rejects.toThrow(message);
  });
});
