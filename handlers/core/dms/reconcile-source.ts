/**
 * One reconciliation of a source: DMS's task and table statistics, the table's files in raw, harmonized and
 * quarantine, each target's progress, then the comparison (drift.ts) per table. The scheduled Lambda and
 * `cdc reconcile` both run exactly this; they differ only in what they do with the result.
 *
 * A run counts only what is new since the ledger it is given (ledger.ts) and returns the ledger to keep. It reads at
 * most `concurrency` objects at a time and starts nothing after `deadline`: tables it did not finish are returned as
 * `incomplete` (their counts so far kept in the ledger, so the next run goes on from there), never compared.
 */
import type { DatabaseMigrationServiceClient } from "@aws-sdk/client-database-migration-service";
import type { S3Client } from "@aws-sdk/client-s3";
import { matchesTableGlob } from "../../../metadata/table-glob";
import { cdcFileName, parseDmsKey } from "../dms-key";
import type { StateReader } from "../poller/state-store";
import {
  cdcWindows,
  reconcileTable,
  windowStartName,
  type DmsTableCounts,
  type DmsTaskDates,
  type DriftSettings,
  type TableReconciliation,
  type TargetProgress,
} from "./drift";
import { listTable, targetProgress } from "./evidence";
import {
  emptyLedger,
  FIRST_CDC_NAME,
  freshTable,
  ledgerFiles,
  settle,
  unfit,
  type Ledger,
  type LedgerFile,
  type TableLedger,
} from "./ledger";
import { findTask, tableCounts, tableStatistics, taskDates } from "./task";

export interface ReconcileSourceSettings {
  source: string;
  /** The DMS task identifier, `cdc-<env>-<source>`. */
  taskId: string;
  rawBucket: string;
  quarantineBucket: string;
  harmonizedBucket: string;
  /** Each target and the table globs it takes; the applied stage is checked only with `lake`. */
  targets: readonly { name: string; tables: readonly string[] }[];
  /** The lake bucket's state documents; absent → the applied stage is not checked (see the component). */
  lake?: StateReader;
  /** Only these tables (`schema.table`, case-insensitive); default all of the task's. */
  tables?: readonly string[];
  /** The source's metadata tables (`schema.table`): those DMS does not report are returned as `notReplicated`. */
  metadataTables?: readonly string[];
}

export interface RunLimits {
  /** What earlier runs counted; undefined: count everything. */
  ledger?: Ledger;
  /** Objects read at once. */
  concurrency: number;
  /** Epoch ms after which no read starts. */
  deadline?: number;
  clock?: () => number;
}

export interface SourceReconciliation {
  taskId: string;
  taskStatus: string;
  tables: TableReconciliation[];
  appliedChecked: boolean;
  /** Metadata tables DMS does not report (not in the task's table mappings, or dropped by DMS). */
  notReplicated: string[];
  /** Tables not compared: the deadline came first. */
  incomplete: string[];
  /** Tables counted again from scratch, and why (a missing or unfit ledger). */
  rebuilt: { table: string; reason: string }[];
  /** The ledger to keep for the next run. */
  ledger: Ledger;
  /** Objects read (HEAD or footer) by this run. */
  reads: number;
}

/** How much older than now a CDC file name must be before it is folded (ledger.ts): files may still land until then. */
const settleMinutes = (s: DriftSettings) => s.staleMinutes + 15;

export async function reconcileSource(
  clients: { dms: DatabaseMigrationServiceClient; s3: S3Client },
  settings: ReconcileSourceSettings,
  drift: DriftSettings,
  limits: RunLimits = { concurrency: 16 },
): Promise<SourceReconciliation> {
  const task = await findTask(clients.dms, settings.taskId);
  const taskArn = task.ReplicationTaskArn as string;
  const dates = taskDates(task);
  const wanted = settings.tables?.map((t) => t.toLowerCase());
  const reported = (await tableStatistics(clients.dms, taskArn)).map(tableCounts);
  const stats = reported
    .filter((t) => !wanted || wanted.includes(`${t.schema}.${t.table}`.toLowerCase()))
    .sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
  const known = new Set(reported.map((t) => `${t.schema}.${t.table}`.toLowerCase()));
  const notReplicated = (settings.metadataTables ?? [])
    .filter((t) => !known.has(t.toLowerCase()) && (!wanted || wanted.includes(t.toLowerCase())))
    .sort();
  const ledger: Ledger = structuredClone(limits.ledger?.taskArn === taskArn ? limits.ledger : emptyLedger(taskArn));
  const clock = limits.clock ?? Date.now;
  const out: SourceReconciliation = {
    taskId: settings.taskId,
    taskStatus: task.Status ?? "unknown",
    tables: [],
    appliedChecked: !!settings.lake,
    notReplicated,
    incomplete: [],
    rebuilt: [],
    ledger,
    reads: 0,
  };
  const stateCache = new Map();
  for (const dms of stats) {
    const id = `${dms.schema}.${dms.table}`;
    if (limits.deadline !== undefined && clock() >= limits.deadline) {
      out.incomplete.push(id);
      continue;
    }
    const globs = settings.targets.filter((t) => t.tables.some((g) => matchesTableGlob(g, id))).map((t) => t.name);
    const targets = settings.lake ? await targetProgress(settings.lake, settings.source, globs, id, stateCache) : undefined;
    const r = await reconcileOne(clients.s3, settings, dms, dates, targets, drift, { ...limits, clock }, ledger, out);
    if (r) out.tables.push(r);
    else out.incomplete.push(id);
  }
  // A table DMS no longer reports has nothing left to count.
  const reportedIds = new Set(reported.map((t) => `${t.schema}.${t.table}`));
  if (!wanted) for (const id of Object.keys(ledger.tables)) if (!reportedIds.has(id)) delete ledger.tables[id];
  return out;
}

