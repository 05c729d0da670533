/**
 * A deterministic stand-in for AWS DMS's S3 target (DESIGN §4): for each table, full-load files
 * `<schema>/<table>/LOAD########.parquet` (hex counter, Op = I, no change sequence), then CDC files named
 * `<yyyymmdd-hhmmssnnn>.parquet` with interleaved inserts, updates and deletes over a key space — deletes carry the
 * before-image, deleted keys come back as re-inserts, every change has a 35-digit increasing `cdc_seq`. Optional
 * duplicated files (a DMS task restart re-delivering changes) and shuffled rows within files exercise idempotent apply.
 * Same options and seed → byte-identical files. Feeds tests, benchmarks and local mode.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DMS_CHANGE_COLUMNS } from "../../../metadata/dms-types";
import { tableId, type ParquetType, type TableMetadata } from "../../../metadata/format";
import { cdcFileName, dmsKey, loadFileName } from "../../../handlers/core/dms-key";
import { UserError } from "../../errors";
import { writeParquet, type ParquetColumn, type ParquetValue } from "./parquet-writer";
import { keyCapacity, keyValue, randomValue, seededRandom } from "./values";

export interface DmsGeneratorOptions {
  tables: readonly TableMetadata[];
  /** Directory the `<schema>/<table>/…` tree is written under (the "raw bucket"). */
  outDir: string;
  /** Full-load rows per table. */
  rows: number;
  /** CDC changes per table. */
  changes: number;
  seed: number;
  /** Rows per full-load file (default 100 000). */
  rowsPerLoadFile?: number;
  /** Changes per CDC file (default 1 000). */
  changesPerCdcFile?: number;
  /** When the full load runs; CDC starts one minute later and advances 1 ms per change (default 2024-01-01T00:00Z). */
  start?: Date;
  /** Fraction (0–1) of CDC files delivered a second time, same rows and sequences, under a later name. */
  duplicateFiles?: number;
  /** Shuffle the rows inside each CDC file, so row order disagrees with cdc_seq. */
  shuffleRows?: boolean;
  /** Footer statistics (default true, as DMS writes them); false forces validation to read column chunks. */
  statistics?: boolean;
  /** Fraction (0–1) of nullable non-key values written as null (default 0.1). */
  nullFraction?: number;
  /** Called after each file is written (progress for the CLI). */
  onFile?: (file: GeneratedFile) => void;
}

export interface GeneratedFile {
  /** Absolute path of the written file. */
  path: string;
  /** Its key relative to `outDir`, exactly what DMS would write to S3. */
  key: string;
  schema: string;
  table: string;
  kind: "load" | "cdc";
  rows: number;
  minSeq: string | null;
  maxSeq: string | null;
  /** For a re-delivered CDC file: the key of the file whose rows it repeats. */
  duplicateOf?: string;
}

type Row = Record<string, ParquetValue>;
interface Change {
  op: "I" | "U" | "D";
  seq: string;
  timestamp: string;
  row: Row;
}

/** Writes every table's full load and CDC stream; returns the files in DMS order per table. */
export function generateDmsOutput(opts: DmsGeneratorOptions): GeneratedFile[] {
  if (!Number.isInteger(opts.rows) || opts.rows < 0) throw new UserError(`rows: expected a whole number ≥ 0, got ${opts.rows}`);
  if (!Number.isInteger(opts.changes) || opts.changes < 0)
    throw new UserError(`changes: expected a whole number ≥ 0, got ${opts.changes}`);
  const start = opts.start ?? new Date(Date.UTC(2024, 0, 1));
  const files: GeneratedFile[] = [];
  opts.tables.forEach((table, index) => {
    files.push(...generateTable(table, index, opts, start));
  });
  return files;
}

