/**
 * The reference model of CDC semantics (DESIGN §5) in plain TypeScript maps — deliberately the obvious
 * implementation, so every executor (DuckDB, MySQL, and through the shared plan Spark) can be checked against it.
 *
 *   const model = new ReferenceModel(meta);
 *   model.applyBatch([{ name: "LOAD00000001.parquet", changes }, ...]);   // files in batch order
 *   expect(canonicalRows(meta, await duck.rows(meta))).toEqual(model.rows());
 *
 * Rules, one by one: within a batch keep the last change per key by (sequence, file order, row order), full-load rows
 * (empty or null `cdc_seq`) sorting before every CDC change; apply it only if its sequence is greater than the key's
 * stored row and tombstone; a delete removes the row and leaves a tombstone. Tables without a primary key are change
 * logs: every change is a row, and a change already logged (same sequence, same full-load file counter and row) is not
 * logged again.
 *
 * Generations (a reload, DESIGN §5): a batch of a generation gives its full-load rows the generation's floor as their
 * sequence — the highest sequence the table held when the generation was first seen, pinned per generation id — and
 * the batch that starts it then removes every row not newer than the floor that no change of the batch reached,
 * leaving a tombstone at the row's own sequence. Change logs instead drop their old full-load rows at the start.
 *
 * Schema changes (DESIGN §5): `evolve(newMeta)` gives the table a compatible new shape between two batches. Rows keep
 * their values as the old column type spelled them; a column added reads NULL in every row written before it, and in
 * the rows of files written before it that arrive later (their changes lack the column).
 */
import type { ColumnMetadata, TableMetadata } from "../../metadata/format";
import { describeChange, diffTable, tableShape } from "../../metadata/schema-diff";
import type { Generation } from "../../handlers/core/plan/generation";
import { FULL_LOAD_SEQ, normalizeSeq } from "../../handlers/core/plan/sequence";

/** A value as tests write it: canonical text (see {@link canonicalValue}) or null. */
export type ModelValue = string | null;

export interface ModelChange {
  op: "I" | "U" | "D";
  /** `cdc_seq` as DMS writes it: digits, or "" / null in a full load. */
  seq: string | null;
  /** `cdc_timestamp` as DMS writes it. */
  timestamp: string;
  /** Source column values by column name (after-image; before-image for D). */
  values: Record<string, ModelValue>;
}

export interface ModelFile {
  /** DMS file name (`LOAD00000001.parquet` or `20240101-120000000.parquet`). */
  name: string;
  changes: ModelChange[];
}

/** What a batch did, counted like the executors count it. */
export interface ModelCounts {
  changes: number;
  inserted: number;
  updated: number;
  deleted: number;
  tombstoned: number;
  skippedStale: number;
}

interface Stored {
  seq: string;
  timestamp: string;
  op: string;
  values: Record<string, ModelValue>;
}

export class ReferenceModel {
  /** Live rows (or, for a change log, logged changes) by key. */
  private readonly rowsByKey = new Map<string, Stored>();
  private readonly tombstones = new Map<string, { seq: string; timestamp: string }>();
  private readonly floors = new Map<string, string>();

  private current: TableMetadata;

  constructor(meta: TableMetadata) {
    this.current = meta;
  }

  /** The table's metadata: the constructor's, or the last {@link evolve}'s. */
  get meta(): TableMetadata {
    return this.current;
  }

  /**
   * From the next batch on, the table has `meta`'s shape. A stored value keeps the spelling of the type it was written
   * with (a float's value is the float32 it was, now held as a double; a decimal keeps its scale); a column `meta`
   * adds is absent from the stored rows, so it reads NULL. Throws on an incompatible change: the targets hold the
   * table then, so the model must not pretend to follow.
   */
  evolve(meta: TableMetadata): void {
    const changes = diffTable(`${meta.schema}.${meta.table}`, tableShape(this.current), tableShape(meta));
    const refused = changes.filter((c) => !c.compatible);
    if (refused.length > 0) throw new Error(`the model cannot follow ${refused.map(describeChange).join("; ")}`);
    const before = this.current.columns;
    for (const row of this.rowsByKey.values()) {
      row.values = Object.fromEntries(
        before.filter((c) => c.name in row.values).map((c) => [c.name, canonicalValue(c, row.values[c.name])]),
      );
    }
    this.current = meta;
  }