/** One table: bring its ledger up to date, compare, fold what settled. Undefined when the deadline came first. */
async function reconcileOne(
  s3: S3Client,
  settings: ReconcileSourceSettings,
  dms: DmsTableCounts,
  dates: DmsTaskDates,
  targets: TargetProgress[] | undefined,
  drift: DriftSettings,
  limits: RunLimits,
  ledger: Ledger,
  out: SourceReconciliation,
): Promise<TableReconciliation | undefined> {
  const id = `${dms.schema}.${dms.table}`;
  const windows = cdcWindows(dates, dms);
  const starts = windows.map((w) => (w.at ? windowStartName(w.at) : FIRST_CDC_NAME));
  const origin = starts.reduce((a, b) => (b < a ? b : a));
  const marks = (targets ?? []).flatMap((t) => [t.appliedThrough, ...(t.late ?? [])].flatMap((k) => cdcMark(k)));
  let t: TableLedger | undefined = ledger.tables[id];
  const why = t ? unfit(t, id, origin, starts, marks) : undefined;
  if (!t || why) {
    if (why) out.rebuilt.push({ table: id, reason: why });
    t = freshTable(origin);
    ledger.tables[id] = t;
  }
  const list = async (bucket: string, from: string, known: Record<string, LedgerFile>, trustMetadata: boolean) => {
    const l = await listTable(s3, bucket, dms, from, { ...limits, known, trustMetadata });
    out.reads += l.reads;
    return l;
  };
  const raw = await list(settings.rawBucket, origin, t.raw, false);
  const harmonized = await list(settings.harmonizedBucket, t.settled, t.harmonized.files, true);
  const quarantined = await list(settings.quarantineBucket, t.settled, t.quarantine.files, true);
  if (!raw.complete || !harmonized.complete || !quarantined.complete) {
    // Keep what was counted (right whatever happens next), drop nothing: the listing did not see everything.
    Object.assign(t.raw, raw.files);
    Object.assign(t.harmonized.files, harmonized.files);
    Object.assign(t.quarantine.files, quarantined.files);
    return undefined;
  }
  t.raw = raw.files;
  t.harmonized.files = harmonized.files;
  t.quarantine.files = quarantined.files;
  const result = reconcileTable(
    dates,
    {
      dms,
      raw: ledgerFiles({ segments: {}, files: t.raw }, id),
      harmonized: ledgerFiles(t.harmonized, id),
      quarantined: ledgerFiles(t.quarantine, id),
      targets,
      previous: t.dms ? { at: new Date(t.dms.at), cdc: t.dms.cdc } : undefined,
    },
    drift,
  );
  t.dms = { at: drift.now.getTime(), cdc: dms.inserts + dms.updates + dms.deletes };
  // Fold only what can no longer change: older than the settle time, not behind a file still in raw or a target.
  const rawCdc = Object.keys(t.raw).flatMap(cdcMark);
  const horizon = cdcFileName(new Date(drift.now.getTime() - settleMinutes(drift) * 60_000));
  settle(
    t,
    [horizon, ...rawCdc, ...marks].reduce((a, b) => (b < a ? b : a)),
    starts,
  );
  return result;
}

/** The CDC name of a key (a target's progress, a raw file), or nothing for a full-load file. */
function cdcMark(key: string | undefined): string[] {
  if (!key) return [];
  const k = parseDmsKey(key);
  return k.ok && k.value.kind === "cdc" ? [k.value.file] : [];
}
