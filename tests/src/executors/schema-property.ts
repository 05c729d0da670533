/**
 * Property of a schema change in the middle of a stream (DESIGN §5 "Schema changes"), shared by the DuckDB, MariaDB and
 * Spark suites: each seed's random history changes shape at a random file (schema-scenario.ts) and is delivered
 * perturbed, with old-shape files still in flight after the first new-shape one. The engine applies the batches of the
 * old shape with the old metadata; from the first batch holding a new-shape file on, with the new metadata, altering its
 * tables first (the `applied` shape, as the poller hands it over once), and always with each file's real column names.
 * The target must then equal, row for row, both the reference model fed the same delivery (`evolve` before that batch)
 * and, independently, the closed form: the last change per key of the history, with NULL in the added column where
 * that change came from an old-shape file.
 *
 * All three tables run in lockstep — round r applies every table's r-th batch, one run, as one manifest on Spark — and
 * the seeds of a group share each table (their keys carry the seed), so the table changes shape once per group: at the
 * first round in which any of its seeds delivers a new-shape file. Seeds whose change comes later then have old-shape
 * files applied with the new metadata for a while, which is the point. Between groups the tables are dropped and
 * created again in the old shape.
 *
 * Knobs: CDC_SCHEMA_SEEDS (seeds, default per suite), CDC_PROPERTY_SEED_START (first seed), CDC_SCHEMA_GROUP (seeds
 * per shared run, default 30). A failure names its seed: rerun it with CDC_PROPERTY_SEED_START=<seed>
 * CDC_SCHEMA_SEEDS=1.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { TableMetadata } from "../../../metadata/format";
import { tableShape, type TableShape } from "../../../metadata/schema-diff";
import type { BatchFile } from "../../../handlers/core/plan/plan";
import { writeDmsFiles, type ScenarioSize } from "../../support/change-batches";
import { canonicalRows, lastChangeRows, ReferenceModel, type ModelValue } from "../../support/reference-model";
import { SEED_START, type SeedFailure } from "./property-run";
import { EVOLVING_TABLES, schemaScenario, type SchemaScenario, type ShapedFile } from "./schema-scenario";

/** Seeds per run of a suite, when CDC_SCHEMA_SEEDS does not say. */
export function schemaSeeds(fallback: number): number {
  return Number(process.env.CDC_SCHEMA_SEEDS ?? fallback);
}
const GROUP = Math.max(1, Number(process.env.CDC_SCHEMA_GROUP ?? 30));

/** One table's batch of a round. */
export interface SchemaBatch {
  /** The metadata to apply with: the old shape before the table's change, the new one from it on. */
  meta: TableMetadata;
  /** In batch order, each with the column names its Parquet file really has. */
  files: BatchFile[];
  /** Set on the table's first batch of the new shape: the shape its tables have; alter them before applying. */
  applied?: TableShape;
}

export interface SchemaPropertyTarget {
  /** Drops the table's physical tables and creates them, empty, in `meta`'s shape. */
  reset(meta: TableMetadata): Promise<void>;
  /** Applies one round: each table's batch (at most one per table). */
  apply(batches: SchemaBatch[], run: { round: number }): Promise<void>;
  /** Live rows as the engine returns them (any value spelling `canonicalRows` understands). */
  rows(meta: TableMetadata): Promise<Array<Record<string, unknown>>>;
}

export interface SchemaRunReport {
  /** The lowest failing seed's mismatch, if any. */
  failure?: SeedFailure;
  /** Seeds checked (with a schema change in their middle). */
  checked: number;
  /** Seeds whose history has no middle (one CDC file, no full load). */
  withoutMiddle: number;
  /** Seeds with an old-shape file delivered only with or after their first new-shape file. */
  inFlight: number;
  /** Rounds in which a table changed shape. */
  changes: number;
}

