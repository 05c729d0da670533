/**
 * The fan-out, in the lake account: one queue per target (with its dead-letter queue, alarms and a queue policy that
 * names the only sender) and a Lambda on the validated-file queue that copies each message to the queue of every
 * target whose table globs match it, reporting per-record failures so SQS redelivers only those. A target's queue
 * keeps its messages 14 days and alarms when the oldest has waited ten of its poller's runs, so a stuck poller is
 * heard of long before anything could expire.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { BundledFunction } from "./bundled-function";
import { awsPrincipal, denyInsecureQueueTransport, policyDocument, type PolicyStatementInput } from "./iam";
import { QueueWithDlq } from "./queue-with-dlq";

export interface FanOutTarget {
  /** The target's stable name: its queue is `<queueNamePrefix>-<name>`. */
  name: string;
  /** Globs over `schema.table` the target subscribes to. */
  tables: string[];
  /** Minutes between the target's poller runs: its queue alarms once the oldest message has waited ten of them. */
  everyMinutes: number;
  /**
   * Where this target's queue was declared before (as `pulumi.Alias`es of the queue component), so moving it here
   * keeps the queue and its messages instead of replacing them.
   */
  queueAliases?: pulumi.Input<pulumi.Alias>[];
}

export interface FanOutQueuesArgs {
  /** Physical function name (also its role's). */
  functionName: string;
  /** Physical name prefix of the target queues (`cdc-<env>-<source>`); each queue adds `-<target>`. */
  queueNamePrefix: string;
  accountId: string;
  environment: string;
  /** The validated-file queue the validate Lambda writes to. */
  validatedQueue: { arn: pulumi.Input<string>; visibilityTimeoutSeconds: number };
  targets: FanOutTarget[];
  /** The lake account's key: the target queues and the function's logs are encrypted with it. */
  kmsKeyArn: pulumi.Input<string>;
  /** Where the queues' alarms notify (the lake side's alert topic). */
  alarmActions: pulumi.Input<string>[];
}

/** A target's queue, by target name: what its GlueTarget polls. */
export interface TargetQueue {
  arn: pulumi.Output<string>;
  url: pulumi.Output<string>;
}

/** The poller hides what it received this long while it writes the manifest (its VISIBILITY_TIMEOUT_SECONDS). */
export const TARGET_QUEUE_VISIBILITY_SECONDS = 900;

export class FanOutQueues extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  /** Each target's queue, by target name. */
  readonly queues: Record<string, TargetQueue>;

  constructor(name: string, args: FanOutQueuesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Declared as `FanOut` before the target queues moved here; the alias keeps every child where it is.
    super("cdc:lake:FanOutQueues", name, {}, { ...opts, aliases: [{ type: "cdc:lake:FanOut" }, ...(opts?.aliases ?? [])] });
    const fail = argsChecker("FanOutQueues", name, this);
    if (args.targets.length === 0) fail("targets needs at least one target");
    const names = args.targets.map((t) => t.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) fail(`two targets are named ${twice}`);
    // The handler refuses such a target at every cold start; refuse it at preview instead.
    const empty = args.targets.find((t) => t.tables.length === 0);
    if (empty) fail(`target ${empty.name} subscribes to no tables`);
    const slow = args.targets.find((t) => !isIntIn(t.everyMinutes, 1, 60));
    if (slow) fail(`target ${slow.name}: everyMinutes must be 1–60`);
    // SQS's rule for Lambda consumers: visibility at least six times the function timeout.
    const timeoutSeconds = Math.floor(args.validatedQueue.visibilityTimeoutSeconds / 6);
    if (timeoutSeconds < 10) fail("validatedQueue.visibilityTimeoutSeconds must be at least 60 (six times the function timeout)");
    const child = { parent: this };

    const queues = args.targets.map(
      (t) =>
        new QueueWithDlq(
          `${name}-queue-${t.name}`,
          {
            queueName: `${args.queueNamePrefix}-${t.name}`,
            visibilityTimeoutSeconds: TARGET_QUEUE_VISIBILITY_SECONDS,
            messageRetentionSeconds: 14 * 86400,
            // Ten missed runs, and never less than an hour: long enough to ride out one slow batch.
            maxMessageAgeSeconds: Math.max(3600, 10 * t.everyMinutes * 60),
            kmsKeyArn: args.kmsKeyArn,
            alarmActions: args.alarmActions,
          },
          { parent: this, aliases: t.queueAliases },
        ),
    );

    // The handler's TARGETS contract (handlers/core/fan-out.ts): name, table globs, queue URL.
    const targets = pulumi
      .output(args.targets.map(({ name: target, tables }, i) => ({ name: target, tables, queueUrl: queues[i].url })))
      .apply((list) => JSON.stringify(list));
    const fn = new BundledFunction(
      `${name}-function`,
      {
        functionName: args.functionName,
        entry: "handlers/fan-out.ts",
        accountId: args.accountId,
        powertools: { serviceName: args.functionName, metricsNamespace: `cdc/${args.environment}` },
        timeoutSeconds: Math.min(timeoutSeconds, 60),
        memorySizeMb: 256,
        logKmsKeyArn: args.kmsKeyArn,
        environment: { TARGETS: targets },
        policyStatements: fanOutStatements(
          args.validatedQueue.arn,
          queues.map((q) => q.arn),
          args.kmsKeyArn,
        ),
      },
      child,
    );
    new aws.lambda.EventSourceMapping(
      `${name}-trigger`,
      {
        eventSourceArn: args.validatedQueue.arn,
        functionName: fn.arn,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 5,
        functionResponseTypes: ["ReportBatchItemFailures"],
      },
      child,
    );
    args.targets.forEach((t, i) => {
      new aws.sqs.QueuePolicy(
        `${name}-queue-${t.name}-policy`,
        { queueUrl: queues[i].url, policy: policyDocument(targetQueueStatements(queues[i].arn, fn.roleArn)) },
        child,
      );
    });

    this.functionName = fn.functionName;
    this.queues = Object.fromEntries(args.targets.map((t, i) => [t.name, { arn: queues[i].arn, url: queues[i].url }]));
    this.registerOutputs({ functionName: this.functionName, queues: this.queues });
  }
}

/** Read the validated queue, write every target queue (encrypting with the lake key) — nothing else. */
export function fanOutStatements(
  validatedQueueArn: pulumi.Input<string>,
  targetQueueArns: pulumi.Input<string>[],
  kmsKeyArn: pulumi.Input<string>,
): PolicyStatementInput[] {
  return [
    {
      Sid: "ConsumeValidatedQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
      Resource: validatedQueueArn,
    },
    { Sid: "SendToTargets", Effect: "Allow", Action: "sqs:SendMessage", Resource: targetQueueArns },
    // SSE-KMS queues: a sender needs a data key, and Decrypt to reuse a cached one.
    { Sid: "EncryptForTargets", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: kmsKeyArn },
  ];
}

/**
 * A target queue's policy: the fan-out's role is its one sender (named, so a review sees who writes here), and nothing
 * reaches it without TLS. It grants nobody else anything; operators' redrives still work through their own IAM.
 */
export function targetQueueStatements(
  queueArn: pulumi.Input<string>,
  fanOutRoleArn: pulumi.Input<string>,
): PolicyStatementInput[] {
  return [
    {
      Sid: "FanOutSends",
      Effect: "Allow",
      Principal: { AWS: awsPrincipal([fanOutRoleArn]) },
      Action: "sqs:SendMessage",
      Resource: queueArn,
    },
    denyInsecureQueueTransport(queueArn),
  ];
}
