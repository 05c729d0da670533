import { RawReconciler, type RawReconcilerArgs } from "../../components/raw-reconciler";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, KEY_ARN, statements, testProvider } from "./helpers";

const RAW = `cdc-dev-sales-raw-${ACCOUNT}`;
const QUEUE_ARN = `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-sales-validate`;
const QUEUE_URL = `https://sqs.eu-west-2.amazonaws.com/${ACCOUNT}/cdc-dev-sales-validate`;
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-dev-sales-alerts`;

const args = (over: Partial<RawReconcilerArgs> = {}): RawReconcilerArgs => ({
  functionName: "cdc-dev-sales-reconcile",
  environment: "dev",
  sourceName: "sales",
  accountId: ACCOUNT,
  raw: { bucketName: RAW, arn: `arn:aws:s3:::${RAW}` },
  validationQueue: { url: QUEUE_URL, arn: QUEUE_ARN },
  alertTopicArn: TOPIC,
  kmsKeyArn: KEY_ARN,
  rawRetentionDays: 30,
  ...over,
});

async function declare(over: Partial<RawReconcilerArgs> = {}) {
  const { mocks } = await runDeclarations(() => {
    const r = new RawReconciler("reconcile", args(over), { provider: testProvider() });
    return { functionName: r.functionName };
  });
  return mocks.resources;
}

describe("RawReconciler", () => {
  let resources: RecordedResource[];
  beforeAll(async () => {
    resources = await declare();
  });

  it("runs handlers/reconcile.ts hourly, told where raw, the validation queue and the alerts are", () => {
    const fn = one(resources, "aws:lambda/function:Function", "reconcile-function-function");
    expect(fn.inputs).toMatchObject({ name: "cdc-dev-sales-reconcile", timeout: 300, memorySize: 256 });
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toMatchObject({
      SOURCE: "sales",
      RAW_BUCKET: RAW,
      VALIDATION_QUEUE_URL: QUEUE_URL,
      ALERT_TOPIC_ARN: TOPIC,
      STALE_MINUTES: "60",
    });
    const rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "reconcile-schedule");
    expect(rule.inputs).toMatchObject({ name: "cdc-dev-sales-reconcile", scheduleExpression: "rate(1 hour)" });
    expect(one(resources, "aws:lambda/permission:Permission", "reconcile-schedule-invoke").inputs).toMatchObject({
      principal: "events.amazonaws.com",
      function: "cdc-dev-sales-reconcile",
    });
    expect(one(resources, "aws:cloudwatch/eventTarget:EventTarget", "reconcile-schedule-target").inputs.arn).toBe(
      `arn:aws:lambda:eu-west-2:${ACCOUNT}:function:cdc-dev-sales-reconcile`,
    );
  });

  it("may list raw, notify the validation queue and alert, and nothing else", () => {
    const policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "reconcile-function-policy");
    const granted = statements(policy).filter((s) => !["WriteOwnLogs", "DeliverFailedEvents"].includes(s.Sid as string));
    expect(granted).toEqual([
      { Sid: "ListRaw", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${RAW}` },
      { Sid: "RequeueRawEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE_ARN },
      { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
      { Sid: "UseIngestionKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
    ]);
  });

  it("declares its function, schedule, permission and target under the component", () => {
    const names = childrenOf(resources, one(resources, "cdc:ingestion:RawReconciler", "reconcile")).map((r) => r.name);
    expect(names.sort()).toEqual([
      "reconcile-function",
      "reconcile-schedule",
      "reconcile-schedule-invoke",
      "reconcile-schedule-target",
    ]);
  });

  it.each([
    [{ staleMinutes: 5 }, "RawReconciler reconcile: staleMinutes must be 10–1440"],
    [{ staleMinutes: 1440, rawRetentionDays: 1 }, "RawReconciler reconcile: staleMinutes must be well below the raw retention"],
  ])("refuses %j", async (over, message) => {
    await expect(declare(over)).rejects.toThrow(message);
  });
});
