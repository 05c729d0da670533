/**
 * The CloudWatch dashboard of one pipeline in one account: what runs there, on one page. The ingestion account's shows
 * files validated and quarantined (per table from the logs), DMS CDC latency and the validation queue's age; the lake
 * account's shows commit-to-target delay (per table from the logs), Glue run time and DPU-hours per target and the
 * target queues' ages; both show their Lambdas' errors and throttles. A single-account stack gets one dashboard with
 * every section.
 *
 * Why one per account rather than one for both: a dashboard reads metrics and log groups of its own account; showing
 * the other account's needs CloudWatch cross-account observability (an OAM sink and links, which share every metric
 * and log group of the linked account) or a CloudWatch sharing role in each account — new trust between the accounts
 * that nothing else in the pipeline needs. Two dashboards, each naming the other, keep the accounts as separate as the
 * rest of the design does. One body per pipeline, never a resource per table: per-table detail comes from Logs
 * Insights widgets over the EMF lines (handlers/core/metric-names.ts), which cost nothing until someone looks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { POLL_METRICS, TABLE_PROPERTY, VALIDATE_METRICS } from "../handlers/core/metric-names";
import { argsChecker } from "./args";

/** What one dashboard shows, every name resolved. */
export interface DashboardSpec {
  /** The pipeline's id (`cdc-<env>-<source>`), the header's title. */
  title: string;
  region: string;
  /** Namespace of the pipeline's custom metrics (`cdc/<env>`). */
  namespace: string;
  /** The validate Lambda (ingestion side). */
  validateFunction?: string;
  /** The task's AWS/DMS dimensions and the latency alarm's threshold (ingestion side). */
  dms?: { dimensions: Record<string, string>; alarmSeconds?: number };
  /** Each target's poller (lake side). */
  targets?: Array<{ name: string; pollFunction: string }>;
  /** Queues whose oldest message's age is graphed. */
  queues: string[];
  /** Every Lambda function of the pipeline in this account. */
  functions: string[];
  /** The pipeline's dashboard in its other account, when it has one. */
  otherDashboard?: { name: string; accountId: string };
}

export interface PipelineDashboardArgs {
  /** Physical dashboard name: letters, digits, `-` and `_`, at most 255 characters. */
  dashboardName: string;
  /** What it shows; names may still be outputs of the resources they belong to. */
  spec: pulumi.Input<DashboardSpec>;
}

export class PipelineDashboard extends pulumi.ComponentResource {
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: PipelineDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:monitoring:PipelineDashboard", name, {}, opts);
    const fail = argsChecker("PipelineDashboard", name, this);
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(args.dashboardName)) {
      fail(`dashboardName must be 1–255 letters, digits, - or _, got ${JSON.stringify(args.dashboardName)}`);
    }
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: args.dashboardName,
        dashboardBody: pulumi.output(args.spec).apply((s) => JSON.stringify(dashboardBody(s))),
      },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}

type Widget = { type: string; width: number; height: number; properties: Record<string, unknown> };

const FIVE_MINUTES = 300;
const WIDE = 24;
const HALF = 12;

