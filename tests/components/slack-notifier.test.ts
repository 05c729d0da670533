import * as path from "node:path";
import { SlackNotifier } from "../../components/slack-notifier";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, descendantsOf, one, ofType, providerConfig, providerOf } from "../support/resources";
import { engineConfig, PROJECT_DIR, runDeclarations, runProgram, runStack, STACKS } from "../support/stack";
import { ACCOUNT, statement, statements, testProvider } from "./helpers";

const SECRET = `arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:cdc/dev/slack-webhook-Ab12Cd`;
const topic = (source: string, account = ACCOUNT) => `arn:aws:sns:eu-west-2:${account}:cdc-dev-${source}-alerts`;
const QUEUE_ARN = `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-slack-notifier`;

async function declare(args: Partial<ConstructorParameters<typeof SlackNotifier>[1]> = {}) {
  const { mocks } = await runDeclarations(() => {
    const n = new SlackNotifier(
      "notifier",
      {
        environment: "dev",
        accountId: ACCOUNT,
        region: "eu-west-2",
        stack: "dev",
        topics: { sales: topic("sales"), crm: topic("crm") },
        webhookSecretArn: SECRET,
        ...args,
      },
      { provider: testProvider() },
    );
    return { roleArn: n.roleArn };
  });
  return mocks.resources;
}

