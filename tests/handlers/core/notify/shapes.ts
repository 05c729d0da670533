/**
 * The messages that reach an alert topic, in AWS's own shapes: a CloudWatch alarm's SNS message (the AWS Lambda Go
 * events' recorded `cloudwatch-alarm-sns-payload` and the CloudWatch user guide's fields), EventBridge events as DMS
 * ("Working with Amazon EventBridge events", DMS user guide) and Glue ("Glue Job State Change", EventBridge events
 * reference) send them, with this pipeline's names filled in, and the alerts our own Lambdas publish.
 */
export const ACCOUNT = "111111111111";
export const REGION = "eu-west-2";
export const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:cdc-dev-sales-alerts`;

/** The DLQ alarm QueueWithDlq declares, as CloudWatch notifies it. */
export function dlqAlarm(queue = "cdc-dev-sales-validated", state: "ALARM" | "OK" = "ALARM"): Record<string, unknown> {
  return {
    AlarmName: `dev-sales-validated-dlq-alarm-4f1c2a`,
    AlarmDescription: `Messages in ${queue}-dlq: they failed 5 times on ${queue}. Inspect, fix, then redrive.`,
    AWSAccountId: ACCOUNT,
    AlarmConfigurationUpdatedTimestamp: "2026-12-01T09:12:44.120+0000",
    NewStateValue: state,
    NewStateReason:
      "Threshold Crossed: 1 out of the last 1 datapoints [3.0 (03/12/26 10:41:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
    StateChangeTime: "2026-12-03T10:42:12.631+0000",
    Region: "EU (London)",
    AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:dev-sales-validated-dlq-alarm-4f1c2a`,
    OldStateValue: state === "ALARM" ? "OK" : "ALARM",
    OKActions: [TOPIC],
    AlarmActions: [TOPIC],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      StatisticType: "Statistic",
      Statistic: "MAXIMUM",
      Unit: null,
      Dimensions: [{ value: `${queue}-dlq`, name: "QueueName" }],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1.0,
      TreatMissingData: "notBreaching",
      EvaluateLowSampleCountPercentile: "",
    },
  };
}

/** The age alarm of a target queue. */
export function ageAlarm(queue = "cdc-dev-sales-reporting"): Record<string, unknown> {
  const a = dlqAlarm(queue);
  return {
    ...a,
    AlarmName: "dev-sales-fan-out-queue-reporting-age-alarm-77e0b1",
    AlarmDescription: `The oldest message in ${queue} waited over 3600 s: its consumer is stuck or blocked. Messages expire after 14 days.`,
    Trigger: {
      ...(a.Trigger as object),
      MetricName: "ApproximateAgeOfOldestMessage",
      Dimensions: [{ value: queue, name: "QueueName" }],
      Threshold: 3600,
    },
  };
}

export const DMS_TASK_STOPPED = {
  version: "0",
  id: "11a11b11-222b-333a-44d4-01234a5b6789",
  "detail-type": "DMS Replication Task State Change",
  source: "aws.dms",
  account: ACCOUNT,
  time: "2026-12-03T02:15:07Z",
  region: REGION,
  resources: [`arn:aws:dms:${REGION}:${ACCOUNT}:task:AAAABBBB0CCCCDDDDEEEEE1FFFF2GGG3FFFFFF3`],
  detail: {
    type: "REPLICATION_TASK",
    category: "StateChange",
    eventType: "REPLICATION_TASK_STOPPED",
    eventId: "DMS-EVENT-0079",
    resourceLink: `https://console.aws.amazon.com/dms/v2/home?region=${REGION}#taskDetails/cdc-dev-sales`,
    detailMessage: "Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE",
  },
};

export const GLUE_RUN_FAILED = {
  version: "0",
  id: "abcdef00-1234-5678-9abc-def012345678",
  "detail-type": "Glue Job State Change",
  source: "aws.glue",
  account: ACCOUNT,
  time: "2026-12-03T10:05:31Z",
  region: REGION,
  resources: [],
  detail: {
    jobName: "cdc-dev-sales-reporting-apply",
    severity: "ERROR",
    state: "FAILED",
    jobRunId: "jr_3c9c24f19d1d2d5cc1b2bba6a2ae6c5d9f77d5e5e6a4b4b9f2d4b1e2e6c1d4d1",
    message: "Command failed with exit code 1",
  },
};

export const VALIDATION_FAILED = {
  kind: "validation-failed",
  source: "sales",
  table: "dbo.Customer",
  rawBucket: "cdc-dev-sales-raw-111111111111",
  quarantineBucket: "cdc-dev-sales-quarantine-111111111111",
  key: "dbo/Customer/20261203-101500123.parquet",
  sizeBytes: 18211,
  errors: [
    { code: "BAD_OP", message: "row 4: Op is 'E', expected I, U or D" },
    { code: "BAD_OP", message: "row 9: Op is 'E', expected I, U or D" },
    { code: "NULL_PRIMARY_KEY", message: "row 12: CustomerId is null" },
  ],
  errorCount: 57,
  replay: "cdc quarantine replay --stack <stack> --source sales --table dbo.Customer",
};

/** An SNS notification envelope as SQS receives it (raw message delivery off). */
export function snsEnvelope(message: unknown, opts: { id?: string; subject?: string; topic?: string } = {}): string {
  return JSON.stringify({
    Type: "Notification",
    MessageId: opts.id ?? "2bbd5f54-6ad7-5d8e-9b2c-4b5b2c3f1a10",
    TopicArn: opts.topic ?? TOPIC,
    ...(opts.subject ? { Subject: opts.subject } : {}),
    Message: typeof message === "string" ? message : JSON.stringify(message),
    Timestamp: "2026-12-03T10:42:12.700Z",
    SignatureVersion: "1",
    Signature: "EXAMPLE",
    SigningCertURL: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
    UnsubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:0000`,
  });
}
