/**
 * Each table's progress on one target, kept durably outside the queue (DESIGN §5 "Failures are per table"):
 * applied up to which file, and whether it is held — since when, by which run, on which files, with which error.
 *
 * Where: one JSON document per target in the lake bucket, next to the run manifests,
 * `state/<source>/<target>/tables.json`, written with S3 conditional writes (If-Match on the ETag read, If-None-Match
 * on creation). Why S3 rather than DynamoDB: the poller already reads and writes the lake bucket under the same key
 * and policy, so there is no new table, no new IAM surface and nothing new to back up; one document per target is
 * one GET per tick and one atomic write when a run settles, however many tables it touched; the only other writer is
 * `cdc target resume`, so contention is rare and optimistic concurrency is enough.
 *
 * This module is pure: it parses the document and computes the next one; the poller (tick.ts) and the CLI store it.
 */
import { z } from "zod";
import { tableShapeSchema, type TableShape } from "../../../metadata/schema-diff";
import { compareDmsFiles } from "../dms-key";
import { runFailureSchema } from "./run-failure";

export const TARGET_STATE_VERSION = 1;

const iso = z.iso.datetime();
const s3Uri = z.string().regex(/^s3:\/\/[^/]+\/.+/, { error: "expected an s3:// URI" });

export const tableHoldSchema = z.strictObject({
  /** When the run that failed was settled (a schema hold: when the poller found the change). */
  since: iso,
  /** The run whose statements failed; none for a schema hold, which no run caused. */
  runId: z.string().min(1).optional(),
  manifestUri: s3Uri.optional(),
  /** The table's files in that run, in order; none of them counts as applied. */
  files: z.array(s3Uri),
  /** The file the error names, else the batch's first. */
  file: s3Uri.optional(),
  /** First line of the engine's error, or the schema change the targets cannot follow. */
  error: z.string(),
  /**
   * The deployed metadata changes the table in a way its targets cannot follow (schema-hold.ts): each change, one
   * line. The hold ends with `cdc target resume`, which re-checks the metadata; `--rebuild` rebuilds the targets.
   */
  schema: z.array(z.string().min(1)).min(1).optional(),
  /** The job found a transient cause in the error (S3, the network, memory, a lost connection: apply_changes.py). */
  transient: z.literal(true).optional(),
  /** When the poller ends this hold by itself (a transient error with automatic retries left). */
  retryAt: iso.optional(),
});
export type TableHold = z.infer<typeof tableHoldSchema>;

export const tableStateSchema = z.strictObject({
  /** The last file (in DMS order) a run applied: the sweep looks for files after it. */
  appliedThrough: s3Uri.optional(),
  appliedAt: iso.optional(),
  held: tableHoldSchema.optional(),
  resumedAt: iso.optional(),
  /** Holds the poller ended by itself since the table was last applied or resumed (transient errors). */
  autoRetries: z.int().min(1).optional(),
  /** Set by resume: the next tick takes every file after `appliedThrough` at once, however recent. */
  sweep: z.literal(true).optional(),
  /**
   * Files announced while the table was held that sort before `appliedThrough` (late, out of order): the sweep after
   * the mark would not find them, so they are kept here until a run takes them.
   */
  late: z.array(s3Uri).optional(),
  /**
   * The full-load files of the table's current generation a run applied, each with its ETag: a LOAD file arriving with
   * another ETag is a reload (handlers/core/poller/generations.ts).
   */
  loads: z.record(z.string(), z.string()).optional(),
  /** The current generation, once a reload started one: its id (the ETag of the LOAD file that started it). */
  generation: z.strictObject({ id: z.string().min(1), file: s3Uri, since: iso }).optional(),
  /** The settings the table's Glue table optimizers were last put with, as a fingerprint (table-optimizers.ts). */
  optimizers: z.string().min(1).optional(),
  /**
   * The shape (columns, types, key) the targets were last applied with: when the deployed metadata differs, the next
   * run alters the targets first (a compatible change) or the table is held (schema-hold.ts). Absent until a run
   * recorded one (state written before schema evolution): the targets are then taken to have the metadata's shape.
   */
  shape: tableShapeSchema.optional(),
  /**
   * Set by `cdc target resume --rebuild` on a schema hold: the table's files wait for the reload's full load (a new
   * generation), and the run that takes it sets the old target tables aside and creates them with the new shape.
   */
  rebuild: z.strictObject({ since: iso, changes: z.array(z.string().min(1)).min(1) }).optional(),
  /**
   * The columns of this table's old-shape files (written before a column was added) whose messages went while it
   * was held: the sweep after the resume finds the files, and their rows must still read the new column as NULL.
   */
  fileColumns: z.record(z.string(), z.array(z.string().min(1))).optional(),
  /** The last rebuild: when, by which run, and the tables it set aside (for whoever drops them once satisfied). */
  rebuilt: z.strictObject({ at: iso, runId: z.string().min(1), backups: z.array(z.string().min(1)) }).optional(),
});
export type TableState = z.infer<typeof tableStateSchema>;