/** Runs seeds [start, start + count) in groups against `target`; `conn` writes the Parquet files. */
export async function checkSchemaSeeds(
  conn: DuckDBConnection,
  target: SchemaPropertyTarget,
  opts: {
    start?: number;
    count: number;
    group?: number;
    size?: ScenarioSize;
    /**
     * Change every table's shape in one round (one run alters all three: cheaper where runs cost seconds): the latest
     * round, before any table's first new-shape file, in which every table has a batch. Without one, each its own.
     */
    together?: boolean;
  },
): Promise<SchemaRunReport> {
  const { start = SEED_START, count, group = GROUP } = opts;
  const report: SchemaRunReport = { checked: 0, withoutMiddle: 0, inFlight: 0, changes: 0 };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-schema-props-"));
  try {
    for (let first = start; first < start + count && !report.failure; first += group) {
      const seeds = Array.from({ length: Math.min(group, start + count - first) }, (_, i) => first + i);
      const byTable = EVOLVING_TABLES.map((table, t) =>
        seeds
          .filter((seed) => seed % EVOLVING_TABLES.length === t)
          .map((seed) => schemaScenario(seed, table, opts.size))
          .filter((s): s is SchemaScenario => {
            if (!s) report.withoutMiddle++;
            return s !== undefined;
          }),
      );
      report.failure = await checkGroup(conn, target, byTable, path.join(root, String(first)), report, opts.together);
      fs.rmSync(path.join(root, String(first)), { recursive: true, force: true });
    }
    return report;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function checkGroup(
  conn: DuckDBConnection,
  target: SchemaPropertyTarget,
  byTable: SchemaScenario[][],
  dir: string,
  report: SchemaRunReport,
  together = false,
): Promise<SeedFailure | undefined> {
  const where = (s: SchemaScenario, f: ShapedFile) =>
    path.join(dir, String(s.seed), s.table.before.schema, s.table.before.table, f.file.name);
  const tables = byTable.filter((scenarios) => scenarios.length > 0);
  for (const scenarios of tables) {
    const { before, after } = scenarios[0].table;
    for (const s of scenarios) {
      // The model's own claim: one in-order pass (changing shape at the cut) and the perturbed delivery (changing
      // shape at the seed's first new-shape batch) both leave the closed form.
      const closed = closedForm(s);
      const cut = s.inOrder.findIndex((f) => f.shape === "new");
      const inOrder = modelRows(
        s,
        s.inOrder.map((f) => [f]),
        cut,
      );
      if (!isDeepStrictEqual(closed, inOrder)) return failure(s, "model in order vs the closed form", closed, inOrder);
      const delivered = modelRows(s, s.batches, s.firstNewBatch);
      if (!isDeepStrictEqual(closed, delivered)) return failure(s, "model: delivered vs the closed form", closed, delivered);
      if (s.inFlight > 0) report.inFlight++;
    }
    for (const [shape, meta] of [
      ["old", before],
      ["new", after],
    ] as const) {
      const files = scenarios.flatMap((s) =>
        s.inOrder.filter((f) => f.shape === shape).map((f) => ({ path: where(s, f), file: f.file })),
      );
      await writeDmsFiles(conn, meta, files);
    }
    await target.reset(before);
  }
  const footers = await footerColumns(
    conn,
    tables.flatMap((scenarios) => scenarios.flatMap((s) => s.inOrder.map((f) => where(s, f)))),
  );
  // The round each table changes shape: the first in which any of its seeds delivers a new-shape file.
  const changeAt = tables.map((scenarios) => Math.min(...scenarios.map((s) => s.firstNewBatch)));
  if (together) {
    const everyTable = (round: number) => tables.every((scenarios) => scenarios.some((s) => (s.batches[round] ?? []).length > 0));
    let round = Math.min(...changeAt);
    while (round > 0 && !everyTable(round)) round--;
    if (everyTable(round)) changeAt.fill(round);
  }
  const rounds = Math.max(...tables.flat().map((s) => s.batches.length));
  for (let round = 0; round < rounds; round++) {
    const batches: SchemaBatch[] = [];
    tables.forEach((scenarios, t) => {
      const { before, after } = scenarios[0].table;
      const files = scenarios.flatMap((s) =>
        (s.batches[round] ?? []).map((f) => ({ uri: where(s, f), columns: footers.get(where(s, f)) as string[] })),
      );
      if (files.length === 0) return;
      const meta = round >= changeAt[t] ? after : before;
      batches.push(round === changeAt[t] ? { meta, files, applied: tableShape(before) } : { meta, files });
    });
    report.changes += batches.filter((b) => b.applied).length;
    if (batches.length > 0) await target.apply(batches, { round });
  }
  for (const [t, scenarios] of tables.entries()) {
    const { after } = scenarios[0].table;
    const bySeed = new Map<string, Array<Record<string, ModelValue>>>();
    for (const row of canonicalRows(after, await target.rows(after))) {
      const list = bySeed.get(String(row.seed)) ?? [];
      list.push(row);
      bySeed.set(String(row.seed), list);
    }
    for (const s of scenarios) {
      const actual = bySeed.get(String(s.seed)) ?? [];
      const model = modelRows(s, s.batches, changeAt[t]);
      if (!isDeepStrictEqual(model, actual)) return failure(s, "target vs the model fed the same delivery", model, actual);
      const closed = closedForm(s);
      if (!isDeepStrictEqual(closed, actual)) return failure(s, "target vs the closed form", closed, actual);
      report.checked++;
    }
  }
  return undefined;
}

/** Each Parquet file's column names, from its footer (as the validated-file message reports them). */
async function footerColumns(conn: DuckDBConnection, files: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (files.length === 0) return out;
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(", ");
  // Flat columns only: the root element is the one with children.
  const reader = await conn.runAndReadAll(`SELECT file_name, name FROM parquet_schema([${list}]) WHERE num_children IS NULL`);
  for (const [file, name] of reader.getRows() as Array<[string, string]>) out.set(file, [...(out.get(file) ?? []), name]);
  return out;
}

/**
 * Per key, the last change of the history in the new shape's spelling; an old-shape file's change lacks the added
 * column, so it reads NULL (`lastChangeRows` shares no code with the model or the plan).
 */
function closedForm(s: SchemaScenario): Array<Record<string, ModelValue>> {
  return lastChangeRows(
    s.table.after,
    s.inOrder.map((f) => f.file),
  );
}

/** The model's rows after `batches`, changing shape before batch `changeAt`. */
function modelRows(s: SchemaScenario, batches: ShapedFile[][], changeAt: number): Array<Record<string, ModelValue>> {
  const model = new ReferenceModel(s.table.before);
  batches.forEach((b, i) => {
    if (i === changeAt) model.evolve(s.table.after);
    model.applyBatch(b.map((f) => f.file));
  });
  if (changeAt >= batches.length) model.evolve(s.table.after);
  return model.rows();
}

function failure(s: SchemaScenario, what: string, expected: unknown, actual: unknown): SeedFailure {
  return { seed: s.seed, table: `${s.table.after.schema}.${s.table.after.table}`, what, expected, actual };
}
