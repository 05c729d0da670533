/**
 * Reconciliation with DMS, the pure part: per table, what DMS says it sent (DescribeTableStatistics) against the rows
 * the pipeline holds at each stage — arrived in S3 (`raw`), validated (`validated`), applied by each target
 * (`applied:<target>`) — allowing for work still in flight. Shared by the scheduled Lambda (handlers/dms-reconcile.ts)
 * and `cdc reconcile`, so both report the same numbers.
 *
 * Which rows a DMS counter covers. FullLoadRows is the table's current full load (a reload starts it again), so it is
 * compared with the full-load files of the current generation: the LOAD objects written since the table's
 * FullLoadStartTime (a reload rewrites LOAD00000001… in place; an older, longer load can leave files behind it).
 * Inserts/Updates/Deletes count CDC changes since some start; DMS documents what the counters mean but not whether a
 * resume (StartReplicationTask resume-processing) or a table reload sets them back to zero. So the CDC rows are
 * counted over each window a counter can count from — since the task's last start or resume (StartDate), since its
 * fresh start (FreshStartDate), since the table's reload (FullLoadStartTime) — and the window that fits best is taken.
 * CDC files are named by the time DMS wrote them, so a window is a range of keys. A real gap still shows, unless it
 * happens to equal the difference between two windows' counts.
 *
 * In flight, never drift: rows DMS may have counted within its batch interval and not written yet (see
 * {@link dmsBatchRows}: at most what its rate allows, never the whole difference), files still in raw younger than
 * `staleMinutes`, harmonized files a target has not applied
 * yet that are younger than `applyGraceMinutes`, and tables a target holds (their own alert says so). More rows in
 * the pipeline than DMS counted (a resume re-sends the changes after its last checkpoint) is shown, never alerted.
 */
import { cdcFileName, compareDmsFiles, parseDmsKey } from "../dms-key";

/** One table of DescribeTableStatistics, as the reconciliation needs it. */
export interface DmsTableCounts {
  schema: string;
  table: string;
  /** `Table completed`, `Full load`, `Before load`, `Table error`, … (TableStatistics.TableState). */
  state: string;
  fullLoadRows: number;
  inserts: number;
  updates: number;
  deletes: number;
  fullLoadStartTime?: Date;
  fullLoadReloaded?: boolean;
  lastUpdateTime?: Date;
}

/** The task's own dates (DescribeReplicationTasks: ReplicationTaskStats). */
export interface DmsTaskDates {
  /** Last start, fresh or resumed. */
  startDate?: Date;
  /** Last fresh start or target reload. */
  freshStartDate?: Date;
}

/** One object of the table in one bucket. `rows` is undefined when it could not be read (counted as unknown). */
export interface PipelineFile {
  key: string;
  kind: "load" | "cdc";
  rows: number;
  lastModified: Date;
  etag?: string;
}

/** A target's progress on the table (the poller's state document). */
export interface TargetProgress {
  target: string;
  /** Last file applied, as a key (the state keeps s3:// URIs; the caller strips the bucket). */
  appliedThrough?: string;
  /** Full-load files of the current generation applied, key → ETag. */
  loads?: Record<string, string>;
  /** Files known to sort before `appliedThrough` that no run took yet. */
  late?: string[];
  held: boolean;
}

export interface TableEvidence {
  dms: DmsTableCounts;
  raw: PipelineFile[];
  harmonized: PipelineFile[];
  quarantined: PipelineFile[];
  /** Targets whose table globs select the table; undefined when the applied stage is not checked. */
  targets?: TargetProgress[];
  /** DMS's CDC counters (inserts + updates + deletes) at the previous run (the ledger), for its recent rate. */
  previous?: { at: Date; cdc: number };
}

export interface DriftSettings {
  now: Date;
  /** DMS's CdcMaxBatchInterval: rows it counted within this (plus a margin) may not be in a file yet. */
  batchSeconds: number;
  /** A raw file older than this should have been validated. */
  staleMinutes: number;
  /** A harmonized file older than this should have been applied (poll interval, retries). */
  applyGraceMinutes: number;
  /** Differences up to this many rows are not drift. */
  toleranceRows: number;
}

export type Stage = "raw" | "validated" | `applied:${string}`;

export interface StageCounts {
  stage: Stage;
  /** Rows DMS counted for this comparison (full load + CDC in the chosen window). */
  expected: number;
  /** Rows found at this stage. */
  found: number;
  /** Rows not yet at this stage that are still in flight. */
  inFlight: number;
  /** expected − found − inFlight; positive = rows missing. */
  difference: number;
  drift: boolean;
  /** Why there is no drift despite a difference, or what a target's state says. */
  note?: string;
}

export interface TableReconciliation {
  table: string;
  state: string;
  dms: { fullLoadRows: number; inserts: number; updates: number; deletes: number };
  /** The CDC window chosen: which start the counters were matched against, and its first key. */
  window: { from: "task-start" | "fresh-start" | "table-reload" | "all"; since?: string };
  pipeline: { load: number; cdc: number };
  /** `dmsBatchRows`: rows DMS may have counted and not written yet (0 unless `dmsBatch`). */
  inFlight: { rawRows: number; dmsBatch: boolean; dmsBatchRows: number; unapplied: Record<string, number> };
  stages: StageCounts[];
  /** The first stage with drift: the one the alert names. */
  drift?: StageCounts;
}

