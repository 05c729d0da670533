import * as pulumi from "@pulumi/pulumi";
import { buildBundle } from "../../components/bundle";
import { FanOutQueues, fanOutStatements, type FanOutQueuesArgs } from "../../components/fan-out-queues";
import { fanOutTargetSchema } from "../../handlers/core/fan-out";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, descendantsOf, one, providerOf } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, statements, testProvider } from "./helpers";

const VALIDATED = `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-sales-validated`;
const queueArn = (target: string) => `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-sales-${target}`;
const queueUrl = (target: string) => `https://sqs.eu-west-2.amazonaws.com/${ACCOUNT}/cdc-dev-sales-${target}`;
const FUNCTION_ARN = `arn:aws:lambda:eu-west-2:${ACCOUNT}:function:cdc-dev-sales-fan-out`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-fan-out`;
const KEY = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/lake`;
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-dev-sales-alerts`;

const CONSUME = {
  Sid: "ConsumeValidatedQueue",
  Effect: "Allow",
  Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
  Resource: VALIDATED,
};

/** Arguments as CdcPipeline passes them. */
function args(overrides: Partial<FanOutQueuesArgs> = {}): FanOutQueuesArgs {
  return {
    functionName: "cdc-dev-sales-fan-out",
    queueNamePrefix: "cdc-dev-sales",
    accountId: ACCOUNT,
    environment: "dev",
    validatedQueue: { arn: VALIDATED, visibilityTimeoutSeconds: 300 },
    targets: [target("reporting", ["dbo.*"]), target("finance", ["dbo.Invoice*", "billing.*"], 15)],
    kmsKeyArn: KEY,
    alarmActions: [TOPIC],
    ...overrides,
  };
}

const target = (name: string, tables: string[], everyMinutes = 2) => ({ name, tables, everyMinutes });

async function declare(overrides: Partial<FanOutQueuesArgs> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const fanOut = new FanOutQueues("fan-out", args(overrides), { provider: testProvider("lake") });
    return { functionName: fanOut.functionName, queues: fanOut.queues };
  });
  return { resources: mocks.resources, outputs };
}

const lambda = (resources: RecordedResource[]) => one(resources, "aws:lambda/function:Function", "fan-out-function-function");
const variables = (resources: RecordedResource[]) =>
  (lambda(resources).inputs.environment as { variables: Record<string, string> }).variables;

describe("FanOutQueues", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("runs the bundled fan-out handler with a sixth of the queue's visibility as timeout and 256 MB", async () => {
    const bundle = buildBundle("handlers/fan-out.ts");
    expect(lambda(resources).inputs).toMatchObject({
      name: "cdc-dev-sales-fan-out",
      handler: "index.handler",
      runtime: "nodejs22.x",
      sourceCodeHash: bundle.sourceCodeHash,
      timeout: 50,
      memorySize: 256,
      role: `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-fan-out`,
    });
    await expect((lambda(resources).inputs.code as pulumi.asset.FileArchive).path).resolves.toBe(bundle.zipPath);
    expect(outputs.functionName).toBe("cdc-dev-sales-fan-out");
  });

  it("configures Powertools for the environment and nothing else but TARGETS", () => {
    expect(Object.keys(variables(resources)).sort()).toEqual([
      "NODE_OPTIONS",
      "POWERTOOLS_LOG_LEVEL",
      "POWERTOOLS_METRICS_NAMESPACE",
      "POWERTOOLS_SERVICE_NAME",
      "TARGETS",
    ]);
    expect(variables(resources)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: "cdc-dev-sales-fan-out",
      POWERTOOLS_METRICS_NAMESPACE: "cdc/dev",
    });
  });

  it("passes the targets in order as the handler's TARGETS list: name, table globs and resolved queue URL only", () => {
    const targets = JSON.parse(variables(resources).TARGETS) as unknown[];
    expect(targets).toEqual([
      { name: "reporting", tables: ["dbo.*"], queueUrl: queueUrl("reporting") },
      { name: "finance", tables: ["dbo.Invoice*", "billing.*"], queueUrl: queueUrl("finance") },
    ]);
    // The handler validates TARGETS at cold start with this strict schema: an extra key (say queueArn) would fail there.
    for (const t of targets) expect(fanOutTargetSchema.parse(t)).toEqual(t);
  });

  it("triggers on the validated queue ten messages at a time, reporting per-record failures", () => {
    expect(one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "fan-out-trigger").inputs).toEqual({
      eventSourceArn: VALIDATED,
      functionName: FUNCTION_ARN,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 5,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("lets the function consume the validated queue and send to exactly the two target queues with the key, besides its logs", () => {
    const granted = statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "fan-out-function-policy"));
    expect(granted).toEqual([
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:eu-west-2:${ACCOUNT}:log-group:/aws/lambda/cdc-dev-sales-fan-out:*`,
      },
      CONSUME,
      {
        Sid: "SendToTargets",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: [queueArn("reporting"), queueArn("finance")],
      },
      { Sid: "EncryptForTargets", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: KEY },
    ]);
    for (const s of granted) expect([s.Resource].flat()).not.toContain("*");
  });

  it("queues each target's files for 14 days, hidden 900 s while polled, encrypted with the lake key, with a dead-letter queue", () => {
    const queue = one(resources, "aws:sqs/queue:Queue", "fan-out-queue-reporting-queue");
    expect(queue.inputs).toMatchObject({
      name: "cdc-dev-sales-reporting",
      visibilityTimeoutSeconds: 900,
      messageRetentionSeconds: 1209600,
      kmsMasterKeyId: KEY,
    });
    expect(JSON.parse(queue.inputs.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: `${queueArn("reporting")}-dlq`,
      maxReceiveCount: 5,
    });
    expect(outputs.queues).toEqual({
      reporting: { arn: queueArn("reporting"), url: queueUrl("reporting") },
      finance: { arn: queueArn("finance"), url: queueUrl("finance") },
    });
  });

  it.each([
    ["reporting", 3600],
    ["finance", 9000],
  ])("alarms when the oldest message of %s has waited %i s (ten missed runs, at least an hour)", (name, age) => {
    expect(one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", `fan-out-queue-${name}-age-alarm`).inputs).toMatchObject({
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: `cdc-dev-sales-${name}` },
      threshold: age,
      alarmActions: [TOPIC],
    });
  });

  it("names the fan-out's role as each target queue's sender and refuses anything without TLS", () => {
    expect(statements(one(resources, "aws:sqs/queuePolicy:QueuePolicy", "fan-out-queue-finance-policy"))).toEqual([
      {
        Sid: "FanOutSends",
        Effect: "Allow",
        Principal: { AWS: ROLE_ARN },
        Action: "sqs:SendMessage",
        Resource: queueArn("finance"),
      },
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "sqs:*",
        Resource: queueArn("finance"),
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("declares every resource under the component, through the lake provider", () => {
    const component = one(resources, "cdc:lake:FanOutQueues", "fan-out");
    expect(
      childrenOf(resources, component)
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      "fan-out-function",
      "fan-out-queue-finance",
      "fan-out-queue-finance-policy",
      "fan-out-queue-reporting",
      "fan-out-queue-reporting-policy",
      "fan-out-trigger",
    ]);
    const all = descendantsOf(resources, component);
    // Everything but the provider and the component itself hangs below it.
    expect(all).toHaveLength(resources.length - 2);
    for (const r of all) expect(r.name.startsWith("fan-out-")).toBe(true);
    for (const r of all.filter((c) => c.custom)) expect(providerOf(resources, r)?.name).toBe("lake");
  });

  it("answers to its old type, FanOut, and hands each queue the aliases it is given", async () => {
    expect(one(resources, "cdc:lake:FanOutQueues", "fan-out").aliases).toEqual([{ type: "cdc:lake:FanOut" }]);
    const old = { name: "old-reporting-queue", parent: "urn:pulumi:test::cdc-pipelines::cdc:lake:GlueTarget::old" };
    const { resources: moved } = await declare({ targets: [{ ...target("reporting", ["dbo.*"]), queueAliases: [old] }] });
    expect(one(moved, "cdc:messaging:QueueWithDlq", "fan-out-queue-reporting").aliases).toEqual([
      { name: "old-reporting-queue", parentUrn: old.parent },
    ]);
  });
});

describe("FanOutQueues timeout and arguments", () => {
  it.each([
    [60, 10],
    [360, 60],
    // Capped at a minute however long the queue hides a message: routing a batch of ten is quick.
    [900, 60],
  ])("with a validated-queue visibility of %ds times the function out after %ds", async (visibility, timeout) => {
    const { resources } = await declare({ validatedQueue: { arn: VALIDATED, visibilityTimeoutSeconds: visibility } });
    expect(lambda(resources).inputs.timeout).toBe(timeout);
  });

  it.each([
    ["no targets", { targets: [] }, "FanOutQueues fan-out: targets needs at least one target"],
    [
      "two targets of one name",
      { targets: [target("reporting", ["dbo.*"]), target("reporting", ["billing.*"])] },
      "FanOutQueues fan-out: two targets are named reporting",
    ],
    [
      "a target subscribed to no table (the handler would refuse it at every cold start)",
      { targets: [target("reporting", [])] },
      "FanOutQueues fan-out: target reporting subscribes to no tables",
    ],
    [
      "a target polled less than hourly",
      { targets: [target("reporting", ["dbo.*"], 90)] },
      "FanOutQueues fan-out: target reporting: everyMinutes must be 1–60",
    ],
    [
      "a validated-queue visibility below 60 seconds",
      { validatedQueue: { arn: VALIDATED, visibilityTimeoutSeconds: 59 } },
      "FanOutQueues fan-out: validatedQueue.visibilityTimeoutSeconds must be at least 60 (six times the function timeout)",
    ],
  ])("refuses %s", async (_what, overrides, message) => {
    await expect(declare(overrides)).rejects.toThrow(message);
  });
});

describe("fanOutStatements", () => {
  it("grants receiving from the validated queue and sending to each target queue, in that order", () => {
    expect(fanOutStatements(VALIDATED, [queueArn("reporting")], KEY)).toEqual([
      CONSUME,
      // A list even for one target, so adding a target only adds an entry.
      { Sid: "SendToTargets", Effect: "Allow", Action: "sqs:SendMessage", Resource: [queueArn("reporting")] },
      { Sid: "EncryptForTargets", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: KEY },
    ]);
  });
});
