import { DmsReconciler, type DmsReconcilerArgs } from "../../components/dms-reconciler";
import type { RecordedResource } from "../support/pulumi-mocks";
import { one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, KEY_ARN, statements, testProvider } from "./helpers";

const bucket = (role: string) => {
  const name = `cdc-dev-sales-${role}-${ACCOUNT}`;
  return { bucketName: name, arn: `arn:aws:s3:::${name}` };
};
const TASK_ARN = `arn:aws:dms:eu-west-2:${ACCOUNT}:task:CDCDEVSALES`;
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-dev-sales-alerts`;

const args = (over: Partial<DmsReconcilerArgs> = {}): DmsReconcilerArgs => ({
  functionName: "cdc-dev-sales-dms-reconcile",
  environment: "dev",
  sourceName: "sales",
  accountId: ACCOUNT,
  task: { id: "cdc-dev-sales", arn: TASK_ARN },
  raw: bucket("raw"),
  quarantine: bucket("quarantine"),
  harmonized: bucket("harmonized"),
  lake: bucket("lake"),
  targets: [{ name: "reporting", tables: ["dbo.*"] }],
  alertTopicArn: TOPIC,
  kmsKeyArns: [KEY_ARN],
  logKmsKeyArn: KEY_ARN,
  batchSeconds: 60,
  ...over,
});

const policy = (resources: RecordedResource[]) =>
  statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "dms-reconcile-function-policy"));

async function declare(over: Partial<DmsReconcilerArgs> = {}) {
  const { mocks } = await runDeclarations(() => {
    const r = new DmsReconciler("dms-reconcile", args(over), { provider: testProvider() });
    return { functionName: r.functionName };
  });
  return mocks.resources;
}

describe("DmsReconciler", () => {
  it("runs handlers/dms-reconcile.ts hourly, told the task, the buckets, the targets and the alert topic", async () => {
    const resources = await declare();
    const fn = one(resources, "aws:lambda/function:Function", "dms-reconcile-function-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toMatchObject({
      SOURCE: "sales",
      DMS_TASK_ID: "cdc-dev-sales",
      DMS_TASK_ARN: TASK_ARN,
      RAW_BUCKET: bucket("raw").bucketName,
      LAKE_BUCKET: bucket("lake").bucketName,
      RECONCILE_TARGETS: JSON.stringify([{ name: "reporting", tables: ["dbo.*"] }]),
      BATCH_SECONDS: "60",
    });
    const rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "dms-reconcile-schedule");
    expect(rule.inputs).toMatchObject({ scheduleExpression: "rate(1 hour)" });
  });

  it("reads DMS (statistics of its own task only) and the buckets, and writes nothing but alerts and its ledger", async () => {
    const resources = await declare();
    const actions = policy(resources).flatMap((s) => [s.Action].flat());
    expect(new Set(actions)).toEqual(
      new Set([
        "dms:DescribeReplicationTasks",
        "dms:DescribeTableStatistics",
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ]),
    );
    const stats = policy(resources).find((s) => [s.Action].flat().includes("dms:DescribeTableStatistics"));
    expect(stats?.Resource).toBe(TASK_ARN);
    // Its one write: the ledger object in the ingestion account's artifacts bucket, never raw (its notifications).
    const writes = policy(resources).filter((s) => [s.Action].flat().includes("s3:PutObject"));
    expect(writes.map((s) => s.Resource)).toEqual([`${bucket("artifacts").arn}/dms-reconcile/sales/ledger.json`]);
    const fn = one(resources, "aws:lambda/function:Function", "dms-reconcile-function-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables.LEDGER_BUCKET).toBe(
      bucket("artifacts").bucketName,
    );
  });

  it("without a readable lake bucket, no LAKE_BUCKET and no grant on it", async () => {
    const resources = await declare({ lake: undefined });
    const fn = one(resources, "aws:lambda/function:Function", "dms-reconcile-function-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables.LAKE_BUCKET).toBeUndefined();
    expect(JSON.stringify(policy(resources))).not.toContain("-lake-");
  });

  it("refuses a task id that is not DMS's cdc-<env>-<source> in one line", async () => {
    await expect(declare({ task: { id: "Sales Task", arn: TASK_ARN } })).rejects.toThrow(
      /DmsReconciler dms-reconcile: task.id must be the DMS task identifier/,
    );
  });
});
