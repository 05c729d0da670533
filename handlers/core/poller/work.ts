/**
 * What the next run of a target takes (DESIGN §5): the files the queue announced, plus what the harmonized bucket
 * holds that no run applied, minus the held tables'.
 *
 * Every table that goes into a run has its harmonized prefix listed after its mark, and the run takes every file up
 * to its newest announced one: a run's files of a table are then all of that table's files after the mark, so the
 * mark ("applied up to which file") never passes a file whose message was lost. Beyond that, files are swept in when
 * the table is due: at once after `cdc target resume`, and every `sweepIntervalMs` for every table — those then only
 * when older than `sweepMinAgeMs`, as younger ones most likely still have their message on the queue.
 */
import { tableId, type TableMetadata } from "../../../metadata/format";
import { findTable } from "../../../metadata/load";
import type { ManifestTableInput } from "../plan/manifest";
import type { PlannedBatch, ReceivedFile } from "./batch";
import { harmonizedPrefix, listStartAfter, unappliedFiles, type ListedObject } from "./sweep";
import { compareUris, isHeld, keyOf, type TargetState } from "./target-state";
import { lacksColumns, unquoteEtag } from "../plan/manifest";

/** The harmonized bucket's listing. */
export interface HarmonizedListing {
  /** Objects under `prefix`, after `startAfter` when given. */
  list(prefix: string, startAfter?: string): Promise<ListedObject[]>;
  /** The object's current ETag, or undefined when it is gone. */
  etag(key: string): Promise<string | undefined>;
}

export interface WorkInput {
  batch: PlannedBatch;
  state: TargetState;
  tables: readonly TableMetadata[];
  harmonized: HarmonizedListing;
  harmonizedBucket: string;
  now: Date;
  sweepIntervalMs: number;
  sweepMinAgeMs: number;
  /** Swept files are added up to this many files in the run (a table with announced files is always taken whole). */
  maxFiles: number;
}

export interface Work {
  /** Tables of the run, sorted by id, files in DMS order. */
  tables: ManifestTableInput[];
  files: number;
  /** Messages whose files are in the run. */
  included: ReceivedFile[];
  /** Messages of held tables: their files wait in harmonized. */
  heldMessages: ReceivedFile[];
  /** The held tables' announced files, by table id. */
  heldFiles: Map<string, string[]>;
  /**
   * The columns of the held tables' announced files that lack a column of the metadata (old shape), by table id: their
   * messages go, so the state keeps them for the run that takes the files after the resume (`TableState.fileColumns`).
   */
  heldColumns: Map<string, Record<string, string[]>>;
  /** Every table was swept: the periodic sweep is done (`sweptAt`). */
  periodic: boolean;
  /** Tables whose resume sweep or late files this run takes. */
  sweptTables: string[];
  /** Files in the run that no message of this tick announced. */
  sweptFiles: number;
}

