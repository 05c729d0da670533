/**
 * Shared driver of the executor property tests. Each seed is an independent random scenario (tests/support/
 * change-batches.ts) checked row for row against the last change per key of its in-order history (`lastChangeRows`,
 * which the reference model fed the same history, and fed the perturbed delivery, must also equal). Scenarios carry their
 * seed in every key (and change logs get disjoint sequences), so a group of seeds can share one table and one stream of
 * batches — round r applies every seed's r-th batch together — without interacting; results are split by seed again.
 * That keeps 1,000 seeds fast. Group size 1 runs seeds one by one (batches containing only that seed's files).
 *
 * Knobs: CDC_PROPERTY_SEEDS (default 1000), CDC_PROPERTY_SEED_START (default 1) to rerun a failing seed,
 * CDC_PROPERTY_GROUP (seeds per shared run, default 100).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { TableMetadata } from "../../../metadata/format";
import {
  PROPERTY_TABLES,
  randomScenario,
  scenarioPath,
  writeDmsFiles,
  type Scenario,
  type ScenarioSize,
} from "../../support/change-batches";
import { canonicalRows, lastChangeRows, ReferenceModel, type ModelValue } from "../../support/reference-model";

export const SEEDS = Number(process.env.CDC_PROPERTY_SEEDS ?? 1000);
export const SEED_START = Number(process.env.CDC_PROPERTY_SEED_START ?? 1);
export const GROUP = Math.max(1, Number(process.env.CDC_PROPERTY_GROUP ?? 100));

export interface SeedFailure {
  seed: number;
  table: string;
  what: string;
  expected: unknown;
  actual: unknown;
}

/** What a property test drives: an executor (or a pair) holding target tables. */
export interface PropertyTarget {
  /** Empties the table's target (and tombstones). */
  reset(meta: TableMetadata): Promise<void>;
  /**
   * Applies one batch of files, in order. `round` counts the batches of a group from 0; `tombstoneCutoff`, when the
   * run expires tombstones (see {@link CheckOptions.cutoffs}), is the `cdc_timestamp` before which they go.
   */
  apply(meta: TableMetadata, files: string[], run: { round: number; tombstoneCutoff?: string }): Promise<void>;
  /** Live rows as the engine returns them (any value spelling `canonicalRows` understands). */
  rows(meta: TableMetadata): Promise<Array<Record<string, unknown>>>;
}

/**
 * The rows of "one in-order pass" (DESIGN §5) over the scenario's history, in closed form (`lastChangeRows`): shares no
 * code with the reference model or the plan, so a rule both got wrong the same way still shows.
 */
export function inOrderRows(s: Scenario): Array<Record<string, ModelValue>> {
  return lastChangeRows(s.meta, s.inOrder);
}

/** The model's live rows after the in-order history, one file per batch. */
export function modelInOrderRows(s: Scenario): Array<Record<string, ModelValue>> {
  const model = new ReferenceModel(s.meta);
  for (const f of s.inOrder) model.applyBatch([f]);
  return model.rows();
}

/** The model's live rows after the scenario's perturbed delivery. */
export function deliveredRows(s: Scenario): Array<Record<string, ModelValue>> {
  const model = new ReferenceModel(s.meta);
  for (const b of s.batches) model.applyBatch(b);
  return model.rows();
}

export interface CheckOptions {
  start?: number;
  count?: number;
  group?: number;
  /**
   * Tombstone expiry: the cutoff of each round's run (undefined: that run expires nothing). The expected rows are then
   * the reference model's, fed the same delivery with the same expiry before each run — expiry is the one case where
   * "as one in-order pass" does not hold (an expired tombstone no longer stops a late, older change).
   */
  cutoffs?: (round: number) => string | undefined;
  /** History size of each scenario (default: randomScenario's). */
  size?: ScenarioSize;
}

/**
 * Runs seeds [start, start + count) in groups of `group` against `target` and returns the lowest failing seed's
 * mismatch, if any. `conn` writes the Parquet files.
 */
