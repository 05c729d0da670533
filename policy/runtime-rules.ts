/**
 * Nothing is lost silently: every queue has a dead-letter queue (or is one), every Lambda keeps its logs for a
 * bounded time in a log group the stack manages, and a Lambda invoked asynchronously sends failed events somewhere.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

const QUEUE = "aws:sqs/queue:Queue";
const FUNCTION = "aws:lambda/function:Function";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const PERMISSION = "aws:lambda/permission:Permission";
const INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
const SCHEDULE = "aws:scheduler/schedule:Schedule";
/** Services that invoke Lambda asynchronously (the caller does not wait, so failures need a destination). */
export const ASYNC_INVOKERS = ["events.amazonaws.com", "sns.amazonaws.com", "s3.amazonaws.com", "scheduler.amazonaws.com"];

function deadLetterTarget(queue: PolicyResource): string | undefined {
  const redrive = queue.props.redrivePolicy;
  if (typeof redrive !== "string" || redrive === "") return undefined;
  try {
    return (JSON.parse(redrive) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
  } catch {
    return undefined;
  }
}

/** The dead-letter queue an EventBridge Scheduler schedule sends its failed calls to: the end of a chain, as an SQS one. */
function scheduleDeadLetterTarget(schedule: PolicyResource): string | undefined {
  const arn = (schedule.props.target as { deadLetterConfig?: { arn?: unknown } } | undefined)?.deadLetterConfig?.arn;
  return typeof arn === "string" ? arn : undefined;
}

export const queuesHaveDeadLetterQueues: StackValidationPolicy = {
  name: "sqs-queue-has-dlq",
  description:
    "Every SQS queue has a redrive policy to a dead-letter queue, or is the dead-letter queue of one or of a schedule.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    const queues = resources.filter((r) => r.type === QUEUE);
    const targets = [
      ...queues.map(deadLetterTarget),
      ...resources.filter((r) => r.type === SCHEDULE).map(scheduleDeadLetterTarget),
    ].filter((t): t is string => t !== undefined);
    for (const q of queues) {
      if (deadLetterTarget(q) !== undefined) continue;
      const name = (q.props.name as string | undefined) ?? q.name;
      if (targets.some((arn) => arn.endsWith(`:${name}`))) continue;
      report(`queue ${name} has no dead-letter queue: set a redrivePolicy with deadLetterTargetArn and maxReceiveCount`, q.urn);
    }
  },
};

/** Whether `ref` (a function name or ARN, possibly qualified) refers to the function named `name`. */
function refersTo(ref: unknown, name: string): boolean {
  if (typeof ref !== "string") return false;
  return ref === name || ref.endsWith(`:function:${name}`) || ref.includes(`:function:${name}:`);
}

export const lambdasLogAndCatchFailures: StackValidationPolicy = {
  name: "lambda-logs-and-failure-destination",
  description:
    "Every Lambda logs to a log group in the stack with a retention; one invoked asynchronously has a DLQ or an on-failure destination.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    for (const fn of resources.filter((r) => r.type === FUNCTION)) {
      const name = (fn.props.name as string | undefined) ?? fn.name;
      const logGroupName = (fn.props.loggingConfig as { logGroup?: string } | undefined)?.logGroup ?? `/aws/lambda/${name}`;
      const group = resources.find((r) => r.type === LOG_GROUP && r.props.name === logGroupName);
      if (!group) {
        report(
          `function ${name} logs to ${logGroupName}, which the stack does not declare: add a LogGroup with retentionInDays`,
          fn.urn,
        );
      } else if (!(typeof group.props.retentionInDays === "number" && group.props.retentionInDays > 0)) {
        report(`function ${name} logs to ${logGroupName}, which keeps logs forever: set retentionInDays`, fn.urn);
      }

      const invokers = resources
        .filter(
          (r) =>
            r.type === PERMISSION && refersTo(r.props.function, name) && ASYNC_INVOKERS.includes(r.props.principal as string),
        )
        .map((r) => r.props.principal as string);
      if (invokers.length === 0) continue;
      const dlq = (fn.props.deadLetterConfig as { targetArn?: string } | undefined)?.targetArn;
      const onFailure = resources.some(
        (r) =>
          r.type === INVOKE_CONFIG &&
          refersTo(r.props.functionName, name) &&
          Boolean((r.props.destinationConfig as { onFailure?: { destination?: string } } | undefined)?.onFailure?.destination),
      );
      if (!dlq && !onFailure) {
        report(
          `function ${name} is invoked asynchronously by ${[...new Set(invokers)].join(", ")} but failed events are dropped: set deadLetterConfig or a FunctionEventInvokeConfig onFailure destination`,
          fn.urn,
        );
      }
    }
  },
};
