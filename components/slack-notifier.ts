/**
 * The Slack notifier of one account: every alert topic of the account (one per source) delivers to one encrypted SQS
 * queue, and one Lambda (handlers/notify.ts) posts what arrives to a Slack incoming webhook whose URL it reads from
 * Secrets Manager at run time. It guarantees that an alert is posted or ends in the queue's DLQ (whose alarm tells the
 * account's first alert topic, which e-mail subscribers hear too), that the function's errors and throttles raise
 * alarms on that same topic as every pipeline function's do, and that a burst reaches Slack as a few packed posts
 * within Slack's rate limit rather than hundreds of refused ones. A Slack outage of up to six hours is ridden out:
 * the alerts wait on the queue and are posted late, and after an hour its age alarm tells the same topic.
 *
 * One per account, not per source: a stack of many sources pays for one queue, one function and one key per account,
 * and Slack's limit of about one post a second is per webhook, so one consumer is what can keep to it. Why a queue in
 * front of the function rather than SNS invoking it: SNS → Lambda retries a failed invocation a few times and then
 * drops it unless a destination is set; SQS gives the batching window that turns a burst into few posts, partial
 * batch failures so only the alerts of a failed post come back, and a DLQ with the alarm QueueWithDlq already has.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { BundledFunction } from "./bundled-function";
import { denyInsecureQueueTransport, policyDocument, type PolicyStatementInput } from "./iam";
import { KmsKey } from "./kms-key";
import { LambdaAlarms } from "./lambda-alarms";
import { QueueWithDlq } from "./queue-with-dlq";

export interface SlackNotifierArgs {
  /** Environment name; the queue, function and key alias are `cdc-<environment>-slack-notifier`. */
  environment: string;
  /** The account the notifier and the topics it subscribes to live in. */
  accountId: string;
  /** The stack's region: CloudWatch Logs of this region encrypts the function's logs with the notifier's key. */
  region: string;
  /** The Pulumi stack, filled into the commands the alerts show (`cdc … --stack <stack>`). */
  stack: string;
  /**
   * The alert topics of this account, by source name (child resources are named after the source, never a list
   * position). Topics of another account are refused: an alarm notifies only its own account's topics, so each
   * account's notifier hears each account's alerts exactly once.
   */
  topics: Record<string, pulumi.Input<string>>;
  /**
   * The Secrets Manager secret holding the webhook URL. When it lives in another account, that account must let this
   * notifier's role read it (the secret's policy) and its key must be a customer-managed one that lets this account
   * decrypt through Secrets Manager (the AWS-managed key cannot be shared).
   */
  webhookSecretArn: string;
  /**
   * Seconds the queue gathers alerts before invoking the function. Defaults to 20: a burst becomes one batch of up to
   * 100 alerts (two or three posts) instead of a hundred invocations racing for Slack's one post a second, and a
   * lone alert waits at most 20 s.
   */
  batchingWindowSeconds?: number;
  /**
   * Most concurrent invocations. Defaults to 2, the smallest SQS event sources accept: not a reserved concurrency of
   * 1, under which the event source's pollers get throttled and every throttle counts as a receive, pushing alerts of
   * a burst into the DLQ. Two posters exceed one post a second only briefly, which Slack tolerates and 429 absorbs.
   */
  maxConcurrency?: number;
  /**
   * The function's errors and throttles within 5 minutes that raise its alarms: the stack's `cdc:alarms`, as for every
   * pipeline function. Both default to 1, as LambdaAlarms' do: an error is a batch of alerts Slack may never see.
   */
  errorsThreshold?: number;
  throttlesThreshold?: number;
  /**
   * `protect` the notifier's key, as the stack protects its data keys (`cdc:protectData`, on in prod): its log group
   * stays readable only while the key exists. Off by default; the key is retained on deletion either way.
   */
  protectKey?: boolean;
}