export const targetStateSchema = z.strictObject({
  version: z.literal(TARGET_STATE_VERSION),
  /** `<source>/<target>`. */
  target: z.string().min(1),
  /** The newest run whose outcome is in `tables` (runs settle in run id order, each once). */
  settledThrough: z.string().optional(),
  /** When harmonized was last searched for files no run applied. */
  sweptAt: iso.optional(),
  /** The pending run failing as a whole, retried with backoff (run-failure.ts); gone once it settles. */
  run: runFailureSchema.optional(),
  /** By `<schema>.<table>`. */
  tables: z.record(z.string(), tableStateSchema),
});
export type TargetState = z.infer<typeof targetStateSchema>;

/** `state/<source>/<target>/tables.json` in the lake bucket. */
export function targetStateKey(source: string, target: string): string {
  return `state/${source}/${target}/tables.json`;
}

export function emptyTargetState(source: string, target: string): TargetState {
  return { version: TARGET_STATE_VERSION, target: `${source}/${target}`, tables: {} };
}

/** Parses a stored document; throws one line naming the object when it is not one. */
export function parseTargetState(text: string, where: string): TargetState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
  const r = targetStateSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${where}: ${issue.path.join(".") || "document"}: ${issue.message}`);
  }
  return r.data;
}

export function isHeld(state: TargetState, table: string): boolean {
  return state.tables[table]?.held !== undefined;
}

/** What one finished run did to one table (from its `.done` marker and manifest). */
export interface TableOutcome {
  table: string;
  files: string[];
  status: "applied" | "failed";
  error?: string;
  /** The job marked the failure transient (`.done`). */
  transient?: boolean;
  /** The files' ETags, in the order of `files` (manifests before pinning have none). */
  etags?: string[];
  /** The generation the run's batch of this table belonged to. */
  generation?: { id: string; file: string; sweep: boolean };
  /** The table's shape once the run applied it (the manifest's `shape`). */
  shape?: TableShape;
  /** The run rebuilt the table's targets first, setting the old ones aside as `backups`. */
  rebuild?: { tag: string; backups: string[] };
}

/**
 * Automatic retries of tables held on a transient error: up to `retries` times, the first `baseMs` after the hold,
 * each later one twice as long after its hold, at most `maxMs`. Then the hold waits for `cdc target resume`.
 */
export interface TransientRetryPolicy {
  retries: number;
  baseMs: number;
  maxMs: number;
}

/**
 * The state after run `runId` settled, and the tables it newly held (`retrying`: a transient error the poller retries
 * by itself, so no alert yet). A run at or before `settledThrough` changes nothing, so settling the same marker twice
 * (two ticks, a retried conditional write) is harmless.
 */
export function settleRun(
  state: TargetState,
  run: { runId: string; manifestUri: string; tables: readonly TableOutcome[] },
  at: Date,
  transient?: TransientRetryPolicy,
): { state: TargetState; held: Array<{ table: string; hold: TableHold; retrying: boolean }> } {
  if (state.settledThrough !== undefined && run.runId <= state.settledThrough) return { state, held: [] };
  const tables = { ...state.tables };
  const held: Array<{ table: string; hold: TableHold; retrying: boolean }> = [];
  for (const outcome of run.tables) {
    if (outcome.files.length === 0) continue;
    const before = tables[outcome.table] ?? {};
    if (outcome.status === "applied") {
      const last = outcome.files.reduce((a, b) => (compareUris(a, b) >= 0 ? a : b));
      const through =
        before.appliedThrough !== undefined && compareUris(before.appliedThrough, last) >= 0 ? before.appliedThrough : last;
      const late = before.late?.filter((f) => !outcome.files.includes(f));
      const shapes = Object.entries(before.fileColumns ?? {}).filter(([f]) => !outcome.files.includes(f));
      tables[outcome.table] = {
        ...before,
        ...appliedLoads(before, outcome, at),
        appliedThrough: through,
        appliedAt: at.toISOString(),
        late: late?.length ? late : undefined,
        fileColumns: shapes.length > 0 ? Object.fromEntries(shapes) : undefined,
        autoRetries: undefined,
        ...(outcome.shape && { shape: outcome.shape }),
        ...(outcome.rebuild && {
          rebuild: undefined,
          // New Glue tables: the poller puts their optimizers again (table-optimizers.ts).
          optimizers: undefined,
          rebuilt: { at: at.toISOString(), runId: run.runId, backups: outcome.rebuild.backups },
        }),
      };
    } else if (!before.held) {
      const error = outcome.error ?? "unknown error";
      const hold: TableHold = {
        since: at.toISOString(),
        runId: run.runId,
        manifestUri: run.manifestUri,
        files: outcome.files,
        file: outcome.files.find((f) => error.includes(f.replace(/^s3:\/\/[^/]+\//, ""))) ?? outcome.files[0],
        error,
      };
      const tries = before.autoRetries ?? 0;
      if (outcome.transient) hold.transient = true;
      if (outcome.transient && transient && tries < transient.retries)
        hold.retryAt = new Date(at.getTime() + Math.min(transient.baseMs * 2 ** tries, transient.maxMs)).toISOString();
      tables[outcome.table] = { ...before, held: hold, sweep: undefined };
      held.push({ table: outcome.table, hold, retrying: hold.retryAt !== undefined });
    }
  }
  // A run failing as a whole is over once it (or a later run) settles.
  const failing = state.run !== undefined && state.run.runId > run.runId ? state.run : undefined;
  const next: TargetState = { ...state, settledThrough: run.runId, tables: dropUndefined(tables) };
  if (failing) next.run = failing;
  else delete next.run;
  return { state: next, held };
}

/**
 * Ends a hold: the table's files after `appliedThrough` (found by the sweep) and its late files go into the next run,
 * in order. The held run's own files that sort before the mark (a late file, or late files that run took) become late
 * files again: the sweep looks only past the mark, and nothing else would ever apply them.
 */
export function resumeTable(state: TargetState, table: string, at: Date): TargetState {
  const before = state.tables[table];
  if (!before?.held) throw new Error(`${table} is not held on ${state.target}`);
  const { held, autoRetries: _tries, ...rest } = before;
  const mark = before.appliedThrough;
  const behind = held.files.filter((f) => mark !== undefined && compareUris(f, mark) <= 0 && !before.late?.includes(f));
  const late = [...(before.late ?? []), ...behind];
  const resumed: TableState = { ...rest, late: late.length > 0 ? late : undefined, resumedAt: at.toISOString(), sweep: true };
  return { ...state, tables: dropUndefined({ ...state.tables, [table]: resumed }) };
}

/**
 * Ends the holds whose automatic retry is due (`retryAt`, set when a transient error held the table with retries left)
 * as `cdc target resume` would, counting them in `autoRetries`. Returns the tables resumed.
 */
export function retryTransientHolds(state: TargetState, now: Date): { state: TargetState; resumed: string[] } {
  let next = state;
  const resumed: string[] = [];
  for (const [table, t] of Object.entries(state.tables)) {
    if (!t.held?.retryAt || Date.parse(t.held.retryAt) > now.getTime()) continue;
    next = resumeTable(next, table, now);
    next = { ...next, tables: { ...next.tables, [table]: { ...next.tables[table], autoRetries: (t.autoRetries ?? 0) + 1 } } };
    resumed.push(table);
  }
  return { state: next, resumed };
}

/** Remembers files announced for a held table that sort before its mark (see {@link TableState.late}). */
export function keepLateFiles(state: TargetState, table: string, files: readonly string[]): TargetState {
  const before = state.tables[table] ?? {};
  const mark = before.appliedThrough;
  const late = files.filter((f) => mark !== undefined && compareUris(f, mark) <= 0 && !before.late?.includes(f));
  if (late.length === 0) return state;
  return { ...state, tables: { ...state.tables, [table]: { ...before, late: [...(before.late ?? []), ...late] } } };
}

/** Remembers the columns of a held table's old-shape files (see {@link TableState.fileColumns}). */
export function keepFileColumns(state: TargetState, table: string, columns: Record<string, string[]>): TargetState {
  const before = state.tables[table] ?? {};
  const added = Object.entries(columns).filter(([f]) => before.fileColumns?.[f] === undefined);
  if (added.length === 0) return state;
  const fileColumns = { ...before.fileColumns, ...Object.fromEntries(added) };
  return { ...state, tables: { ...state.tables, [table]: { ...before, fileColumns } } };
}

/** After a run took a table's swept and late files: the resume's sweep is done. */
export function sweptTables(state: TargetState, tables: readonly string[], at: Date | undefined): TargetState {
  const next = { ...state.tables };
  for (const t of tables) {
    if (!next[t]) continue;
    const { sweep: _sweep, late: _late, ...rest } = next[t];
    next[t] = rest;
  }
  return { ...state, sweptAt: at ? at.toISOString() : state.sweptAt, tables: next };
}

/** The LOAD files an applied run adds to the table's generation, or starts a new generation with. */
function appliedLoads(before: TableState, outcome: TableOutcome, at: Date): Pick<TableState, "loads" | "generation"> {
  const etags = outcome.etags;
  if (!etags) return {};
  const loads = Object.fromEntries(outcome.files.flatMap((f, i) => (isLoadUri(f) ? [[f, etags[i]]] : [])));
  if (Object.keys(loads).length === 0) return {};
  const g = outcome.generation;
  if (g?.sweep) return { loads, generation: { id: g.id, file: g.file, since: at.toISOString() } };
  return { loads: { ...before.loads, ...loads } };
}

/** Whether an s3:// URI names a DMS full-load file. */
export function isLoadUri(uri: string): boolean {
  return /\/LOAD[0-9A-Fa-f]{8}\.parquet$/.test(uri);
}

/** DMS order of two s3:// URIs of one table's files. */
export function compareUris(a: string, b: string): number {
  return compareDmsFiles(keyOf(a), keyOf(b));
}

export function keyOf(uri: string): string {
  return uri.replace(/^s3:\/\/[^/]+\//, "");
}

function dropUndefined(tables: Record<string, TableState>): Record<string, TableState> {
  return Object.fromEntries(
    Object.entries(tables).map(([k, v]) => [
      k,
      Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as TableState,
    ]),
  );
}
