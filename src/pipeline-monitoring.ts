/**
 * A pipeline's CloudWatch monitoring, per account it spans: alarms on every Lambda function declared there (errors,
 * throttles) notifying that account's alert topic, and the pipeline's dashboard of that account
 * (components/pipeline-dashboard.ts says why one per account). CdcPipeline declares it last, once every function of
 * the pipeline has been recorded.
 */
import { alarmsSchema } from "./config-alarms";
import * as pulumi from "@pulumi/pulumi";
import { LambdaAlarms } from "../components/lambda-alarms";
import { PipelineDashboard, type DashboardSpec } from "../components/pipeline-dashboard";
import type { AlarmsConfig } from "./config";

/** One account's side of a pipeline, as its monitoring sees it. */
export interface MonitoredSide {
  accountId: string;
  provider: pulumi.ProviderResource;
  alertTopicArn: pulumi.Input<string>;
  /** Every Lambda function declared on this side (recordLambdaFunctions). */
  functions: string[];
  /** This side's sections of the dashboard. */
  sections: pulumi.Input<Partial<DashboardSpec>>;
}

export interface PipelineMonitoringArgs {
  /** `cdc-<env>-<source>`: the dashboards' name in each account and their title. */
  id: string;
  region: string;
  environment: string;
  alarms: AlarmsConfig;
  ingestion: MonitoredSide;
  /** The lake side; the same account as ingestion in a single-account stack, then both sides share one dashboard. */
  lake: MonitoredSide;
}

/** The stack's default thresholds, for a pipeline declared without `alarms` (the stack schema's defaults). */
export const DEFAULT_ALARMS: AlarmsConfig = alarmsSchema.parse({});

export function monitorPipeline(name: string, args: PipelineMonitoringArgs, parent: pulumi.Resource): void {
  const sides =
    args.ingestion.accountId === args.lake.accountId
      ? [merge(args.ingestion, args.lake)]
      : [
          { ...args.ingestion, other: args.lake.accountId },
          { ...args.lake, other: args.ingestion.accountId },
        ];
  for (const side of sides) {
    const opts = { parent, provider: side.provider };
    new LambdaAlarms(
      `${name}-lambda-alarms-${side.accountId}`,
      {
        functionNames: side.functions,
        alertTopicArn: side.alertTopicArn,
        errorsThreshold: args.alarms.lambdaErrors,
        throttlesThreshold: args.alarms.lambdaThrottles,
      },
      opts,
    );
    const spec = pulumi.output(side.sections).apply((sections): DashboardSpec => ({
      title: args.id,
      region: args.region,
      namespace: `cdc/${args.environment}`,
      functions: side.functions,
      ...sections,
      queues: sections.queues ?? [],
      ...("other" in side && side.other ? { otherDashboard: { name: args.id, accountId: side.other } } : {}),
    }));
    new PipelineDashboard(`${name}-dashboard-${side.accountId}`, { dashboardName: args.id, spec }, opts);
  }
}

/** Both sides in one account: one set of alarms and one dashboard with every section. */
function merge(a: MonitoredSide, b: MonitoredSide): MonitoredSide {
  return {
    ...a,
    functions: [...a.functions, ...b.functions],
    sections: pulumi.all([a.sections, b.sections]).apply(([x, y]) => ({
      ...x,
      ...y,
      queues: [...(x.queues ?? []), ...(y.queues ?? [])],
    })),
  };
}
