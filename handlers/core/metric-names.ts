/**
 * The custom metrics the pipeline's Lambdas publish (EMF through Powertools Metrics, namespace `cdc/<environment>`),
 * named once for the handlers that publish them, the dashboard that graphs them and `cdc model` that prices them.
 *
 * Cost decides the dimensions. CloudWatch bills every distinct namespace + name + dimension set as one custom metric
 * (about $0.30 a month each): a per-table dimension would make 500 tables × 20 sources × a few metrics cost thousands a
 * month. So every metric has exactly one dimension, Powertools' `service`, which is the publishing function's name:
 * per source for validate and fan-out, per source and target for the poller. The table (and run, file) of each data
 * point travels as an EMF property instead: CloudWatch Logs keeps it in the log line at no metric cost, and the
 * dashboard's Logs Insights widgets break the numbers down by table from there.
 */
import { VIOLATION_CODES } from "./validation/codes";

/** The validate Lambda: one data point per file by outcome, and one per violation found. */
export const VALIDATE_METRICS = {
  harmonized: "FilesHarmonized",
  quarantined: "FilesQuarantined",
  largeFileJob: "FilesSentToLargeFileJob",
  alreadyMoved: "DuplicateEvents",
  gone: "EventsForMissingFiles",
  superseded: "FilesSupersededDuringMove",
  foreignVerdicts: "ForeignLargeFileVerdicts",
  /** LOB values of harmonized files that reach the limited-LOB-mode limit (lob-limit.ts): possibly cut by DMS. */
  lobPossiblyTruncated: "LobValuesPossiblyTruncated",
} as const;

/** The metric counting one violation code (`Violation_BAD_OP`). */
export const violationMetric = (code: string): string => `Violation_${code}`;

/** The fan-out Lambda: copies sent to target queues, and messages it could not read (they go to the DLQ). */
export const FAN_OUT_METRICS = { copiesSent: "FileCopiesSent", unreadable: "UnreadableMessages" } as const;

/** A target's poller, for each run it settles. */
export const POLL_METRICS = {
  /** Seconds from the source commit of a table's newest change in the run to the run's end (per table, as a property). */
  commitToTarget: "CommitToTargetSeconds",
  /** Glue ExecutionTime of the run's attempts. */
  glueSeconds: "GlueRunSeconds",
  /** What the run's attempts are billed, in DPU-hours. */
  dpuHours: "GlueDpuHours",
} as const;

/** The DMS reconciliation Lambda, per table (as a property): rows missing at its first drifting stage, 0 when none. */
export const RECONCILE_METRICS = { driftRows: "ReconciliationDriftRows" } as const;

/** The EMF property naming the table of a data point (Logs Insights: `stats … by table`). */
export const TABLE_PROPERTY = "table";

/**
 * Custom metrics one source can publish at most, the number CloudWatch bills monthly: every validate metric and one per
 * violation code (a code counts once it has occurred), fan-out's, the poller's once per target, and the DMS
 * reconciliation's.
 */
export function customMetricsPerSource(targets: number): number {
  const validate = Object.keys(VALIDATE_METRICS).length + VIOLATION_CODES.length;
  const reconcile = Object.keys(RECONCILE_METRICS).length;
  return validate + Object.keys(FAN_OUT_METRICS).length + targets * Object.keys(POLL_METRICS).length + reconcile;
}
