/**
 * Property of reloads (DESIGN §5 "Generations"), shared by the DuckDB and MariaDB property tests: each seed's random
 * history (change-batches.ts, delivered perturbed) is followed by a reload — a new full load under the same
 * `LOAD…` name that drops some live rows and brings back some deleted ones — delivered as a generation batch with
 * some later CDC, retried now and then, then more CDC and replays of old-generation files. The target must equal the
 * reference model fed the same delivery and, independently, the closed form: per key, its last later change, else
 * its new-load row at the generation's floor; every other key is gone.
 *
 * Seeds run one by one on empty tables: a generation's floor is the highest sequence of the whole table, so seeds
 * sharing a table would share one floor. Knobs: CDC_RELOAD_SEEDS (default 100), CDC_PROPERTY_SEED_START.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { TableMetadata } from "../../../metadata/format";
import type { Generation } from "../../../handlers/core/plan/generation";
import { FULL_LOAD_SEQ, normalizeSeq } from "../../../handlers/core/plan/sequence";
import { seededRandom } from "../../../src/local/dms-generator/values";
import { PROPERTY_TABLES, randomScenario, writeDmsFiles } from "../../support/change-batches";
import {
  canonicalRows,
  canonicalValue,
  ReferenceModel,
  type ModelChange,
  type ModelFile,
  type ModelValue,
} from "../../support/reference-model";
import { SEED_START, type SeedFailure } from "./property-run";

export const RELOAD_SEEDS = Number(process.env.CDC_RELOAD_SEEDS ?? 100);
const LOAD_TIME = "2024-01-03 00:00:00.000000";

/** An engine that also empties its generation pins between seeds. */
export interface ReloadPropertyTarget {
  reset(meta: TableMetadata): Promise<void>;
  apply(meta: TableMetadata, files: string[], generation?: Generation): Promise<void>;
  rows(meta: TableMetadata): Promise<Array<Record<string, unknown>>>;
}

interface ReloadScenario {
  seed: number;
  meta: TableMetadata;
  /** Batches in delivery order, each with the generation it belongs to, if any. */
  batches: Array<{ files: Array<{ dir: string; file: ModelFile }>; generation?: Generation }>;
  newLoad: ModelFile;
  later: ModelFile[];
  /** The highest sequence of the first generation (the pinned floor). */
  floor: string;
  /** The first generation's change at the floor, if any: equal is stale, so its key keeps that change over the load. */
  atFloor?: ModelChange;
}

function reloadScenario(seed: number, meta: TableMetadata): ReloadScenario {
  const s = randomScenario(seed, meta, { keys: 6, changes: 16 });
  const r = seededRandom(seed * 7919 + 17);
  const keyed = meta.primaryKey.length > 0;
  const keyOf = (v: Record<string, ModelValue>) => JSON.stringify(meta.primaryKey.map((k) => v[k] ?? null));
  const changes = s.inOrder.flatMap((f) => f.changes);
  const seqs = changes.map((c) => normalizeSeq(c.seq));
  const floor = keyed ? seqs.reduce((a, b) => (b > a ? b : a), FULL_LOAD_SEQ) : FULL_LOAD_SEQ;
  // The source after gen 1, as values per key; a reload drops some rows and brings back some deleted ones.
  const last = new Map<string, ModelChange>();
  for (const c of [...changes].sort((a, b) => (normalizeSeq(a.seq) < normalizeSeq(b.seq) ? -1 : 1))) last.set(keyOf(c.values), c);
  const pool = keyed ? [...last.values()] : changes;
  const loadRows = pool
    .filter((c) => (c.op === "D" ? r() < 0.5 : r() < 0.7))
    .map((c): ModelChange => ({ op: "I", seq: r() < 0.5 ? "" : null, timestamp: LOAD_TIME, values: { ...c.values } }));
  // A load file has at least one row (DMS writes none for an empty table).
  if (loadRows.length === 0 && pool.length > 0)
    loadRows.push({ op: "I", seq: "", timestamp: LOAD_TIME, values: { ...pool[0].values } });
  // Same name as gen 1's first LOAD file: DMS writes a reload from LOAD00000001 again.
  const firstLoad =
    s.inOrder.find((f) => f.name.startsWith("LOAD"))?.name ??
    `LOAD${(seed * 2 + 1).toString(16).toUpperCase().padStart(8, "0")}.parquet`;
  const newLoad: ModelFile = { name: firstLoad, changes: loadRows };
  // Later CDC on random keys of the pool, with sequences above every earlier one (of this seed).
  let seq = BigInt(seqs.reduce((a, b) => (b > a ? b : a), FULL_LOAD_SEQ)) + 1n;
  const later: ModelFile[] = [];
  const live = new Set(loadRows.map((c) => keyOf(c.values)));
  for (let f = 0; f < Math.floor(r() * 4); f++) {
    const file: ModelChange[] = [];
    for (let i = 0; i < 1 + Math.floor(r() * 3) && pool.length > 0; i++) {
      const base = pool[Math.floor(r() * pool.length)].values;
      const other = pool[Math.floor(r() * pool.length)].values;
      const values = { ...other, ...Object.fromEntries(meta.primaryKey.map((k) => [k, base[k]])), seed: String(seed) };
      const k = keyOf(values);
      const op = !keyed ? "I" : live.has(k) ? (r() < 0.4 ? "D" : "U") : "I";
      if (op === "D") live.delete(k);
      else live.add(k);
      seq += BigInt(1 + Math.floor(r() * 3));
      file.push({ op, seq: seq.toString(), timestamp: `2024-01-04 00:00:${String(i).padStart(2, "0")}.000000`, values });
    }
    if (file.length > 0) later.push({ name: `20240104-00${String(f).padStart(7, "0")}.parquet`, changes: file });
  }
  const g: Generation = { id: `g-${seed}`, at: LOAD_TIME, sweep: true };
  const gen1 = (files: ModelFile[]) => files.map((file) => ({ dir: "gen1", file }));
  const gen2 = (files: ModelFile[]) => files.map((file) => ({ dir: "gen2", file }));
  const cut = Math.floor(r() * (later.length + 1));
  const batches: ReloadScenario["batches"] = s.batches.map((b) => ({ files: gen1(b) }));
  batches.push({ files: gen2([newLoad, ...later.slice(0, cut)]), generation: g });
  if (r() < 0.5) batches.push({ files: gen2([newLoad, ...later.slice(0, cut)]), generation: g }); // a retry
  for (const f of later.slice(cut)) batches.push({ files: gen2([f]) });
  // Replays of the old generation, each in a run of its own: CDC files and (keyed tables) the old full load. A change
  // log has no guard against an old full load's extra rows: there only the runner's ETag check keeps it out.
  const replayable = s.inOrder.filter((f) => keyed || !f.name.startsWith("LOAD"));
  for (let i = 0; i < 1 + Math.floor(r() * 3) && replayable.length > 0; i++)
    batches.push({ files: gen1([replayable[Math.floor(r() * replayable.length)]]) });
  const atFloor = keyed ? changes.find((c) => c.seq !== null && c.seq.trim() !== "" && normalizeSeq(c.seq) === floor) : undefined;
  return { seed, meta, batches, newLoad, later, floor, atFloor };
}

