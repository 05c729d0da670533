/**
 * The DMS replication task's CDC latency alarms: AWS/DMS CDCLatencySource (how far DMS's reading of the source log is
 * behind the source) and CDCLatencyTarget (how far behind the source DMS's writes of raw files are), each above a
 * threshold for a sustained time, notifying the ingestion account's alert topic. DMS publishes task metrics under two
 * dimensions together: `ReplicationInstanceIdentifier`, the instance's identifier as given (`cdc-prod-sales`), and
 * `ReplicationTaskIdentifier`, the task's resource id — the last part of its ARN (`arn:…:task:UPIIRRYF…`), not the
 * `replicationTaskId` it was created with.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The dimensions DMS publishes a task's metrics under. */
export function dmsTaskMetricDimensions(
  instanceId: pulumi.Input<string>,
  taskArn: pulumi.Input<string>,
): pulumi.Output<{ ReplicationInstanceIdentifier: string; ReplicationTaskIdentifier: string }> {
  return pulumi.all([instanceId, taskArn]).apply(([instance, arn]) => ({
    ReplicationInstanceIdentifier: instance,
    ReplicationTaskIdentifier: arn.slice(arn.lastIndexOf(":") + 1),
  }));
}

export interface DmsLatencyAlarmArgs {
  /** `cdc-<env>-<source>`: the task's and instance's identifier, and the alarms' name prefix. */
  id: string;
  dimensions: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Latency, in seconds, above which a 5-minute period counts as late. */
  seconds: number;
  /** Minutes (a multiple of 5) every period of which must be late before the alarm fires. */
  minutes: number;
  alertTopicArn: pulumi.Input<string>;
}

/** Declares the two alarms as children of `opts.parent`, named `<name>-latency-source` and `<name>-latency-target`. */
export function dmsLatencyAlarms(name: string, args: DmsLatencyAlarmArgs, opts: pulumi.CustomResourceOptions): void {
  const periods = args.minutes / 5;
  const side = { source: "reading the source's log", target: "writing raw files" } as const;
  for (const which of ["source", "target"] as const) {
    const metric = which === "source" ? "CDCLatencySource" : "CDCLatencyTarget";
    new aws.cloudwatch.MetricAlarm(
      `${name}-latency-${which}`,
      {
        name: `${args.id}-dms-latency-${which}`,
        alarmDescription:
          `DMS task ${args.id} is over ${args.seconds} s behind the source ${side[which]} (${metric}) for ${args.minutes} min. ` +
          `See \`cdc dms status --stack <stack> --source <source>\`; a full load or a burst of changes raises it for a while.`,
        namespace: "AWS/DMS",
        metricName: metric,
        dimensions: args.dimensions,
        statistic: "Average",
        period: 300,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        threshold: args.seconds,
        comparisonOperator: "GreaterThanThreshold",
        // A stopped task (the dev cost saver's nights) reports nothing; its stop is already a DMS event alert.
        treatMissingData: "notBreaching",
        alarmActions: [args.alertTopicArn],
        okActions: [args.alertTopicArn],
        insufficientDataActions: [],
      },
      opts,
    );
  }
}