  /** Applies one batch of files, in the given file order (of a generation: see the class comment). */
  applyBatch(files: readonly ModelFile[], generation?: Generation): ModelCounts {
    const keyed = this.meta.primaryKey.length > 0;
    if (generation && !this.floors.has(generation.id)) {
      const seqs = [...this.rowsByKey.values(), ...this.tombstones.values()].map((r) => r.seq);
      this.floors.set(generation.id, keyed ? seqs.reduce((a, b) => (b > a ? b : a), FULL_LOAD_SEQ) : FULL_LOAD_SEQ);
    }
    const floor = generation ? (this.floors.get(generation.id) as string) : FULL_LOAD_SEQ;
    if (generation?.sweep && !keyed)
      for (const [key, row] of this.rowsByKey)
        if (row.seq === FULL_LOAD_SEQ && !key.endsWith(',"cdc"]')) this.rowsByKey.delete(key);
    const counts: ModelCounts = { changes: 0, inserted: 0, updated: 0, deleted: 0, tombstoned: 0, skippedStale: 0 };
    // Last change per key: (seq, file, row) ascending, so a later entry replaces an earlier one.
    const last = new Map<string, { seq: string; change: ModelChange; order: [number, number] }>();
    files.forEach((file, f) =>
      file.changes.forEach((change, r) => {
        const isLoad = /^LOAD[0-9A-Fa-f]{8}\.parquet$/.test(file.name);
        const seq = isLoad && keyed ? floor : normalizeSeq(change.seq);
        const key = this.keyOf(file, change, r);
        const prev = last.get(key);
        if (!prev || seq > prev.seq || (seq === prev.seq && (f > prev.order[0] || (f === prev.order[0] && r > prev.order[1])))) {
          last.set(key, { seq, change, order: [f, r] });
        }
      }),
    );
    for (const [key, { seq, change }] of last) {
      counts.changes++;
      const stored = this.rowsByKey.get(key);
      const tomb = this.tombstones.get(key);
      if ((stored && seq <= stored.seq) || (tomb && seq <= tomb.seq)) {
        counts.skippedStale++;
        continue;
      }
      const row: Stored = { seq, timestamp: change.timestamp, op: change.op, values: { ...change.values } };
      if (this.meta.primaryKey.length === 0) {
        this.rowsByKey.set(key, row);
        counts.inserted++;
      } else if (change.op === "D") {
        if (stored) counts.deleted++;
        else counts.tombstoned++;
        this.rowsByKey.delete(key);
        this.tombstones.set(key, { seq, timestamp: change.timestamp });
      } else {
        if (stored) counts.updated++;
        else counts.inserted++;
        this.rowsByKey.set(key, row);
      }
    }
    if (generation?.sweep && keyed) {
      for (const [key, row] of this.rowsByKey) {
        const reached = last.get(key);
        if (row.seq > floor || (reached && reached.seq >= floor)) continue;
        this.rowsByKey.delete(key);
        this.tombstones.set(key, { seq: row.seq, timestamp: generation.at });
      }
    }
    return counts;
  }

  /**
   * Forgets tombstones of deletes whose `cdc_timestamp` is before `cutoff`. The executors expire at the start of a run,
   * before its batch is guarded: call this before the `applyBatch` of the run it belongs to.
   */
  expireTombstones(cutoff: string): void {
    for (const [key, t] of this.tombstones) if (t.timestamp < cutoff) this.tombstones.delete(key);
  }

  /** The live rows in publication shape (source columns, `_cdc_op` for logs, `_cdc_seq`, `_cdc_timestamp`), sorted. */
  rows(): Array<Record<string, ModelValue>> {
    const out = [...this.rowsByKey.values()].map((s) => {
      const row: Record<string, ModelValue> = {};
      for (const c of this.meta.columns) row[c.name] = canonicalValue(c, s.values[c.name] ?? null);
      if (this.meta.primaryKey.length === 0) row._cdc_op = s.op;
      row._cdc_seq = s.seq;
      row._cdc_timestamp = s.timestamp;
      return row;
    });
    return sortRows(out);
  }

  /** Keys currently guarded by a tombstone, with the delete's sequence. */
  tombstoneSeqs(): Map<string, string> {
    return new Map([...this.tombstones].map(([k, t]) => [k, t.seq]));
  }

  private keyOf(file: ModelFile, change: ModelChange, row: number): string {
    if (this.meta.primaryKey.length > 0) {
      return JSON.stringify(this.meta.primaryKey.map((k) => canonicalValue(this.column(k), change.values[k] ?? null)));
    }
    // Change-log identity: the sequence, plus the full-load file counter and row for full-load rows.
    const load = /^LOAD([0-9A-Fa-f]{8})\.parquet$/.exec(file.name);
    return JSON.stringify([normalizeSeq(change.seq), load ? `${parseInt(load[1], 16)}:${row}` : "cdc"]);
  }