export async function checkSeeds(
  conn: DuckDBConnection,
  target: PropertyTarget,
  opts: CheckOptions = {},
): Promise<SeedFailure | undefined> {
  const { start = SEED_START, count = SEEDS, group = GROUP } = opts;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-apply-props-"));
  try {
    for (let first = start; first < start + count; first += group) {
      const seeds = Array.from({ length: Math.min(group, start + count - first) }, (_, i) => first + i);
      for (const [t, meta] of PROPERTY_TABLES.entries()) {
        const scenarios = seeds
          .filter((seed) => seed % PROPERTY_TABLES.length === t)
          .map((seed) => randomScenario(seed, meta, opts.size));
        if (scenarios.length === 0) continue;
        const failure = await checkGroup(conn, target, meta, scenarios, path.join(root, String(first)), opts.cutoffs);
        if (failure) return failure;
      }
      fs.rmSync(path.join(root, String(first)), { recursive: true, force: true });
    }
    return undefined;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function checkGroup(
  conn: DuckDBConnection,
  target: PropertyTarget,
  meta: TableMetadata,
  scenarios: Scenario[],
  dir: string,
  cutoffs?: (round: number) => string | undefined,
): Promise<SeedFailure | undefined> {
  const table = `${meta.schema}.${meta.table}`;
  for (const s of scenarios) {
    // The claim of DESIGN §5 itself: the model is indifferent to how the files arrive.
    const expected = inOrderRows(s);
    const inOrder = modelInOrderRows(s);
    if (!isDeepStrictEqual(expected, inOrder)) {
      return { seed: s.seed, table, what: "model in order vs last change per key", expected, actual: inOrder };
    }
    const delivered = deliveredRows(s);
    if (!isDeepStrictEqual(expected, delivered)) {
      return { seed: s.seed, table, what: "model: delivered vs in-order", expected, actual: delivered };
    }
  }
  await writeDmsFiles(
    conn,
    meta,
    scenarios.flatMap((s) => s.inOrder.map((file) => ({ path: scenarioPath(dir, s, file), file }))),
  );
  await target.reset(meta);
  const rounds = Math.max(...scenarios.map((s) => s.batches.length));
  for (let r = 0; r < rounds; r++) {
    const files = scenarios.flatMap((s) => (s.batches[r] ?? []).map((f) => scenarioPath(dir, s, f)));
    if (files.length > 0) await target.apply(meta, files, { round: r, tombstoneCutoff: cutoffs?.(r) });
  }
  const bySeed = new Map<string, Array<Record<string, ModelValue>>>();
  for (const row of canonicalRows(meta, await target.rows(meta))) {
    const list = bySeed.get(String(row.seed)) ?? [];
    list.push(row);
    bySeed.set(String(row.seed), list);
  }
  for (const s of scenarios) {
    const expected = cutoffs ? expiringRows(s, rounds, cutoffs) : inOrderRows(s);
    const actual = bySeed.get(String(s.seed)) ?? [];
    if (!isDeepStrictEqual(expected, actual)) {
      const what = cutoffs ? "target vs the model with the same tombstone expiry" : "target vs one in-order pass";
      return { seed: s.seed, table, what, expected, actual };
    }
  }
  return undefined;
}

/** The model's rows after the delivery when every round's run first expires tombstones before its cutoff. */
function expiringRows(
  s: Scenario,
  rounds: number,
  cutoffs: (round: number) => string | undefined,
): Array<Record<string, ModelValue>> {
  const model = new ReferenceModel(s.meta);
  for (let r = 0; r < rounds; r++) {
    const cutoff = cutoffs(r);
    // A run expires tombstones of the whole table, so also those of seeds with no file in it.
    if (cutoff !== undefined) model.expireTombstones(cutoff);
    if (s.batches[r]) model.applyBatch(s.batches[r]);
  }
  return model.rows();
}
