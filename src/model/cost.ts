/**
 * What a stack's config costs to run and how fresh its targets are (DESIGN §7), from the settings alone — before any
 * deployment. Costs are monthly and cover what the settings decide: DMS instances and storage, Glue runs, the
 * Lambdas and queues that move files, KMS keys. What depends on data volume (S3 storage, Athena scans, DMS data
 * transfer) is listed as excluded, not guessed.
 *
 * Glue dominates: every poll that finds a file starts a run, billed at least a minute on every worker, at the DPUs
 * of the target's own worker type and the price of its execution class (FLEX is cheaper). The model assumes changes
 * arrive steadily (a run at every tick), the upper bound a busy source reaches; runs that last longer than the
 * interval go back to back, since a target runs one at a time.
 */
import type { SourceConfig, StackConfig, TargetConfig } from "../config";
import { UserError } from "../errors";
import type { Prices } from "./prices";
import { customMetricsPerSource } from "../../handlers/core/metric-names";
import { DPU_PER_WORKER } from "../../components/glue-sizing";

export interface ModelAssumptions {
  /** Minutes one apply run takes, start-up included (Glue 5 starts in well under a minute; a small batch applies in seconds). */
  glueRunMinutes: number;
}

export const DEFAULT_ASSUMPTIONS: ModelAssumptions = { glueRunMinutes: 2 };

/**
 * Longest a FLEX run waits for spare capacity before it starts or fails (Glue's "job run statuses" page: WAITING for
 * at most 20 minutes, a forced start tried after 15). Not billed, but changes reach the target that much later.
 */
export const FLEX_MAX_WAIT_SECONDS = 20 * 60;

const HOURS_PER_MONTH = 730;
const DAYS_PER_MONTH = 30.42;
/** Seconds a file spends between DMS writing it and its message reaching the target queue: S3 notification, the
 * validate and fan-out Lambdas' batching windows (5 s each), validation and copies. */
const LANDING_SECONDS = { typical: 6, worst: 15 };

export interface TargetModel {
  name: string;
  everyMinutes: number;
  /** The apply job's size as the stack sets it, and the DPUs a run holds (workers × DPUs per worker). */
  glue: TargetConfig["glue"] & { dpus: number };
  runsPerDay: number;
  dpuHoursPerMonth: number;
  monthly: { glue: number; poller: number };
  /**
   * Seconds from a commit at the source to the change being visible in the target. A FLEX target's worst case includes
   * a run's longest wait for capacity ({@link FLEX_MAX_WAIT_SECONDS}); its typical case assumes capacity was there.
   */
  latencySeconds: { typical: number; worst: number };
}

export interface SourceModel {
  name: string;
  dms: { instanceClass: string; multiAz: boolean; storageGb: number };
  /** What CloudWatch bills for the source: custom metrics, alarms and dashboards (see {@link monitoringOf}). */
  monitoring: { customMetrics: number; alarms: number; dashboards: number };
  monthly: {
    dmsInstance: number;
    dmsStorage: number;
    landing: number;
    kms: number;
    monitoring: number;
    targets: number;
    total: number;
  };
  targets: TargetModel[];
}

export interface StackModel {
  environment: string;
  region: string;
  prices: string;
  assumptions: ModelAssumptions;
  sources: SourceModel[];
  monthlyTotal: number;
  excluded: string[];
}

export const EXCLUDED = [
  "S3 storage and requests (grow with data volume)",
  "CloudWatch Logs ingestion and Logs Insights queries (grow with files and with dashboard viewing)",
  "Athena queries (billed per TB scanned, capped by the workgroup's per-query limit)",
  "DMS and cross-account data transfer",
  "NAT or interface endpoints of an existing VPC",
];

export function modelStack(config: StackConfig, prices: Prices, assumptions: ModelAssumptions = DEFAULT_ASSUMPTIONS): StackModel {
  if (!(assumptions.glueRunMinutes > 0))
    throw new UserError(`glue run minutes: expected a positive number, got ${assumptions.glueRunMinutes}`);
  const separate = config.accounts.lake.accountId !== config.accounts.ingestion.accountId;
  const sources = config.sources.map((s, i) => modelSource(s, i, separate, prices, assumptions));
  return {
    environment: config.environment,
    region: config.region,
    prices: prices.source,
    assumptions,
    sources,
    monthlyTotal: round(sources.reduce((n, s) => n + s.monthly.total, 0)),
    excluded: EXCLUDED,
  };
}

