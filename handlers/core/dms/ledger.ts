/**
 * The DMS reconciler's ledger: what earlier runs already counted, so that a run reads only what is new. Without it
 * every run listed and HEADed every object since the oldest window start (the task's creation: 131,039 HEADs for a
 * task 90 days old, past the Lambda's 15 minutes).
 *
 * Per table, the CDC files of harmonized and quarantine are split at `settled` (a CDC file name): files before it are
 * folded into running row totals, one per window start they follow (`boundaries`: the window starts a counter can count
 * from, drift.ts), so "rows since window start W" stays a sum; files from `settled` on and every full-load file are
 * kept one by one with their ETag, so a file replaced since (another ETag) is counted again and a file gone since drops
 * out. `settled` only moves forward, and never past what could still change: a file still in raw, a file not older
 * than `settleMinutes` (it may still land, validation of a large file takes a while), the last file any target applied
 * and the files it took late (drift.ts compares the targets' progress file by file only above `settled`).
 *
 * A ledger is never trusted blindly: a document that does not parse, another task's, or a table whose windows or
 * targets no longer fit it (a window start inside the folded part that is not a boundary, a target behind `settled`)
 * is rebuilt from scratch, with the reason, at the cost of one full count.
 */
import { z } from "zod";
import { cdcFileName, parseDmsKey } from "../dms-key";
import type { PipelineFile } from "./drift";

/** The name before every CDC file: the origin of a table counted from the very beginning (window "all"). */
export const FIRST_CDC_NAME = cdcFileName(new Date(0));

const fileEntry = z.strictObject({
  etag: z.string(),
  rows: z.number().int().nonnegative(),
  /** LastModified, epoch milliseconds. */
  modified: z.number().int().nonnegative(),
});
export type LedgerFile = z.infer<typeof fileEntry>;

const segment = z.strictObject({ rows: z.number().int().nonnegative(), modified: z.number().int().nonnegative() });

const bucketLedger = z.strictObject({
  /** Rows of the folded CDC files, by the boundary they follow (every boundary has an entry). */
  segments: z.record(z.string(), segment),
  /** Files kept one by one, by key: CDC files from `settled` on, and every full-load file. */
  files: z.record(z.string(), fileEntry),
});
export type BucketLedger = z.infer<typeof bucketLedger>;

const tableLedger = z.strictObject({
  /** The first CDC name counted: the oldest window start when the ledger was built. */
  origin: z.string(),
  /** CDC files named before this are folded into segments. */
  settled: z.string(),
  /** Where segments start, sorted; the first is `origin`. */
  boundaries: z.array(z.string()).min(1),
  harmonized: bucketLedger,
  quarantine: bucketLedger,
  /** Row counts of files seen in raw (raw holds only files in flight): reused while the ETag is the same. */
  raw: z.record(z.string(), fileEntry),
  /** DMS's CDC counters at the last complete run, for its recent rate (drift.ts, the raw stage). */
  dms: z.strictObject({ at: z.number().int(), cdc: z.number().int().nonnegative() }).optional(),
  /** The drift last alerted, so the same drift is not alerted every run. */
  alerted: z.strictObject({ stage: z.string(), difference: z.number().int() }).optional(),
});
export type TableLedger = z.infer<typeof tableLedger>;

const ledgerSchema = z.strictObject({
  version: z.literal(1),
  /** The task counted: a task created again has other counters. */
  taskArn: z.string(),
  tables: z.record(z.string(), tableLedger),
  /** Metadata tables DMS does not report, already alerted. */
  notReplicated: z.array(z.string()),
});
export type Ledger = z.infer<typeof ledgerSchema>;

/** Where a source's ledger lives, in the ingestion account's artifacts bucket (components/dms-reconciler.ts). */
export const ledgerKey = (source: string) => `dms-reconcile/${source}/ledger.json`;

/** The file deployed next to the reconciler's code listing the source's metadata tables (components/dms-reconciler.ts). */
export const METADATA_TABLES_FILE = "metadata-tables.json";

export const emptyLedger = (taskArn: string): Ledger => ({ version: 1, taskArn, tables: {}, notReplicated: [] });