/** Seconds one invocation may take: long enough to wait out a few of Slack's Retry-After answers. */
const TIMEOUT_SECONDS = 120;
/**
 * Seconds a received alert stays invisible: AWS's advice for a Lambda consumer, six times the function's timeout, so
 * a slow batch is not redelivered. An alert whose post failed comes back only after it: one receive per 12 minutes.
 */
const VISIBILITY_SECONDS = 6 * TIMEOUT_SECONDS;
/**
 * How long Slack may be unreachable before alerts go to the DLQ: 6 hours. Slack's worst outages have lasted hours,
 * not days, and 5 receives (QueueWithDlq's default) would park every alert after one hour of it. Longer is not kinder:
 * a webhook that stays broken (revoked, channel archived) must reach someone the same working day, and the age alarm
 * below tells e-mail subscribers after an hour anyway.
 */
const SLACK_OUTAGE_SECONDS = 6 * 3600;
/** Receives before the DLQ: one per visibility timeout over the outage ridden out (6 h / 720 s = 30). */
const MAX_RECEIVE_COUNT = Math.ceil(SLACK_OUTAGE_SECONDS / VISIBILITY_SECONDS);
/** An alert older than this has not reached Slack for an hour: its topic's e-mail subscribers hear it. */
const MAX_ALERT_AGE_SECONDS = 3600;

export class SlackNotifier extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly queueArn: pulumi.Output<string>;

  constructor(name: string, args: SlackNotifierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:alerting:SlackNotifier", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const id = `cdc-${args.environment}-slack-notifier`;
    const sources = Object.keys(args.topics).sort();
    const topicArns = sources.map((s) => args.topics[s]);
    // The notifier's own alarms go to the first source's topic: e-mail subscribers hear that alerts stopped reaching
    // Slack, once (the notifier itself would not post them).
    const alarmTopicArn = topicArns[0];

    const key = new KmsKey(
      `${name}-key`,
      {
        accountId: args.accountId,
        alias: id,
        description: `${id}: alerts on their way to Slack`,
        // SNS delivers into the encrypted queue; the function's log group is encrypted with the key too.
        queueSenders: ["sns.amazonaws.com"],
        logsRegion: args.region,
        protect: args.protectKey,
      },
      child,
    );
    const queue = new QueueWithDlq(
      `${name}-queue`,
      {
        queueName: id,
        visibilityTimeoutSeconds: VISIBILITY_SECONDS,
        maxReceiveCount: MAX_RECEIVE_COUNT,
        maxMessageAgeSeconds: MAX_ALERT_AGE_SECONDS,
        kmsKeyArn: key.arn,
        alarmActions: [alarmTopicArn],
        deadLetterAction:
          "Slack refused or never answered them for hours: read the notifier's log (403, 404 or 410: the webhook was revoked or its channel is gone; put a working URL in the webhook secret), then redrive.",
      },
      child,
    );
    new aws.sqs.QueuePolicy(
      `${name}-queue-policy`,
      { queueUrl: queue.url, policy: policyDocument(notifierQueueStatements(queue.arn, topicArns)) },
      child,
    );
    for (const source of sources) {
      new aws.sns.TopicSubscription(
        `${name}-from-${source}`,
        // The envelope is kept (no raw delivery): its TopicArn names the source, its MessageId removes duplicates.
        { topic: args.topics[source], protocol: "sqs", endpoint: queue.arn, rawMessageDelivery: false },
        child,
      );
    }

    const fn = new BundledFunction(
      `${name}-function`,
      {
        functionName: id,
        entry: "handlers/notify.ts",
        accountId: args.accountId,
        powertools: { serviceName: id, metricsNamespace: `cdc/${args.environment}` },
        memorySizeMb: 256,
        timeoutSeconds: TIMEOUT_SECONDS,
        logKmsKeyArn: key.arn,
        environment: { SLACK_WEBHOOK_SECRET_ARN: args.webhookSecretArn, STACK: args.stack },
        policyStatements: notifierStatements(queue.arn, key.arn, args.webhookSecretArn),
      },
      child,
    );
    new aws.lambda.EventSourceMapping(
      `${name}-trigger`,
      {
        eventSourceArn: queue.arn,
        functionName: fn.arn,
        batchSize: 100,
        maximumBatchingWindowInSeconds: args.batchingWindowSeconds ?? 20,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: args.maxConcurrency ?? 2 },
      },
      child,
    );
    new LambdaAlarms(
      `${name}-lambda-alarms`,
      {
        functionNames: [id],
        alertTopicArn: alarmTopicArn,
        errorsThreshold: args.errorsThreshold,
        throttlesThreshold: args.throttlesThreshold,
      },
      child,
    );

    this.functionName = fn.functionName;
    this.roleArn = fn.roleArn;
    this.queueArn = queue.arn;
    this.registerOutputs({ functionName: this.functionName, roleArn: this.roleArn, queueArn: this.queueArn });
  }
}