export async function collectWork(input: WorkInput): Promise<Work> {
  const { batch, state, tables } = input;
  const idOf = (m: ReceivedFile) => {
    const meta = m.message && findTable(tables, m.message.schema, m.message.table);
    return meta ? tableId(meta) : undefined;
  };
  const included = batch.included.filter((m) => !isHeld(state, idOf(m) ?? ""));
  const heldMessages = batch.included.filter((m) => isHeld(state, idOf(m) ?? ""));
  const heldFiles = new Map<string, string[]>();
  const heldColumns = new Map<string, Record<string, string[]>>();
  const announced = new Map<string, ManifestTableInput>();
  for (const t of batch.tables) {
    if (isHeld(state, tableId(t.meta))) {
      heldFiles.set(tableId(t.meta), t.files);
      heldColumns.set(tableId(t.meta), oldShapeColumns(t));
    } else announced.set(tableId(t.meta), t);
  }

  const sweptAt = state.sweptAt ? Date.parse(state.sweptAt) : undefined;
  const periodicDue = sweptAt === undefined || input.now.getTime() - sweptAt >= input.sweepIntervalMs;
  const oldEnough = new Date(input.now.getTime() - input.sweepMinAgeMs);
  const out: ManifestTableInput[] = [];
  const sweptTables: string[] = [];
  let files = 0;
  let sweptFiles = 0;
  let periodic = periodicDue;
  for (const meta of [...tables].sort((a, b) => (tableId(a) < tableId(b) ? -1 : tableId(a) > tableId(b) ? 1 : 0))) {
    const id = tableId(meta);
    const ts = state.tables[id];
    if (ts?.held) continue;
    const own = announced.get(id)?.files ?? [];
    const resumed = ts?.sweep === true;
    const late = ts?.late ?? [];
    if (own.length === 0 && !resumed && !periodicDue && late.length === 0) continue;
    const mark = ts?.appliedThrough;
    const listed = await input.harmonized.list(harmonizedPrefix(meta.schema, meta.table, mark), listStartAfter(mark));
    const newestOwn = own.length > 0 ? own.reduce((a, b) => (compareUris(a, b) >= 0 ? a : b)) : undefined;
    const found = unappliedFiles(listed, input.harmonizedBucket, mark, undefined).filter(
      (uri) =>
        (newestOwn !== undefined && compareUris(uri, newestOwn) <= 0) ||
        resumed ||
        (periodicDue && listed.some((o) => `s3://${input.harmonizedBucket}/${o.key}` === uri && isOld(o, oldEnough))),
    );
    const known = new Map<string, string>();
    for (const o of listed) if (o.etag) known.set(`s3://${input.harmonizedBucket}/${o.key}`, unquoteEtag(o.etag));
    const ann = announced.get(id);
    ann?.files.forEach((f, i) => known.set(f, ann.etags[i]));
    const all = [...new Set([...own, ...found, ...late])].sort(compareUris);
    const extra = all.length - own.length;
    if (own.length === 0 && files > 0 && files + all.length > input.maxFiles) {
      // Over budget: this table waits for the next tick, and the periodic sweep is not complete yet.
      periodic = false;
      continue;
    }
    if (resumed || late.length > 0) sweptTables.push(id);
    if (all.length === 0) continue;
    // Every file is pinned by the version the run plans to apply: the message's, the listing's, or (late files) S3's.
    const pinned = { files: [] as string[], etags: [] as string[], columns: [] as Array<readonly string[] | undefined> };
    // Announced files say their columns; a swept one those its message said while the table was held, if old-shape;
    // otherwise it is read as having the metadata's (see `BatchFile.columns`).
    const shapes = new Map<string, readonly string[] | undefined>(Object.entries(ts?.fileColumns ?? {}));
    ann?.files.forEach((f, i) => {
      const c = ann.columns?.[i];
      if (c) shapes.set(f, c);
    });
    for (const f of all) {
      const etag = known.get(f) ?? (await input.harmonized.etag(keyOf(f)));
      if (etag === undefined) continue; // gone from harmonized: nothing to apply
      pinned.files.push(f);
      pinned.etags.push(unquoteEtag(etag));
      pinned.columns.push(shapes.get(f));
    }
    if (pinned.files.length === 0) continue;
    // Swept files carry no commit time (no message); the announced ones' latest stands for the table.
    out.push({ meta, ...pinned, ...(ann?.latestCommitAt !== undefined ? { latestCommitAt: ann.latestCommitAt } : {}) });
    files += out[out.length - 1].files.length;
    sweptFiles += extra;
  }
  return { tables: out, files, included, heldMessages, heldFiles, heldColumns, periodic, sweptTables, sweptFiles };
}

/** The files of a batch table whose columns lack one of its metadata's (case-insensitively), with their columns. */
export function oldShapeColumns(t: Pick<ManifestTableInput, "meta" | "files" | "columns">): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  t.files.forEach((f, i) => {
    const c = t.columns?.[i];
    if (c && lacksColumns(t.meta, c)) out[f] = [...c];
  });
  return out;
}

function isOld(o: ListedObject, oldEnough: Date): boolean {
  return !o.lastModified || o.lastModified.getTime() <= oldEnough.getTime();
}