describe("SlackNotifier", () => {
  let resources: RecordedResource[];
  beforeAll(async () => (resources = await declare()));

  it("subscribes its queue to each topic it is given, keeping SNS's envelope", () => {
    const subs = ofType(resources, "aws:sns/topicSubscription:TopicSubscription");
    expect(subs.map((s) => [s.name, s.inputs.topic, s.inputs.protocol, s.inputs.endpoint, s.inputs.rawMessageDelivery])).toEqual([
      ["notifier-from-crm", topic("crm"), "sqs", QUEUE_ARN, false],
      ["notifier-from-sales", topic("sales"), "sqs", QUEUE_ARN, false],
    ]);
  });

  it("lets SNS deliver into the queue from exactly those topics, over TLS, and use the queue's own key", () => {
    const policy = one(resources, "aws:sqs/queuePolicy:QueuePolicy", "notifier-queue-policy");
    expect(statement(policy, "AlertTopicsDeliver")).toEqual({
      Sid: "AlertTopicsDeliver",
      Effect: "Allow",
      Principal: { Service: "sns.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: QUEUE_ARN,
      Condition: { ArnEquals: { "aws:SourceArn": [topic("crm"), topic("sales")] } },
    });
    expect(statement(policy, "TlsOnly").Effect).toBe("Deny");
    const queue = one(resources, "aws:sqs/queue:Queue", "notifier-queue-queue");
    const key = one(resources, "aws:kms/key:Key", "notifier-key-key");
    expect(queue.inputs.kmsMasterKeyId).toBe(`arn:aws:kms:eu-west-2:${ACCOUNT}:key/${key.name}`);
    expect(statement(key, "QueueSendersUse").Principal).toEqual({ Service: ["sns.amazonaws.com"] });
    // The dead-letter alarm tells one topic, once.
    expect(one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "notifier-queue-dlq-alarm").inputs.alarmActions).toEqual([
      topic("crm"),
    ]);
  });

  it("invokes the function with batches of up to 100 gathered over 20 s, two at a time, reporting item failures", () => {
    expect(one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "notifier-trigger").inputs).toMatchObject({
      eventSourceArn: QUEUE_ARN,
      batchSize: 100,
      maximumBatchingWindowInSeconds: 20,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 2 },
    });
    const fn = one(resources, "aws:lambda/function:Function", "notifier-function-function");
    expect(fn.inputs.timeout).toBe(120);
    expect(one(resources, "aws:sqs/queue:Queue", "notifier-queue-queue").inputs.visibilityTimeoutSeconds).toBe(720);
  });

  it("rides out six hours of Slack outage before the DLQ, and tells the topic after one hour of alerts waiting", () => {
    const queue = one(resources, "aws:sqs/queue:Queue", "notifier-queue-queue");
    const redrive = JSON.parse(String(queue.inputs.redrivePolicy)) as { maxReceiveCount: number };
    // A failed alert comes back once per visibility timeout: 30 × 720 s = 6 h, not the 1 h five receives give.
    expect(redrive.maxReceiveCount).toBe(30);
    expect(redrive.maxReceiveCount * Number(queue.inputs.visibilityTimeoutSeconds)).toBe(6 * 3600);
    const dlqAlarm = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "notifier-queue-dlq-alarm");
    expect(dlqAlarm.inputs.alarmDescription).toContain("they failed 30 times");
    expect(dlqAlarm.inputs.alarmDescription).toContain("403, 404 or 410");
    const age = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "notifier-queue-age-alarm");
    expect(age.inputs).toMatchObject({
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "cdc-dev-slack-notifier" },
      threshold: 3600,
      alarmActions: [topic("crm")],
    });
  });

  it("gives the function the secret's ARN and the stack, never the URL, and a role that reads that secret only", () => {
    const fn = one(resources, "aws:lambda/function:Function", "notifier-function-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toMatchObject({
      SLACK_WEBHOOK_SECRET_ARN: SECRET,
      STACK: "dev",
    });
    const role = one(resources, "aws:iam/rolePolicy:RolePolicy", "notifier-function-policy");
    expect(statements(role).map((s) => s.Sid)).toEqual([
      "WriteOwnLogs",
      "ConsumeAlertQueue",
      "DecryptAlertQueue",
      "ReadWebhookSecret",
      "DecryptWebhookSecret",
    ]);
    expect(statement(role, "ReadWebhookSecret").Resource).toBe(SECRET);
    expect(statement(role, "DecryptWebhookSecret")).toMatchObject({
      Resource: `arn:aws:kms:eu-west-2:${ACCOUNT}:key/*`,
      Condition: {
        StringEquals: {
          "kms:ViaService": "secretsmanager.eu-west-2.amazonaws.com",
          "kms:EncryptionContext:SecretARN": SECRET,
        },
      },
    });
  });

  it("alarms on the function's errors and throttles, telling the topic its dead-letter alarm tells", () => {
    const alarms = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/Lambda");
    expect(
      alarms.map((a) => [a.inputs.name, a.inputs.metricName, a.inputs.dimensions, a.inputs.threshold, a.inputs.okActions]),
    ).toEqual([
      ["cdc-dev-slack-notifier-errors", "Errors", { FunctionName: "cdc-dev-slack-notifier" }, 1, [topic("crm")]],
      ["cdc-dev-slack-notifier-throttles", "Throttles", { FunctionName: "cdc-dev-slack-notifier" }, 1, [topic("crm")]],
    ]);
    const dlq = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "notifier-queue-dlq-alarm");
    for (const a of alarms) expect(a.inputs.alarmActions).toEqual(dlq.inputs.alarmActions);
  });

  it("raises them at the thresholds it is given", async () => {
    const alarms = ofType(
      await declare({ errorsThreshold: 3, throttlesThreshold: 5 }),
      "aws:cloudwatch/metricAlarm:MetricAlarm",
    ).filter((a) => a.inputs.namespace === "AWS/Lambda");
    expect(alarms.map((a) => [a.inputs.metricName, a.inputs.threshold])).toEqual([
      ["Errors", 3],
      ["Throttles", 5],
    ]);
  });

  it("refuses a topic of another account, no topic at all, and a secret that is not a Secrets Manager ARN", async () => {
    await expect(declare({ topics: { sales: topic("sales", "222222222222") } })).rejects.toThrow(
      `SlackNotifier notifier: topics.sales: ${topic("sales", "222222222222")} is not in account ${ACCOUNT}`,
    );
    await expect(declare({ topics: {} })).rejects.toThrow("SlackNotifier notifier: topics is empty");
    await expect(declare({ webhookSecretArn: "https://hooks.slack.com/services/x" })).rejects.toThrow(
      "SlackNotifier notifier: webhookSecretArn must be a Secrets Manager secret ARN",
    );
  });
});