const sum = (files: readonly PipelineFile[]) => files.reduce((n, f) => n + f.rows, 0);
const minutesAgo = (now: Date, m: number) => new Date(now.getTime() - m * 60_000);

/** CDC file keys sort by the time DMS wrote them: the first name a window admits. */
export function windowStartName(at: Date): string {
  return cdcFileName(at);
}

/** The CDC windows a counter can count from, oldest first; "all" when DMS gives no date at all. */
export function cdcWindows(
  task: DmsTaskDates,
  table: Pick<DmsTableCounts, "fullLoadStartTime" | "fullLoadReloaded">,
): { from: TableReconciliation["window"]["from"]; at?: Date }[] {
  const out: { from: TableReconciliation["window"]["from"]; at?: Date }[] = [];
  if (task.freshStartDate) out.push({ from: "fresh-start", at: task.freshStartDate });
  if (task.startDate) out.push({ from: "task-start", at: task.startDate });
  if (table.fullLoadReloaded && table.fullLoadStartTime) out.push({ from: "table-reload", at: table.fullLoadStartTime });
  if (out.length === 0) out.push({ from: "all" });
  return out.sort((a, b) => (a.at?.getTime() ?? 0) - (b.at?.getTime() ?? 0));
}

/** The oldest moment any window starts at: files before it never count (the reader lists from there). */
export function earliestWindow(task: DmsTaskDates, tables: readonly DmsTableCounts[]): Date | undefined {
  const dates = tables.flatMap((t) => cdcWindows(task, t).map((w) => w.at));
  if (dates.some((d) => d === undefined)) return undefined;
  return dates.reduce<Date | undefined>((min, d) => (!min || (d && d < min) ? d : min), undefined);
}

const inWindow = (f: PipelineFile, since: string | undefined) => {
  if (f.kind === "load") return true;
  if (!since) return true;
  const k = parseDmsKey(f.key);
  return k.ok && k.value.file >= since;
};

/** Full-load files of the table's current load: written at or after its FullLoadStartTime. */
const currentLoad = (f: PipelineFile, dms: DmsTableCounts) =>
  f.kind === "load" && (!dms.fullLoadStartTime || f.lastModified.getTime() >= dms.fullLoadStartTime.getTime());

/** Reconciles one table. */
export function reconcileTable(task: DmsTaskDates, e: TableEvidence, s: DriftSettings): TableReconciliation {
  const { dms } = e;
  const id = `${dms.schema}.${dms.table}`;
  const cdcExpected = dms.inserts + dms.updates + dms.deletes;
  const relevant = (files: readonly PipelineFile[], since: string | undefined) =>
    files.filter((f) => (f.kind === "load" ? currentLoad(f, dms) : inWindow(f, since)));

  // The window whose CDC rows come closest to DMS's counters.
  const arrivedCdc = (since: string | undefined) =>
    sum([...e.raw, ...e.harmonized, ...e.quarantined].filter((f) => f.kind === "cdc" && inWindow(f, since)));
  let window: TableReconciliation["window"] = { from: "all" };
  let windowAt: Date | undefined;
  let best = Infinity;
  for (const w of cdcWindows(task, dms)) {
    const since = w.at ? windowStartName(w.at) : undefined;
    const gap = Math.abs(cdcExpected - arrivedCdc(since));
    if (gap < best) [best, window, windowAt] = [gap, { from: w.from, since }, w.at];
  }
  const raw = relevant(e.raw, window.since);
  const harmonized = relevant(e.harmonized, window.since);
  const quarantined = relevant(e.quarantined, window.since);

  // A table still loading, or in error, has counters that are not final: nothing to compare yet.
  const loading = /before load|full load|being reloaded|queued/i.test(dms.state);
  const expected = dms.fullLoadRows + cdcExpected;
  const batch = dmsBatchRows(dms, cdcExpected, windowAt, e.previous, s);
  const dmsBatch = batch !== undefined;
  const rawRows = sum(raw);
  const staleRaw = sum(raw.filter((f) => f.lastModified < minutesAgo(s.now, s.staleMinutes)));
  const validatedRows = sum(harmonized) + sum(quarantined);
  const stages: StageCounts[] = [];
  const stage = (name: Stage, exp: number, found: number, inFlight: number, note?: string): StageCounts => {
    const difference = exp - found - inFlight;
    const drift = !loading && difference > s.toleranceRows;
    const why = loading ? `table state ${dms.state}: counters not final` : drift ? undefined : note;
    const out: StageCounts = { stage: name, expected: exp, found, inFlight, difference, drift, ...(why ? { note: why } : {}) };
    stages.push(out);
    return out;
  };
  // raw: every row DMS counted is in some file (raw, harmonized or quarantine).
  const arrived = validatedRows + rawRows;
  const batchRows = Math.min(batch ?? 0, Math.max(0, expected - arrived));
  stage(
    "raw",
    expected,
    arrived,
    batchRows,
    dmsBatch ? `DMS counted changes within its batch interval (up to ${batch} rows at its rate)` : undefined,
  );
  // validated: every row that arrived was validated, or is in raw and not stale yet.
  stage("validated", validatedRows + rawRows, validatedRows, rawRows - staleRaw, undefined);
  if (quarantined.length > 0) {
    const v = stages[stages.length - 1];
    v.note = [v.note, `${sum(quarantined)} rows quarantined (cdc quarantine replay)`].filter(Boolean).join("; ");
  }
  const unapplied: Record<string, number> = {};
  for (const t of e.targets ?? []) {
    const applied = harmonized.filter((f) => isApplied(f, t));
    const waiting = harmonized.filter((f) => !isApplied(f, t));
    const recent = sum(waiting.filter((f) => f.lastModified >= minutesAgo(s.now, s.applyGraceMinutes)));
    unapplied[t.target] = sum(waiting);
    // A held table waits on purpose, with an alert of its own (table-held) and `cdc target resume` to end it.
    const inFlight = t.held ? sum(waiting) : recent;
    stage(`applied:${t.target}`, sum(harmonized), sum(applied), inFlight, t.held ? "held by the target" : undefined);
  }
  const drift = stages.find((x) => x.drift);
  return {
    table: id,
    state: dms.state,
    dms: { fullLoadRows: dms.fullLoadRows, inserts: dms.inserts, updates: dms.updates, deletes: dms.deletes },
    window,
    pipeline: {
      load: sum([...raw, ...harmonized, ...quarantined].filter((f) => f.kind === "load")),
      cdc: sum([...raw, ...harmonized, ...quarantined].filter((f) => f.kind === "cdc")),
    },
    inFlight: { rawRows, dmsBatch, dmsBatchRows: batchRows, unapplied },
    stages,
    ...(drift ? { drift } : {}),
  };
}

