import { QueueWithDlq } from "../../components/queue-with-dlq";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, one, ofType } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { testProvider } from "./helpers";

const TOPIC = "arn:aws:sns:eu-west-2:111111111111:cdc-dev-sales-alerts";
const AGE_REFUSED = "QueueWithDlq validate: maxMessageAgeSeconds must be 60 or more and below the retention";
const DLQ_ARN = "arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-validate-dlq";

async function declare(args: Partial<ConstructorParameters<typeof QueueWithDlq>[1]> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const q = new QueueWithDlq(
      "validate",
      { queueName: "cdc-dev-sales-validate", visibilityTimeoutSeconds: 360, alarmActions: [TOPIC], ...args },
      { provider: testProvider() },
    );
    return { arn: q.arn, url: q.url, deadLetterArn: q.deadLetterArn };
  });
  return { resources: mocks.resources, outputs };
}

describe("QueueWithDlq", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("encrypts both queues (SQS-managed keys by default) and keeps dead letters 14 days", () => {
    expect(one(resources, "aws:sqs/queue:Queue", "validate-dlq").inputs).toEqual({
      name: "cdc-dev-sales-validate-dlq",
      messageRetentionSeconds: 1209600,
      sqsManagedSseEnabled: true,
    });
    expect(one(resources, "aws:sqs/queue:Queue", "validate-queue").inputs).toMatchObject({ sqsManagedSseEnabled: true });
  });

  it("moves a message to the dead-letter queue after 5 failed receives", () => {
    const queue = one(resources, "aws:sqs/queue:Queue", "validate-queue");
    expect(queue.inputs).toMatchObject({
      name: "cdc-dev-sales-validate",
      visibilityTimeoutSeconds: 360,
      messageRetentionSeconds: 345600,
    });
    expect(JSON.parse(queue.inputs.redrivePolicy as string)).toEqual({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 });
  });

  it("lets only its own queue dead-letter into the DLQ", () => {
    const allow = one(resources, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "validate-dlq-sources");
    expect(allow.inputs.queueUrl).toBe("https://sqs.eu-west-2.amazonaws.com/111111111111/cdc-dev-sales-validate-dlq");
    expect(JSON.parse(allow.inputs.redriveAllowPolicy as string)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: ["arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-validate"],
    });
  });

  it("alarms to the given action as soon as one message is dead-lettered", () => {
    expect(one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "validate-dlq-alarm").inputs).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "cdc-dev-sales-validate-dlq" },
      statistic: "Maximum",
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
  });

  it("tells the operator to redrive, unless the queue says what brings its work back instead", async () => {
    const description = (rs: RecordedResource[]) =>
      one(rs, "aws:cloudwatch/metricAlarm:MetricAlarm", "validate-dlq-alarm").inputs.alarmDescription;
    expect(description(resources)).toBe(
      "Messages in cdc-dev-sales-validate-dlq: they failed 5 times on cdc-dev-sales-validate. Inspect, fix, then redrive.",
    );
    const { resources: noRedrive } = await declare({ deadLetterAction: "Do not redrive: the reconciler re-announces." });
    expect(description(noRedrive)).toBe(
      "Messages in cdc-dev-sales-validate-dlq: they failed 5 times on cdc-dev-sales-validate. Do not redrive: the reconciler re-announces.",
    );
  });

  it("exposes the queue and dead-letter ARNs, with all children under the component", () => {
    expect(outputs).toEqual({
      arn: "arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-validate",
      url: "https://sqs.eu-west-2.amazonaws.com/111111111111/cdc-dev-sales-validate",
      deadLetterArn: DLQ_ARN,
    });
    expect(childrenOf(resources, one(resources, "cdc:messaging:QueueWithDlq", "validate"))).toHaveLength(4);
  });

  it("has no age alarm unless maxMessageAgeSeconds is given", () => {
    expect(ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => r.name)).toEqual(["validate-dlq-alarm"]);
  });

  it("alarms to the given action when the oldest message waits longer than maxMessageAgeSeconds", async () => {
    // A stuck poller never fails a receive, so nothing reaches the DLQ: only the messages' age shows it.
    const { resources } = await declare({ maxMessageAgeSeconds: 1800, messageRetentionSeconds: 2 * 86400 });
    expect(one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "validate-age-alarm").inputs).toEqual({
      alarmDescription:
        "The oldest message in cdc-dev-sales-validate waited over 1800 s: its consumer is stuck or blocked. Messages expire after 2 days.",
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "cdc-dev-sales-validate" },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1800,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
    expect(childrenOf(resources, one(resources, "cdc:messaging:QueueWithDlq", "validate"))).toHaveLength(5);
  });

  it.each([60, 345599])("accepts a maximum message age of %i s (a minute, up to a second below the retention)", async (age) => {
    const { resources } = await declare({ maxMessageAgeSeconds: age });
    expect(one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "validate-age-alarm").inputs.threshold).toBe(age);
  });

  it("uses the KMS key and receive count it is given", async () => {
    const key = "arn:aws:kms:eu-west-2:111111111111:key/k";
    const { resources } = await declare({ kmsKeyArn: key, maxReceiveCount: 3 });
    const queue = one(resources, "aws:sqs/queue:Queue", "validate-queue");
    expect(queue.inputs).toMatchObject({ kmsMasterKeyId: key, kmsDataKeyReusePeriodSeconds: 300 });
    expect(queue.inputs.sqsManagedSseEnabled).toBeUndefined();
    expect(JSON.parse(queue.inputs.redrivePolicy as string).maxReceiveCount).toBe(3);
  });

  it.each([
    [{ alarmActions: [] }, "QueueWithDlq validate: alarmActions is empty: a dead letter nobody hears about is a lost message"],
    [
      { queueName: "validate.fifo!" },
      'QueueWithDlq validate: queueName must be 1–76 letters, digits, _ or - (the DLQ adds -dlq), got "validate.fifo!"',
    ],
    [{ maxReceiveCount: 0 }, "QueueWithDlq validate: maxReceiveCount must be 1–1000"],
    [{ maxMessageAgeSeconds: 59 }, `${AGE_REFUSED} (345600 s), so the alarm fires before messages expire`],
    [{ maxMessageAgeSeconds: 90.5 }, `${AGE_REFUSED} (345600 s), so the alarm fires before messages expire`],
    [{ maxMessageAgeSeconds: 345600 }, `${AGE_REFUSED} (345600 s), so the alarm fires before messages expire`],
    [
      { maxMessageAgeSeconds: 7200, messageRetentionSeconds: 3600 },
      `${AGE_REFUSED} (3600 s), so the alarm fires before messages expire`,
    ],
  ])("refuses bad arguments (%j)", async (args, message) => {
    await expect(declare(args)).rejects.toThrow(message);
  });
});