function generateTable(table: TableMetadata, index: number, opts: DmsGeneratorOptions, start: Date): GeneratedFile[] {
  const rng = seededRandom((opts.seed ^ hash(tableId(table))) >>> 0);
  const pk = table.primaryKey.map((name) => {
    const col = table.columns.find((c) => c.name === name);
    if (!col) throw new UserError(`${tableId(table)}: primary-key column ${name} is not among its columns`);
    return col;
  });
  const capacity = Math.min(Number.MAX_SAFE_INTEGER, ...pk.map(keyCapacity));
  if (opts.rows + opts.changes > capacity) {
    throw new UserError(`${tableId(table)}: the key type holds only ${capacity} distinct keys; ask for fewer rows and changes`);
  }
  const nullFraction = opts.nullFraction ?? 0.1;
  const pkNames = new Set(table.primaryKey);
  const image = (k: number, previous?: Row): Row => {
    const row: Row = {};
    for (const c of table.columns) {
      if (pkNames.has(c.name)) row[c.name] = keyValue(c, k);
      else if (previous && rng() < 0.5) row[c.name] = previous[c.name];
      else row[c.name] = c.nullable && rng() < nullFraction ? null : randomValue(c, rng);
    }
    return row;
  };
  const out: GeneratedFile[] = [];
  const write = (file: string, kind: "load" | "cdc", changes: Change[], duplicateOf?: string) => {
    const key = dmsKey(table.schema, table.table, file);
    const full = path.join(opts.outDir, ...key.split("/"));
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, writeParquet(columnsOf(table, changes), { statistics: opts.statistics }));
    const seqs = changes.map((c) => c.seq).filter((s) => s !== "");
    const g: GeneratedFile = {
      path: full,
      key,
      schema: table.schema,
      table: table.table,
      kind,
      rows: changes.length,
      minSeq: seqs.length ? seqs.reduce((a, b) => (a < b ? a : b)) : null,
      maxSeq: seqs.length ? seqs.reduce((a, b) => (a > b ? a : b)) : null,
      ...(duplicateOf ? { duplicateOf } : {}),
    };
    out.push(g);
    opts.onFile?.(g);
  };

  // Full load: keys 1..rows, Op I, no change sequence.
  const live = new Map<number, Row>();
  const loadStamp = timestamp(start);
  const perLoad = Math.max(1, opts.rowsPerLoadFile ?? 100_000);
  for (let first = 1, counter = 1; first <= opts.rows; first += perLoad, counter++) {
    const changes: Change[] = [];
    for (let k = first; k < Math.min(first + perLoad, opts.rows + 1); k++) {
      const row = image(k);
      live.set(k, row);
      changes.push({ op: "I", seq: "", timestamp: loadStamp, row });
    }
    write(loadFileName(counter), "load", changes);
  }

  // CDC: one clock shared by all tables (1 ms per change, tables interleaved), so sequences are unique per task.
  const tables = opts.tables.length;
  const cdcStart = start.getTime() + 60_000;
  const deleted: number[] = [];
  let nextKey = opts.rows + 1;
  const perFile = Math.max(1, opts.changesPerCdcFile ?? 1000);
  let batch: Change[] = [];
  let batchName = "";
  let lastName = "";
  const flush = () => {
    if (batch.length === 0) return;
    const rows = opts.shuffleRows ? shuffle(batch, rng) : batch;
    write(batchName, "cdc", rows);
    lastName = batchName;
    if (opts.duplicateFiles && rng() < opts.duplicateFiles) {
      const again = cdcFileName(new Date(fileTime(lastName) + 1));
      write(again, "cdc", shuffle(batch, rng), dmsKey(table.schema, table.table, lastName));
      lastName = again;
    }
    batch = [];
  };
  for (let i = 0; i < opts.changes; i++) {
    const tick = i * tables + index;
    const at = new Date(cdcStart + tick);
    if (batch.length === 0) {
      batchName = cdcFileName(at);
      // Names must keep increasing even after a duplicate took the next millisecond.
      if (batchName <= lastName) batchName = cdcFileName(new Date(fileTime(lastName) + 1));
    }
    const seq = changeSequence(at, tick + 1);
    const r = rng();
    const liveKeys = [...live.keys()];
    let change: Change;
    if (liveKeys.length === 0 || r < 0.3) {
      const k = deleted.length > 0 && rng() < 0.4 ? deleted.splice(Math.floor(rng() * deleted.length), 1)[0] : nextKey++;
      const row = image(k);
      live.set(k, row);
      change = { op: "I", seq, timestamp: timestamp(at), row };
    } else {
      const k = liveKeys[Math.floor(rng() * liveKeys.length)];
      const before = live.get(k) as Row;
      if (r < 0.75) {
        const row = image(k, before);
        live.set(k, row);
        change = { op: "U", seq, timestamp: timestamp(at), row };
      } else {
        live.delete(k);
        deleted.push(k);
        change = { op: "D", seq, timestamp: timestamp(at), row: before };
      }
    }
    batch.push(change);
    if (batch.length >= perFile) flush();
  }
  flush();
  return out;
}

function columnsOf(table: TableMetadata, changes: Change[]): ParquetColumn[] {
  const string = DMS_CHANGE_COLUMNS[0].parquet as ParquetType;
  return [
    { name: "Op", type: string, values: changes.map((c) => c.op) },
    { name: "cdc_timestamp", type: string, values: changes.map((c) => c.timestamp) },
    { name: "cdc_seq", type: string, values: changes.map((c) => (c.seq === "" ? null : c.seq)) },
    ...table.columns.map((col) => ({ name: col.name, type: col.parquet, values: changes.map((c) => c.row[col.name]) })),
  ];
}

/** 35 digits: the change time (yyyymmddhhmmss) then a 21-digit counter, so later changes always sort higher. */
export function changeSequence(at: Date, counter: number): string {
  return `${timestamp(at).replace(/\D/g, "").slice(0, 14)}${String(counter).padStart(21, "0")}`;
}

/** `yyyy-mm-dd hh:mm:ss.ffffff`, the form DMS writes cdc_timestamp in. */
function timestamp(at: Date): string {
  return `${at.toISOString().replace("T", " ").slice(0, 23)}000`;
}

function fileTime(name: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(\d{3})$/.exec(name);
  if (!m) throw new Error(`not a CDC file name: ${name}`);
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export { writeParquet, schemaElement, type ParquetColumn, type ParquetValue, type ParquetWriteOptions } from "./parquet-writer";