/** The stored ledger, or an empty one and why it could not be used; `taskArn` undefined: any task's. */
export function parseLedger(body: string | undefined, taskArn?: string): { ledger: Ledger; rebuilt?: string } {
  if (body === undefined) return { ledger: emptyLedger(taskArn ?? ""), rebuilt: "no ledger yet" };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ledger: emptyLedger(taskArn ?? ""), rebuilt: `ledger is not JSON (${(err as Error).message})` };
  }
  const r = ledgerSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    const at = i.path.join(".") || "(root)";
    return { ledger: emptyLedger(taskArn ?? ""), rebuilt: `ledger is malformed at ${at}: ${i.message}` };
  }
  if (taskArn !== undefined && r.data.taskArn !== taskArn)
    return { ledger: emptyLedger(taskArn), rebuilt: `ledger is of task ${r.data.taskArn}, not ${taskArn}` };
  return { ledger: r.data };
}

const emptyBucket = (boundaries: readonly string[]): BucketLedger => ({
  segments: Object.fromEntries(boundaries.map((b) => [b, { rows: 0, modified: 0 }])),
  files: {},
});

/** A table counted from `origin`, nothing folded yet. */
export function freshTable(origin: string): TableLedger {
  return {
    origin,
    settled: origin,
    boundaries: [origin],
    harmonized: emptyBucket([origin]),
    quarantine: emptyBucket([origin]),
    raw: {},
  };
}

/**
 * Why `t` cannot answer for these windows and targets (then the table is counted again from scratch), or undefined.
 * `origin`: the oldest window start; `starts`: every window start; `targetMarks`: per target with progress on the
 * table, the lowest CDC name its progress depends on (its last applied file and its late files).
 */
export function unfit(
  t: TableLedger,
  table: string,
  origin: string,
  starts: readonly string[],
  targetMarks: readonly string[],
): string | undefined {
  const prefix = `${table.replace(".", "/")}/`;
  if (t.settled < t.origin || t.boundaries[0] !== t.origin) return "its settled mark is before its origin";
  for (const b of [t.harmonized, t.quarantine])
    for (const key of Object.keys(b.files)) {
      const k = parseDmsKey(key);
      if (!k.ok || !key.startsWith(prefix)) return `it holds a key of another table (${key})`;
      if (k.value.kind === "cdc" && k.value.file < t.settled) return `it holds a folded file one by one (${key})`;
    }
  if (origin < t.origin) return `a window starts at ${origin}, before the ledger's origin ${t.origin}`;
  const inside = starts.find((s) => s >= t.origin && s < t.settled && !t.boundaries.includes(s));
  if (inside) return `a window starts at ${inside}, inside the folded part`;
  // A mark before the origin keeps the ledger at its origin (nothing folded), which any progress fits.
  const behind = t.settled > t.origin ? targetMarks.find((m) => m < t.settled) : undefined;
  if (behind) return `a target's progress (${behind}) is behind the settled mark ${t.settled}`;
  return undefined;
}

/** The bucket's files as drift.ts compares them: one file per folded segment (named by its boundary), then the rest. */
export function ledgerFiles(b: BucketLedger, table: string): PipelineFile[] {
  const prefix = `${table.replace(".", "/")}/`;
  const folded = Object.entries(b.segments)
    .filter(([, s]) => s.rows > 0)
    .map(([name, s]) => ({
      key: `${prefix}${name}.parquet`,
      kind: "cdc" as const,
      rows: s.rows,
      lastModified: new Date(s.modified),
    }));
  const kept = Object.entries(b.files).map(([key, f]) => {
    const k = parseDmsKey(key);
    return { key, kind: k.ok ? k.value.kind : "cdc", rows: f.rows, lastModified: new Date(f.modified), etag: f.etag };
  });
  return [...folded, ...kept];
}

/**
 * Folds the CDC files named before `settled` into their segments (the last boundary at or before each name), after
 * adding the window starts between the old and the new mark as boundaries. Never moves the mark back.
 */
export function settle(t: TableLedger, settled: string, starts: readonly string[]): void {
  if (settled <= t.settled) return;
  const added = starts.filter((s) => s >= t.settled && s < settled && !t.boundaries.includes(s));
  t.boundaries = [...new Set([...t.boundaries, ...added])].sort();
  for (const b of [t.harmonized, t.quarantine]) {
    for (const s of added) b.segments[s] ??= { rows: 0, modified: 0 };
    for (const [key, f] of Object.entries(b.files)) {
      const k = parseDmsKey(key);
      if (!k.ok || k.value.kind !== "cdc" || k.value.file >= settled) continue;
      const boundary = [...t.boundaries].reverse().find((x) => x <= k.value.file) ?? t.origin;
      const seg = b.segments[boundary];
      seg.rows += f.rows;
      seg.modified = Math.max(seg.modified, f.modified);
      delete b.files[key];
    }
  }
  t.settled = settled;
}