/** Margin on DMS's rate: changes come in bursts, and a batch may wait up to twice its interval. */
const BATCH_RATE_MARGIN = 2;

/**
 * Rows DMS may have counted and not yet written, when it counted within its batch interval (LastUpdateTime within
 * 2×batch+60 s); undefined when it did not. Excusing the whole raw difference then, as before, meant a busy table (DMS
 * always counts within the last minute) was never checked at the raw stage: a lost batch hid forever. So the excuse is
 * at most what DMS counts in that interval: its rate (the higher of the chosen window's average and the rate since the
 * previous run, which follows a table that got busy) times the interval, twice over. A burst far above both rates can
 * raise one alert that the next run no longer confirms (the alert names its numbers); a lost batch larger than the
 * excuse no longer hides. Without any rate (no dated window, no previous run) nothing is excused.
 */
export function dmsBatchRows(
  dms: Pick<DmsTableCounts, "lastUpdateTime">,
  cdcCounted: number,
  windowStart: Date | undefined,
  previous: { at: Date; cdc: number } | undefined,
  s: Pick<DriftSettings, "now" | "batchSeconds">,
): number | undefined {
  const interval = 2 * s.batchSeconds + 60;
  if (dms.lastUpdateTime === undefined || dms.lastUpdateTime.getTime() < s.now.getTime() - interval * 1000) return undefined;
  const perSecond = (rows: number, since: Date | undefined) => {
    const seconds = since ? (s.now.getTime() - since.getTime()) / 1000 : 0;
    return seconds > 0 && rows > 0 ? rows / seconds : 0;
  };
  const rate = Math.max(perSecond(cdcCounted, windowStart), previous ? perSecond(cdcCounted - previous.cdc, previous.at) : 0);
  return Math.ceil(rate * interval * BATCH_RATE_MARGIN);
}

/** Whether a target applied a harmonized file: LOAD files by the ETag it recorded, CDC files up to its mark. */
function isApplied(f: PipelineFile, t: TargetProgress): boolean {
  const unquoted = (etag: string | undefined) => etag?.replace(/"/g, "");
  if (f.kind === "load") return f.etag !== undefined && unquoted(t.loads?.[f.key]) === unquoted(f.etag);
  if (!t.appliedThrough || t.late?.includes(f.key)) return false;
  return compareDmsFiles(f.key, t.appliedThrough) <= 0;
}

/** The alert for a table with drift (docs: the alert contract, `reconciliation-drift`). */
export function driftAlert(source: string, r: TableReconciliation, command: string): Record<string, unknown> | undefined {
  if (!r.drift) return undefined;
  return {
    kind: "reconciliation-drift",
    source,
    table: r.table,
    stage: r.drift.stage,
    dms: { ...r.dms, state: r.state, window: r.window.from },
    pipeline: { ...r.pipeline, expected: r.drift.expected, found: r.drift.found },
    inFlight: { rows: r.drift.inFlight, rawRows: r.inFlight.rawRows, dmsBatch: r.inFlight.dmsBatch },
    difference: r.drift.difference,
    command,
  };
}