/** The dashboard body (CloudWatch's dashboard body structure), sections in the order a file travels. */
export function dashboardBody(s: DashboardSpec): { widgets: Widget[] } {
  const widgets: Widget[] = [header(s)];
  const metric = (title: string, metrics: unknown[][], extra: Record<string, unknown> = {}, width = HALF): Widget => ({
    type: "metric",
    width,
    height: 6,
    properties: { title, region: s.region, view: "timeSeries", stacked: false, period: FIVE_MINUTES, metrics, ...extra },
  });
  const logs = (title: string, groups: string[], query: string): Widget => ({
    type: "log",
    width: HALF,
    height: 6,
    properties: {
      title,
      region: s.region,
      view: "table",
      query: `${groups.map((g) => `SOURCE '${g}'`).join(" | ")} | ${query}`,
    },
  });

  if (s.dms) {
    const d = Object.entries(s.dms.dimensions).flat();
    widgets.push(
      metric(
        "DMS CDC latency (s)",
        [
          ["AWS/DMS", "CDCLatencySource", ...d, { stat: "Average", label: "source (reading the log)" }],
          ["AWS/DMS", "CDCLatencyTarget", ...d, { stat: "Average", label: "target (raw files written)" }],
        ],
        s.dms.alarmSeconds !== undefined ? { annotations: { horizontal: [{ label: "alarm", value: s.dms.alarmSeconds }] } } : {},
        WIDE,
      ),
    );
  }
  if (s.validateFunction) {
    const fn = s.validateFunction;
    widgets.push(
      metric("Files validated and quarantined", [
        [s.namespace, VALIDATE_METRICS.harmonized, "service", fn, { stat: "Sum", label: "validated" }],
        [s.namespace, VALIDATE_METRICS.quarantined, "service", fn, { stat: "Sum", label: "quarantined" }],
        [s.namespace, VALIDATE_METRICS.largeFileJob, "service", fn, { stat: "Sum", label: "sent to the large-file job" }],
      ]),
      logs(
        "Files per table (validated, quarantined)",
        [`/aws/lambda/${fn}`],
        `filter ispresent(${VALIDATE_METRICS.harmonized}) or ispresent(${VALIDATE_METRICS.quarantined})` +
          ` | stats sum(${VALIDATE_METRICS.harmonized}) as validated, sum(${VALIDATE_METRICS.quarantined}) as quarantined by ${TABLE_PROPERTY}` +
          ` | sort quarantined desc, validated desc | limit 100`,
      ),
    );
  }
  const targets = s.targets ?? [];
  if (targets.length > 0) {
    const perTarget = (metricName: string, stat: string) =>
      targets.map((t) => [s.namespace, metricName, "service", t.pollFunction, { stat, label: t.name }]);
    widgets.push(
      metric("Commit to target, worst table of a run (s)", perTarget(POLL_METRICS.commitToTarget, "Maximum")),
      logs(
        "Commit to target per table (s)",
        targets.map((t) => `/aws/lambda/${t.pollFunction}`),
        `filter ispresent(${POLL_METRICS.commitToTarget})` +
          ` | stats max(${POLL_METRICS.commitToTarget}) as worst, avg(${POLL_METRICS.commitToTarget}) as average, count(*) as runs by ${TABLE_PROPERTY}` +
          ` | sort worst desc | limit 100`,
      ),
      metric("Glue run time (s)", perTarget(POLL_METRICS.glueSeconds, "Sum")),
      metric("Glue DPU-hours", perTarget(POLL_METRICS.dpuHours, "Sum"), { period: 3600 }),
    );
  }
  if (s.queues.length > 0) {
    widgets.push(
      metric(
        "Queue age: oldest message (s)",
        s.queues.map((q) => ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q, { stat: "Maximum", label: q }]),
        {},
        WIDE,
      ),
    );
  }
  if (s.functions.length > 0) {
    const per = (metricName: string) =>
      s.functions.map((f) => ["AWS/Lambda", metricName, "FunctionName", f, { stat: "Sum", label: f }]);
    widgets.push(metric("Lambda errors", per("Errors")), metric("Lambda throttles", per("Throttles")));
  }
  return { widgets: layout(widgets) };
}

function header(s: DashboardSpec): Widget {
  const other = s.otherDashboard
    ? ` The rest of the pipeline runs in account ${s.otherDashboard.accountId}: see its dashboard **${s.otherDashboard.name}** there.`
    : "";
  return {
    type: "text",
    width: WIDE,
    height: 2,
    properties: {
      markdown:
        `# ${s.title}\nCustom metrics have one dimension (the function); per-table numbers come from the log tables.${other}` +
        ` Alerts and the commands that deal with them: docs/operations.md.`,
    },
  };
}

/** Left to right, top to bottom: each widget gets x and y in CloudWatch's 24-column grid. */
function layout(widgets: Widget[]): Array<Widget & { x: number; y: number }> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((w) => {
    if (x + w.width > WIDE) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...w, x, y };
    x += w.width;
    rowHeight = Math.max(rowHeight, w.height);
    return placed;
  });
}
