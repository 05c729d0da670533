/** An EventBridge schedule invoking a function: the rule, the permission for EventBridge to invoke, and the target. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface ScheduleArgs {
  /** Physical rule name. */
  ruleName: string;
  description: string;
  /** `rate(…)` or `cron(…)`. */
  scheduleExpression: string;
  fn: { functionName: pulumi.Input<string>; arn: pulumi.Input<string> };
}

/** Declares `name` (the rule), `name-invoke` and `name-target`, all with `opts`. */
export function runOnSchedule(name: string, args: ScheduleArgs, opts: pulumi.CustomResourceOptions): aws.cloudwatch.EventRule {
  const rule = new aws.cloudwatch.EventRule(
    name,
    { name: args.ruleName, description: args.description, scheduleExpression: args.scheduleExpression },
    opts,
  );
  const invoke = new aws.lambda.Permission(
    `${name}-invoke`,
    { action: "lambda:InvokeFunction", function: args.fn.functionName, principal: "events.amazonaws.com", sourceArn: rule.arn },
    opts,
  );
  // The target only once EventBridge may invoke, so no tick is refused in between.
  new aws.cloudwatch.EventTarget(`${name}-target`, { rule: rule.name, arn: args.fn.arn }, { ...opts, dependsOn: [invoke] });
  return rule;
}
