/**
 * One reload, step by step, for every engine (DuckDB, MariaDB, Spark + Iceberg): a table gets its first full load and
 * CDC, then DMS reloads it without some rows, more CDC follows, the generation's batch is run twice (a retry), the
 * old generation's files are replayed, and a later LOAD file of the new generation arrives. After every step the
 * engine must hold exactly what the reference model and a hand-written expectation say.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import * as path from "node:path";
import type { Generation } from "../../../handlers/core/plan/generation";
import { PROPERTY_TABLES, writeDmsFiles } from "../../support/change-batches";
import { canonicalRows, ReferenceModel, type ModelChange, type ModelFile } from "../../support/reference-model";

export const RELOAD_META = PROPERTY_TABLES[0]; // dbo.Orders, key (seed, order_id)

/** An engine under test: applies one batch of local files (in order), optionally of a generation; reads live rows. */
export interface ReloadTarget {
  apply(files: string[], generation?: Generation): Promise<void>;
  rows(): Promise<Array<Record<string, unknown>>>;
}

const change = (op: "I" | "U" | "D", seq: string, id: number, customer: string, minute = 0): ModelChange => ({
  op,
  seq,
  timestamp: `2024-01-02 00:${String(minute).padStart(2, "0")}:00.000000`,
  values: { seed: "7", order_id: String(id), customer, amount: "1.00", big: "1", placed_at: null, paid: "true" },
});
const seq = (n: number) => String(n).padStart(20, "0");

/** `<dir>/<generation folder>/dbo/Orders/<name>`: both loads are `LOAD00000001.parquet`, as DMS writes a reload. */
export const RELOAD_FILES: Array<{ folder: string; file: ModelFile }> = [
  {
    folder: "gen1",
    file: {
      name: "LOAD00000001.parquet",
      changes: [1, 2, 3, 4, 5].map((id) => change("I", "", id, `a${id}`)),
    },
  },
  { folder: "gen1", file: { name: "20240102-000100000.parquet", changes: [change("U", seq(100), 2, "b2", 1)] } },
  { folder: "gen1", file: { name: "20240102-000200000.parquet", changes: [change("D", seq(110), 3, "a3", 2)] } },
  { folder: "gen1", file: { name: "20240102-000300000.parquet", changes: [change("I", seq(120), 6, "c6", 3)] } },
  {
    // The reload: 3 was deleted by CDC, 5 and 6 are gone from the source without a change DMS saw; 7 is new.
    folder: "gen2",
    file: {
      name: "LOAD00000001.parquet",
      changes: [
        change("I", "", 1, "a1", 5),
        change("I", "", 2, "b2", 5),
        change("I", "", 4, "n4", 5),
        change("I", "", 7, "n7", 5),
      ],
    },
  },
  { folder: "gen2", file: { name: "20240102-000600000.parquet", changes: [change("U", seq(130), 7, "x7", 6)] } },
  { folder: "gen2", file: { name: "20240102-000700000.parquet", changes: [change("I", seq(140), 8, "y8", 7)] } },
  // A later file of the same reload, applied in a later run: 5 is back, 9 is new.
  {
    folder: "gen2",
    file: { name: "LOAD00000002.parquet", changes: [change("I", "", 5, "r5", 5), change("I", "", 9, "n9", 5)] },
  },
];

export const GENERATION: Generation = { id: "etag-of-the-reload", at: "2024-01-02 00:05:00.000000", sweep: true };

/** Writes the scenario's Parquet files under `dir`; returns a function naming a file's local path by index. */
export async function writeReloadFiles(conn: DuckDBConnection, dir: string): Promise<(i: number) => string> {
  const at = (i: number) => path.join(dir, RELOAD_FILES[i].folder, "dbo", "Orders", RELOAD_FILES[i].file.name);
  await writeDmsFiles(
    conn,
    RELOAD_META,
    RELOAD_FILES.map((f, i) => ({ path: at(i), file: f.file })),
  );
  return at;
}

const customers = (rows: Array<Record<string, unknown>>) =>
  canonicalRows(RELOAD_META, rows).map((r) => `${String(r.order_id)}:${String(r.customer)}`);

/**
 * Runs the steps against `target`; each step's rows must equal the model's and the hand-written list. Returns what
 * went wrong (empty when nothing did).
 */
export async function runReloadScenario(
  target: ReloadTarget,
  at: (i: number) => string,
  options: { short?: boolean } = {},
): Promise<string[]> {
  const model = new ReferenceModel(RELOAD_META);
  const problems: string[] = [];
  const step = async (what: string, files: number[], expected: string[], generation?: Generation) => {
    await target.apply(files.map(at), generation);
    model.applyBatch(
      files.map((i) => RELOAD_FILES[i].file),
      generation,
    );
    const rows = await target.rows();
    const got = canonicalRows(RELOAD_META, rows);
    if (JSON.stringify(got) !== JSON.stringify(model.rows()))
      problems.push(`${what}: engine ${JSON.stringify(got)} != model ${JSON.stringify(model.rows())}`);
    if (JSON.stringify(customers(rows)) !== JSON.stringify(expected))
      problems.push(`${what}: engine has ${customers(rows).join(" ")}, expected ${expected.join(" ")}`);
  };
  const before = ["1:a1", "2:b2", "4:a4", "5:a5", "6:c6"];
  const after = ["1:a1", "2:b2", "4:n4", "7:x7", "8:y8"];
  await step("first load and CDC", [0, 1, 2, 3], before);
  await step("the reload with later CDC", [4, 5, 6], after, GENERATION);
  await step("the reload's batch retried", [4, 5, 6], after, GENERATION);
  await step("the old generation's files replayed", [0, 1, 2, 3], after);
  // `short` (Spark, where each run costs seconds) leaves out the two steps that only repeat what the others show.
  if (!options.short) await step("each old file again, alone", [3], after);
  await step("a later LOAD file of the same reload", [7], ["1:a1", "2:b2", "4:n4", "5:r5", "7:x7", "8:y8", "9:n9"], {
    ...GENERATION,
    sweep: false,
  });
  if (!options.short)
    await step("the whole history replayed", [0, 1, 2, 3, 4, 5, 6, 7], ["1:a1", "2:b2", "4:n4", "5:r5", "7:x7", "8:y8", "9:n9"]);
  return problems;
}