/** The queue's policy: SNS may deliver from exactly these topics, and nothing reaches it without TLS. */
export function notifierQueueStatements(
  queueArn: pulumi.Input<string>,
  topicArns: pulumi.Input<string>[],
): PolicyStatementInput[] {
  return [
    {
      Sid: "AlertTopicsDeliver",
      Effect: "Allow",
      Principal: { Service: "sns.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: queueArn,
      Condition: { ArnEquals: { "aws:SourceArn": topicArns } },
    },
    denyInsecureQueueTransport(queueArn),
  ];
}

/**
 * What the function does: consume its queue (Lambda's event source, with its role), and read the webhook secret.
 * The secret's key is not in the stack's config, so decryption is granted on the secret account's keys but only
 * through Secrets Manager and only for this secret (Secrets Manager's encryption context names the secret's ARN):
 * as narrow as naming the key. With the AWS-managed key the grant is unused (that key's policy already admits the
 * account's principals through Secrets Manager).
 */
export function notifierStatements(
  queueArn: pulumi.Input<string>,
  keyArn: pulumi.Input<string>,
  secretArn: string,
): PolicyStatementInput[] {
  const [, partition, , region, account] = secretArn.split(":");
  return [
    {
      Sid: "ConsumeAlertQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      Resource: queueArn,
    },
    { Sid: "DecryptAlertQueue", Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn },
    { Sid: "ReadWebhookSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
    {
      Sid: "DecryptWebhookSecret",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: `arn:${partition}:kms:${region}:${account}:key/*`,
      Condition: {
        StringEquals: {
          "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
          "kms:EncryptionContext:SecretARN": secretArn,
        },
      },
    },
  ];
}

function validate(name: string, args: SlackNotifierArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("SlackNotifier", name, resource);
  if (!/^[a-z0-9-]{1,40}$/.test(args.environment))
    fail(`environment must be 1–40 lower-case letters, digits or -, got ${JSON.stringify(args.environment)}`);
  if (!/^\d{12}$/.test(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);
  if (Object.keys(args.topics).length === 0) fail("topics is empty: a notifier that subscribes to nothing posts nothing");
  for (const [source, arn] of Object.entries(args.topics)) {
    if (typeof arn === "string" && arn.split(":")[4] !== args.accountId)
      fail(`topics.${source}: ${arn} is not in account ${args.accountId}; each account's notifier takes that account's topics`);
  }
  if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(args.webhookSecretArn))
    fail(`webhookSecretArn must be a Secrets Manager secret ARN, got ${JSON.stringify(args.webhookSecretArn)}`);
  if (!isIntIn(args.batchingWindowSeconds ?? 20, 0, 300)) fail("batchingWindowSeconds must be 0–300");
  if (!isIntIn(args.maxConcurrency ?? 2, 2, 1000)) fail("maxConcurrency must be 2–1000 (SQS event sources start at 2)");
}
