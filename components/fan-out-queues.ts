/**
 * The fan-out, in the lake account: a Lambda on the validated-file queue that copies each message to the queue of
 * every target whose table globs match it, reporting per-record failures so SQS redelivers only those.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { BundledFunction } from "./bundled-function";
import type { PolicyStatementInput } from "./iam";

export interface FanOutTargetRef {
  name: string;
  /** Globs over `schema.table` the target subscribes to. */
  tables: string[];
  queueUrl: pulumi.Input<string>;
  queueArn: pulumi.Input<string>;
}

export interface FanOutArgs {
  /** Physical function name (also its role's). */
  functionName: string;
  accountId: string;
  environment: string;
  /** The validated-file queue the validate Lambda writes to. */
  validatedQueue: { arn: pulumi.Input<string>; visibilityTimeoutSeconds: number };
  targets: FanOutTargetRef[];
}

export class FanOut extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: FanOutArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:lake:FanOut", name, {}, opts);
    const fail = argsChecker("FanOut", name, this);
    if (args.targets.length === 0) fail("targets needs at least one target");
    const names = args.targets.map((t) => t.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) fail(`two targets are named ${twice}`);
    // The handler refuses such a target at every cold start; refuse it at preview instead.
    const empty = args.targets.find((t) => t.tables.length === 0);
    if (empty) fail(`target ${empty.name} subscribes to no tables`);
    // SQS's rule for Lambda consumers: visibility at least six times the function timeout.
    const timeoutSeconds = Math.floor(args.validatedQueue.visibilityTimeoutSeconds / 6);
    if (timeoutSeconds < 10) fail("validatedQueue.visibilityTimeoutSeconds must be at least 60 (six times the function timeout)");
    const child = { parent: this };

    // The handler's TARGETS contract (handlers/core/fan-out.ts): name, table globs, queue URL.
    const targets = pulumi
      .output(args.targets.map(({ name: target, tables, queueUrl }) => ({ name: target, tables, queueUrl })))
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
        environment: { TARGETS: targets },
        policyStatements: fanOutStatements(
          args.validatedQueue.arn,
          args.targets.map((t) => t.queueArn),
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

    this.functionName = fn.functionName;
    this.registerOutputs({ functionName: this.functionName });
  }
}

/** Read the validated queue, write every target queue — nothing else. */
export function fanOutStatements(
  validatedQueueArn: pulumi.Input<string>,
  targetQueueArns: pulumi.Input<string>[],
): PolicyStatementInput[] {
  return [
    {
      Sid: "ConsumeValidatedQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
      Resource: validatedQueueArn,
    },
    { Sid: "SendToTargets", Effect: "Allow", Action: "sqs:SendMessage", Resource: targetQueueArns },
  ];
}