  private column(name: string): ColumnMetadata {
    return this.meta.columns.find((c) => c.name === name) as ColumnMetadata;
  }
}

/**
 * The rows one in-order pass over a complete history must leave, in closed form and sharing no code with
 * {@link ReferenceModel} or the plan: per key, the change that is last by (`cdc_seq` as a number, file, row), full-load
 * rows (empty or null `cdc_seq`) first; a key whose last change is a delete has no row. For a table without a key every
 * change is a row. Holds for a history delivered once, in order, into an empty target, with no tombstone expiry.
 */
export function lastChangeRows(meta: TableMetadata, files: readonly ModelFile[]): Array<Record<string, ModelValue>> {
  const number = (seq: string | null) => (seq === null || seq.trim() === "" ? -1n : BigInt(seq.trim()));
  const later = (a: bigint[], b: bigint[]) => a[0] > b[0] || (a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] > b[2])));
  const last = new Map<string, { pos: bigint[]; change: ModelChange }>();
  files.forEach((file, f) =>
    file.changes.forEach((change, r) => {
      const pos = [number(change.seq), BigInt(f), BigInt(r)];
      const id =
        meta.primaryKey.length > 0
          ? JSON.stringify(meta.primaryKey.map((k) => change.values[k] ?? null))
          : JSON.stringify([f, r]);
      const prev = last.get(id);
      if (!prev || later(pos, prev.pos)) last.set(id, { pos, change });
    }),
  );
  const rows = [...last.values()]
    .filter(({ change }) => meta.primaryKey.length === 0 || change.op !== "D")
    .map(({ change }) => {
      const row: Record<string, ModelValue> = {};
      for (const c of meta.columns) row[c.name] = canonicalValue(c, change.values[c.name] ?? null);
      if (meta.primaryKey.length === 0) row._cdc_op = change.op;
      row._cdc_seq = (change.seq ?? "").trim().padStart(35, "0");
      row._cdc_timestamp = change.timestamp;
      return row;
    });
  return sortRows(rows);
}

/**
 * One spelling per value, whatever engine returned it: integers and decimals as plain digits (decimals with their
 * scale), booleans as `true`/`false`, timestamps as `yyyy-MM-dd HH:mm:ss.ffffff`, floats by their JS number text.
 * TIME values are text in every engine (`HH:MM:SS[.fffffff]`, as DMS writes them; see `targetTypes`) and are compared
 * exactly as written: an engine that reformats them (drops digits, pads, rounds) must fail.
 */
export function canonicalValue(column: ColumnMetadata, value: unknown): ModelValue {
  if (value === null || value === undefined) return null;
  switch (column.dmsType) {
    case "BOOLEAN":
      return value === true || value === 1 || value === "1" || value === "true" ? "true" : "false";
    case "REAL4":
      // A single-precision value: engines that carry it as text or as a double spell the same float32 differently
      // (-400754.1 and -400754.09375), so compare the float32 each spelling stands for.
      return String(Math.fround(Number(value)));
    case "REAL8":
      return String(Number(value));
    case "NUMERIC": {
      const [int, frac = ""] = String(value).split(".");
      const scale = column.scale ?? 0;
      return scale > 0 ? `${int}.${frac.padEnd(scale, "0")}` : int;
    }
    case "TIME":
      if (typeof value !== "string") throw new Error(`${column.name}: a TIME value must come back as text, got ${typeof value}`);
      return value;
    case "DATETIME": {
      const s = value instanceof Date ? value.toISOString().replace("T", " ").replace("Z", "") : String(value);
      const [date, time = "00:00:00"] = s.split(" ");
      const [hms, frac = ""] = time.split(".");
      return `${date} ${hms}.${frac.padEnd(6, "0")}`;
    }
    default:
      return String(value);
  }
}

/** Rows from an engine (DuckDB JSON, mysql2) in the model's canonical spelling, sorted like {@link ReferenceModel.rows}. */
export function canonicalRows(meta: TableMetadata, rows: Array<Record<string, unknown>>): Array<Record<string, ModelValue>> {
  return sortRows(
    rows.map((r) => {
      const out: Record<string, ModelValue> = {};
      for (const c of meta.columns) out[c.name] = canonicalValue(c, r[c.name]);
      if (meta.primaryKey.length === 0) out._cdc_op = String(r._cdc_op);
      out._cdc_seq = String(r._cdc_seq);
      out._cdc_timestamp = r._cdc_timestamp === null ? null : String(r._cdc_timestamp);
      return out;
    }),
  );
}

function sortRows(rows: Array<Record<string, ModelValue>>): Array<Record<string, ModelValue>> {
  return rows
    .map((r) => [JSON.stringify(r), r] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);
}
