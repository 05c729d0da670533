/**
 * An SQS queue that never loses a message silently: encrypted at rest, a dead-letter queue after `maxReceiveCount`
 * failed receives (only this queue may dead-letter into it), and an alarm as soon as one message lands there.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";

export interface QueueWithDlqArgs {
  /** Physical queue name (the dead-letter queue is `<queueName>-dlq`); predictable for operators and runbooks. */
  queueName: string;
  /** Seconds a received message stays invisible; for a Lambda consumer at least six times the function timeout. */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. Defaults to 5. */
  maxReceiveCount?: number;
  /** Seconds a message is kept on the main queue. Defaults to 4 days. */
  messageRetentionSeconds?: number;
  /** Seconds a dead letter is kept: long enough to investigate and redrive. Defaults to 14 days (the SQS maximum). */
  deadLetterRetentionSeconds?: number;
  /**
   * The pipeline key of the queue's account, encrypting both queues (SSE-KMS): then the key policy, not only IAM, says
   * who reads messages, and the policy pack (`sqs-queue-kms-encrypted`) requires it. Every sender needs
   * `kms:GenerateDataKey` and `kms:Decrypt` on it (roles through IAM or the key's `users`, services through the key's
   * `queueSenders`: S3 notifications, SNS, EventBridge), every consumer `kms:Decrypt`. Optional only until every caller
   * passes it; without it the queues fall back to SQS-managed encryption (SSE-SQS), which the pack refuses.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Where the dead-letter alarm notifies (the pipeline's alert topic). At least one. */
  alarmActions: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Also alarm when the oldest message waits longer than this: for queues drained by a poller, where a stuck consumer
   * never fails a receive (so nothing reaches the DLQ) and messages would otherwise just age towards expiry.
   */
  maxMessageAgeSeconds?: number;
  /**
   * What the dead-letter alarm tells the operator to do. Defaults to "Inspect, fix, then redrive."; a queue whose
   * policy refuses redrives says what brings the work back instead.
   */
  deadLetterAction?: string;
}

export class QueueWithDlq extends pulumi.ComponentResource {
  /** The queue's ARN, for event sources, notifications and IAM. */
  readonly arn: pulumi.Output<string>;
  /** The queue's URL, for senders and queue policies. */
  readonly url: pulumi.Output<string>;
  /** The dead-letter queue's ARN, for redrive tooling and its alarm. */
  readonly deadLetterArn: pulumi.Output<string>;

  constructor(name: string, args: QueueWithDlqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:messaging:QueueWithDlq", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const encryption = args.kmsKeyArn
      ? { kmsMasterKeyId: args.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 }
      : { sqsManagedSseEnabled: true };

    const dlqName = `${args.queueName}-dlq`;
    const dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      { name: dlqName, messageRetentionSeconds: args.deadLetterRetentionSeconds ?? 14 * 86400, ...encryption },
      child,
    );
    const queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        name: args.queueName,
        visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
        messageRetentionSeconds: args.messageRetentionSeconds ?? 4 * 86400,
        redrivePolicy: dlq.arn.apply((deadLetterTargetArn) =>
          JSON.stringify({ deadLetterTargetArn, maxReceiveCount: args.maxReceiveCount ?? 5 }),
        ),
        ...encryption,
      },
      child,
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dlq-sources`,
      {
        queueUrl: dlq.url,
        redriveAllowPolicy: queue.arn.apply((arn) => JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [arn] })),
      },
      child,
    );
    deadLetterAlarm(
      name,
      {
        deadLetterQueueName: dlq.name,
        description: `Messages in ${dlqName}: they failed ${args.maxReceiveCount ?? 5} times on ${args.queueName}. ${args.deadLetterAction ?? "Inspect, fix, then redrive."}`,
        alarmActions: args.alarmActions,
      },
      child,
    );

    if (args.maxMessageAgeSeconds !== undefined) {
      new aws.cloudwatch.MetricAlarm(
        `${name}-age-alarm`,
        {
          alarmDescription: `The oldest message in ${args.queueName} waited over ${args.maxMessageAgeSeconds} s: its consumer is stuck or blocked. Messages expire after ${Math.round((args.messageRetentionSeconds ?? 345600) / 86400)} days.`,
          namespace: "AWS/SQS",
          metricName: "ApproximateAgeOfOldestMessage",
          dimensions: { QueueName: queue.name },
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 1,
          threshold: args.maxMessageAgeSeconds,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "notBreaching",
          alarmActions: args.alarmActions,
          okActions: args.alarmActions,
        },
        child,
      );
    }

    this.arn = queue.arn;
    this.url = queue.url;
    this.deadLetterArn = dlq.arn;
    this.registerOutputs({ arn: this.arn, url: this.url, deadLetterArn: this.deadLetterArn });
  }
}

export interface DeadLetterAlarmArgs {
  /** The dead-letter queue watched: one visible message is one piece of work that will not happen by itself. */
  deadLetterQueueName: pulumi.Input<string>;
  /** What failed and what the operator does about it: the alarm is all they see first. */
  description: string;
  /**
   * Seconds per evaluation. Defaults to 60: a dead letter is known within a minute or two; a queue fed rarely (a
   * schedule's failed calls) may wait longer.
   */
  periodSeconds?: number;
  /** Where the alarm notifies, in ALARM and back to OK (the account's alert topic). */
  alarmActions: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The alarm of a dead-letter queue, `<name>-dlq-alarm`: in ALARM as soon as one message is there, so no message is lost
 * silently; missing data (an empty queue reports none) is not breaching. For every DLQ, QueueWithDlq's or another's.
 */
export function deadLetterAlarm(
  name: string,
  args: DeadLetterAlarmArgs,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    `${name}-dlq-alarm`,
    {
      alarmDescription: args.description,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: args.deadLetterQueueName },
      statistic: "Maximum",
      period: args.periodSeconds ?? 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: args.alarmActions,
      okActions: args.alarmActions,
    },
    opts,
  );
}

function validate(name: string, args: QueueWithDlqArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("QueueWithDlq", name, resource);
  // The dead-letter queue adds "-dlq"; SQS names stop at 80 characters.
  if (!/^[A-Za-z0-9_-]{1,76}$/.test(args.queueName)) {
    fail(`queueName must be 1–76 letters, digits, _ or - (the DLQ adds -dlq), got ${JSON.stringify(args.queueName)}`);
  }
  if (!isIntIn(args.visibilityTimeoutSeconds, 0, 43200)) fail("visibilityTimeoutSeconds must be 0–43200");
  if (!isIntIn(args.maxReceiveCount ?? 5, 1, 1000)) fail("maxReceiveCount must be 1–1000");
  if (!isIntIn(args.messageRetentionSeconds ?? 345600, 60, 1209600)) fail("messageRetentionSeconds must be 60–1209600");
  if (!isIntIn(args.deadLetterRetentionSeconds ?? 1209600, 60, 1209600)) fail("deadLetterRetentionSeconds must be 60–1209600");
  const retention = args.messageRetentionSeconds ?? 345600;
  if (args.maxMessageAgeSeconds !== undefined && !isIntIn(args.maxMessageAgeSeconds, 60, retention - 1)) {
    fail(
      `maxMessageAgeSeconds must be 60 or more and below the retention (${retention} s), so the alarm fires before messages expire`,
    );
  }
  if (Array.isArray(args.alarmActions) && args.alarmActions.length === 0) {
    fail("alarmActions is empty: a dead letter nobody hears about is a lost message");
  }
}
