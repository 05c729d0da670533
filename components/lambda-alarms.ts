/**
 * Alarms on the Lambda functions of one account of a pipeline, or of a stack-wide component such as the Slack
 * notifier: for each function, one on its errors and one on its throttles, notifying that account's alert topic
 * (alarms can only notify topics of their own account) when they fire and when they clear. A function that errors has failed a batch, tick or event that its trigger retries, so the
 * default thresholds are the first one; a throttle means the account's or function's concurrency ran out.
 *
 * Which functions: {@link recordLambdaFunctions} collects every `aws.lambda.Function` declared under a component, so
 * a function a component adds later gets its alarms without anyone listing it (tests/src/monitoring.test.ts checks
 * that every function of every stack has both).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";

export interface LambdaAlarmsArgs {
  /** Physical names of the functions to watch, all in the account of this component's provider. */
  functionNames: string[];
  /** The account's alert topic; alarm, OK and insufficient-data notifications all go there. */
  alertTopicArn: pulumi.Input<string>;
  /** Errors within 5 minutes that raise a function's alarm. Defaults to 1: every error is a failed, retried batch. */
  errorsThreshold?: number;
  /** Throttles within 5 minutes that raise a function's alarm. Defaults to 1: throttled work waits or is lost. */
  throttlesThreshold?: number;
}

/** The alarm of `functionName` on `metric`: its physical name, predictable for runbooks (`<function>-errors`). */
export const lambdaAlarmName = (functionName: string, metric: "errors" | "throttles") => `${functionName}-${metric}`;

export class LambdaAlarms extends pulumi.ComponentResource {
  /** ARNs of the alarms, two per function. */
  readonly alarmArns: pulumi.Output<string>[];

  constructor(name: string, args: LambdaAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:monitoring:LambdaAlarms", name, {}, opts);
    const fail = argsChecker("LambdaAlarms", name, this);
    const dup = args.functionNames.find((n, i) => args.functionNames.indexOf(n) !== i);
    if (dup !== undefined) fail(`function ${dup} is listed twice`);
    for (const [key, value] of [
      ["errorsThreshold", args.errorsThreshold],
      ["throttlesThreshold", args.throttlesThreshold],
    ] as const) {
      if (value !== undefined && !isIntIn(value, 1, 1_000_000)) fail(`${key} must be a whole number of at least 1`);
    }

    const actions = [args.alertTopicArn];
    const alarm = (fn: string, metric: "errors" | "throttles", threshold: number, why: string) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${fn}-${metric}`,
        {
          name: lambdaAlarmName(fn, metric),
          alarmDescription: why,
          namespace: "AWS/Lambda",
          metricName: metric === "errors" ? "Errors" : "Throttles",
          dimensions: { FunctionName: fn },
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          // An idle function reports nothing, which is not a problem.
          treatMissingData: "notBreaching",
          alarmActions: actions,
          okActions: actions,
          insufficientDataActions: [],
        },
        { parent: this },
      );
    this.alarmArns = args.functionNames.flatMap((fn) => {
      const errors = args.errorsThreshold ?? 1;
      const throttles = args.throttlesThreshold ?? 1;
      return [
        alarm(
          fn,
          "errors",
          errors,
          `${fn} failed ${errors} or more times in 5 minutes; its trigger retries the work. Read why in its log group /aws/lambda/${fn} (level ERROR).`,
        ),
        alarm(
          fn,
          "throttles",
          throttles,
          `${fn} was throttled ${throttles} or more times in 5 minutes: the account's or the function's concurrency is used up; raise the limit or find what else runs.`,
        ),
      ].map((a) => a.arn);
    });
    this.registerOutputs({ alarmArns: this.alarmArns });
  }
}

/**
 * A transformation that records, into `names`, the physical name of every Lambda function declared under the resource
 * it is given to (its children and theirs). Declared functions all have a literal name here (BundledFunction's
 * `functionName`); one without is refused, since its alarms could not be named.
 */
export function recordLambdaFunctions(names: string[]): pulumi.ResourceTransformation {
  return ({ type, name, props }) => {
    if (type !== "aws:lambda/function:Function") return undefined;
    const physical: unknown = props.name;
    if (typeof physical !== "string") {
      throw new Error(`Lambda function ${name} has no literal name: its errors and throttles alarms cannot be named`);
    }
    names.push(physical);
    return undefined;
  };
}