function modelSource(s: SourceConfig, index: number, separate: boolean, prices: Prices, a: ModelAssumptions): SourceModel {
  const hourly = prices.dmsInstanceHourly[s.dms.instanceClass];
  if (hourly === undefined) {
    throw new UserError(
      `cdc:sources[${index}].dms.instanceClass: no price for ${s.dms.instanceClass}; add it to a --prices file (dmsInstanceHourly)`,
    );
  }
  const targets = s.targets.map((t) => modelTarget(t, s.dms.cdcMaxBatchIntervalSeconds, prices, a));
  // Validate and fan-out: an invocation per file; a busy table gets a file every batch interval. About six SQS calls
  // per file (notify, receive, delete on two queues) plus one send per target.
  const filesPerMonth = (86400 / s.dms.cdcMaxBatchIntervalSeconds) * DAYS_PER_MONTH;
  const sqsCalls = filesPerMonth * (6 + s.targets.length);
  const landing =
    lambdaCost(prices, filesPerMonth, 1, 1) +
    lambdaCost(prices, filesPerMonth, 0.25, 0.2) +
    (sqsCalls * prices.sqsPerMillionRequests) / 1e6;
  const monitoring = monitoringOf(s.targets.length, separate);
  const monthly = {
    dmsInstance: round(hourly * HOURS_PER_MONTH * (s.dms.multiAz ? 2 : 1)),
    dmsStorage: round(s.dms.allocatedStorageGb * prices.dmsStorageGbMonth * (s.dms.multiAz ? 2 : 1)),
    landing: round(landing),
    kms: round(prices.kmsKeyMonth * (separate ? 2 : 1)),
    monitoring: round(
      monitoring.customMetrics * prices.cloudwatchMetricMonth +
        monitoring.alarms * prices.cloudwatchAlarmMonth +
        monitoring.dashboards * prices.cloudwatchDashboardMonth,
    ),
    targets: round(targets.reduce((n, t) => n + t.monthly.glue + t.monthly.poller, 0)),
    total: 0,
  };
  monthly.total = round(
    monthly.dmsInstance + monthly.dmsStorage + monthly.landing + monthly.kms + monthly.monitoring + monthly.targets,
  );
  return {
    name: s.name,
    // The stack's schema has resolved it (on by default in prod); only a source checked on its own leaves it unset.
    dms: { instanceClass: s.dms.instanceClass, multiAz: s.dms.multiAz ?? false, storageGb: s.dms.allocatedStorageGb },
    monitoring,
    monthly,
    targets,
  };
}

function modelTarget(t: TargetConfig, batchSeconds: number, prices: Prices, a: ModelAssumptions): TargetModel {
  const everyMinutes = t.schedule.everyMinutes;
  const flex = t.glue.executionClass === "FLEX";
  const dpus = t.glue.workers * DPU_PER_WORKER[t.glue.workerType];
  const cycleMinutes = Math.max(everyMinutes, a.glueRunMinutes);
  const runsPerDay = 1440 / cycleMinutes;
  const billedMinutes = Math.max(1, a.glueRunMinutes);
  const dpuHoursPerMonth = (runsPerDay * DAYS_PER_MONTH * dpus * billedMinutes) / 60;
  const ticksPerMonth = (1440 / everyMinutes) * DAYS_PER_MONTH;
  const runSeconds = a.glueRunMinutes * 60;
  const pollSeconds = everyMinutes * 60;
  // A change waits for DMS to write its file, lands, waits for the next tick, and for the run; at worst the tick just
  // missed it, a run of the previous batch still holds the target, and a FLEX run waits its longest for capacity.
  const typical = batchSeconds / 2 + LANDING_SECONDS.typical + pollSeconds / 2 + runSeconds;
  const worst =
    batchSeconds +
    LANDING_SECONDS.worst +
    pollSeconds +
    (runSeconds > pollSeconds ? runSeconds : 0) +
    (flex ? FLEX_MAX_WAIT_SECONDS : 0) +
    runSeconds;
  return {
    name: t.name,
    everyMinutes,
    glue: { ...t.glue, dpus },
    runsPerDay: round(runsPerDay),
    dpuHoursPerMonth: round(dpuHoursPerMonth),
    monthly: {
      glue: round(dpuHoursPerMonth * (flex ? prices.glueFlexDpuHour : prices.glueDpuHour)),
      // Each tick: one 512 MB invocation of about a second, a few SQS calls.
      poller: round(lambdaCost(prices, ticksPerMonth, 0.5, 1) + (ticksPerMonth * 4 * prices.sqsPerMillionRequests) / 1e6),
    },
    latencySeconds: { typical: Math.round(typical), worst: Math.round(worst) },
  };
}

/**
 * What CloudWatch bills a source for, whatever its data volume: every custom metric its Lambdas can publish (one
 * `service` dimension each, so the count grows with targets, never with tables: handlers/core/metric-names.ts), its
 * alarms — errors and throttles on each Lambda (validate, raw reconciler, DMS reconciler, fan-out, a poller per target), the DMS task's
 * two latency alarms, and the queues' (each queue's dead letters, and a target queue's oldest message) — and one
 * dashboard per account. The first three dashboards and ten alarms of an account are free; not counted here.
 */
export function monitoringOf(targets: number, separateLake: boolean): SourceModel["monitoring"] {
  const lambdas = 4 + targets;
  const queueAlarms = 2 + 2 * targets;
  return {
    customMetrics: customMetricsPerSource(targets),
    alarms: 2 * lambdas + 2 + queueAlarms,
    dashboards: separateLake ? 2 : 1,
  };
}

function lambdaCost(prices: Prices, invocations: number, memoryGb: number, seconds: number): number {
  return invocations * memoryGb * seconds * prices.lambdaGbSecond + (invocations * prices.lambdaPerMillionRequests) / 1e6;
}

const round = (n: number) => Math.round(n * 100) / 100;