/** The account a recorded resource is declared in (its provider allows exactly one). */
function accountOf(resources: RecordedResource[], r: RecordedResource): string {
  const ids = providerConfig(providerOf(resources, r) as RecordedResource).allowedAccountIds as string[];
  return ids[0];
}

describe.each(STACKS)("the Slack notifiers of the %s stack", (stack) => {
  let resources: RecordedResource[];
  beforeAll(async () => (resources = (await runStack(stack)).mocks.resources), 60_000);

  it("has one notifier per account, each subscribed to exactly that account's alert topics", () => {
    const topicsByAccount = new Map<string, string[]>();
    for (const t of ofType(resources, "aws:sns/topic:Topic")) {
      const account = accountOf(resources, t);
      topicsByAccount.set(account, [
        ...(topicsByAccount.get(account) ?? []),
        `arn:aws:sns:eu-west-2:${account}:${String(t.inputs.name)}`,
      ]);
    }
    const notifiers = ofType(resources, "cdc:alerting:SlackNotifier");
    expect(notifiers.map((n) => n.name.split("-").pop()).sort()).toEqual([...topicsByAccount.keys()].sort());
    for (const n of notifiers) {
      const account = n.name.split("-").pop() as string;
      const subs = descendantsOf(resources, n).filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription");
      expect(subs.map((s) => s.inputs.topic).sort()).toEqual((topicsByAccount.get(account) ?? []).sort());
      for (const s of subs) expect(accountOf(resources, s)).toBe(account);
    }
  });

  it("opens the webhook secret to the other account's notifier only, by its role's exact ARN", () => {
    const policies = ofType(resources, "aws:secretsmanager/secretPolicy:SecretPolicy");
    const accounts = new Set(ofType(resources, "cdc:alerting:SlackNotifier").map((n) => n.name.split("-").pop()));
    if (accounts.size === 1) return expect(policies).toEqual([]);
    expect(policies).toHaveLength(1);
    const [policy] = policies;
    const secret = String(policy.inputs.secretArn);
    const lake = [...accounts].find((a) => a !== secret.split(":")[4]);
    expect(accountOf(resources, policy)).toBe(secret.split(":")[4]);
    expect(statement(policy, "SlackNotifierOfOtherAccountReads")).toEqual({
      Sid: "SlackNotifierOfOtherAccountReads",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${lake}:role/cdc-${stack}-slack-notifier` },
      Action: "secretsmanager:GetSecretValue",
      Resource: secret,
    });
    expect(policy.inputs.blockPublicPolicy).toBe(true);
  });
});

describe("a stack's alarm thresholds", () => {
  it("apply to each notifier's function as to every pipeline function", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.prod.yaml"));
    config["cdc:alarms"] = JSON.stringify({ lambdaErrors: 4, lambdaThrottles: 2 });
    const { mocks } = await runProgram(config, { stack: "prod" });
    const notifierAlarms = ofType(mocks.resources, "cdc:alerting:SlackNotifier")
      .flatMap((n) => descendantsOf(mocks.resources, n))
      .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.namespace === "AWS/Lambda");
    expect(notifierAlarms.map((a) => [a.inputs.metricName, a.inputs.threshold]).sort()).toEqual([
      ["Errors", 4],
      ["Errors", 4],
      ["Throttles", 2],
      ["Throttles", 2],
    ]);
  }, 60_000);
});

describe("a stack without a Slack webhook secret", () => {
  it("declares no notifier", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.prod.yaml"));
    config["cdc:alerts"] = JSON.stringify({ emails: ["data-platform-oncall@example.com"] });
    const { mocks } = await runProgram(config, { stack: "prod" });
    expect(ofType(mocks.resources, "cdc:alerting:SlackNotifier")).toEqual([]);
    expect(ofType(mocks.resources, "aws:lambda/function:Function").map((f) => f.inputs.name)).not.toContainEqual(
      expect.stringContaining("slack"),
    );
    // The pipelines are all still there.
    expect(ofType(mocks.resources, "cdc:index:CdcPipeline").length).toBeGreaterThan(0);
    expect(childrenOf(mocks.resources, ofType(mocks.resources, "cdc:index:CdcPipeline")[0]).length).toBeGreaterThan(0);
  }, 60_000);
});