/** The closed form (keyed tables): per key its last later change, else its new-load row at the floor. */
function closedForm(s: ReloadScenario): Array<Record<string, ModelValue>> | undefined {
  const { meta } = s;
  if (meta.primaryKey.length === 0) return undefined;
  const keyOf = (v: Record<string, ModelValue>) => JSON.stringify(meta.primaryKey.map((k) => v[k] ?? null));
  const rows = new Map<string, Record<string, ModelValue>>();
  const row = (c: ModelChange, seq: string) => {
    const out: Record<string, ModelValue> = {};
    for (const col of meta.columns) out[col.name] = canonicalValue(col, c.values[col.name] ?? null);
    return { ...out, _cdc_seq: seq, _cdc_timestamp: c.timestamp };
  };
  for (const c of s.newLoad.changes) rows.set(keyOf(c.values), row(c, s.floor));
  if (s.atFloor && rows.has(keyOf(s.atFloor.values))) {
    if (s.atFloor.op === "D") rows.delete(keyOf(s.atFloor.values));
    else rows.set(keyOf(s.atFloor.values), row(s.atFloor, s.floor));
  }
  for (const c of s.later.flatMap((f) => f.changes)) {
    if (c.op === "D") rows.delete(keyOf(c.values));
    else rows.set(keyOf(c.values), row(c, normalizeSeq(c.seq)));
  }
  return canonicalRows(meta, [...rows.values()]);
}

/** Runs the reload property for `count` seeds; returns the first failure. */
export async function checkReloadSeeds(
  conn: DuckDBConnection,
  target: ReloadPropertyTarget,
  opts: { start?: number; count?: number } = {},
): Promise<SeedFailure | undefined> {
  const { start = SEED_START, count = RELOAD_SEEDS } = opts;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-reload-props-"));
  try {
    for (let seed = start; seed < start + count; seed++) {
      const meta = PROPERTY_TABLES[seed % PROPERTY_TABLES.length];
      const s = reloadScenario(seed, meta);
      const where = (dir: string, f: ModelFile) => path.join(root, String(seed), dir, meta.schema, meta.table, f.name);
      const unique = new Map(s.batches.flatMap((b) => b.files).map((f) => [where(f.dir, f.file), f.file]));
      await writeDmsFiles(
        conn,
        meta,
        [...unique].map(([p, file]) => ({ path: p, file })),
      );
      await target.reset(meta);
      const model = new ReferenceModel(meta);
      for (const b of s.batches) {
        await target.apply(
          meta,
          b.files.map((f) => where(f.dir, f.file)),
          b.generation,
        );
        model.applyBatch(
          b.files.map((f) => f.file),
          b.generation,
        );
      }
      const table = `${meta.schema}.${meta.table}`;
      const actual = canonicalRows(meta, await target.rows(meta));
      const closed = closedForm(s);
      if (closed && !isDeepStrictEqual(closed, model.rows()))
        return { seed, table, what: "reload: model vs closed form", expected: closed, actual: model.rows() };
      if (!isDeepStrictEqual(model.rows(), actual))
        return { seed, table, what: "reload: target vs model", expected: model.rows(), actual };
      // The reload must have been the last word for the old rows: nothing of gen 1 survives unless the new load or a
      // later change has it (checked by the closed form); for change logs, no old full-load row survives.
      if (!closed && actual.some((row) => row._cdc_seq === FULL_LOAD_SEQ && row._cdc_timestamp !== LOAD_TIME))
        return { seed, table, what: "reload: an old full-load row survived in a change log", expected: [], actual };
      fs.rmSync(path.join(root, String(seed)), { recursive: true, force: true });
    }
    return undefined;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
