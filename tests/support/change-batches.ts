/**
 * Seeded random CDC histories for property tests: a full load and a CDC stream over a small key space, written as
 * DMS-format Parquet files, then delivered the way production delivers them — files duplicated, reordered across
 * batches, whole batches (manifests) replayed. The same seed always gives the same scenario.
 *
 *   const s = randomScenario(seed, PROPERTY_TABLES[seed % 3]);
 *   s.inOrder   // the files as DMS wrote them: full load, then CDC in commit order
 *   s.batches   // what arrives: batches of files (duplicates, reorderings, replays)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ColumnMetadata, TableMetadata } from "../../metadata/format";
import { targetTypes, type DmsType } from "../../metadata/dms-types";
import { seededRandom } from "../../src/local/dms-generator/values";
import type { ModelChange, ModelFile, ModelValue } from "./reference-model";

const col = (name: string, ordinal: number, dmsType: DmsType, extra: Partial<ColumnMetadata> = {}): ColumnMetadata => {
  const base = { name, ordinal, sourceType: dmsType.toLowerCase(), dmsType, nullable: true, ...extra };
  return { ...base, parquet: targetTypes(base).parquet };
};

/**
 * Three shapes: a single integer key, a composite (case-sensitive string + integer) key, and no key at all. Each starts
 * with a `seed` column (part of the key where there is one) so many seeds can share one table without interacting.
 */
export const PROPERTY_TABLES: TableMetadata[] = [
  {
    schema: "dbo",
    table: "Orders",
    primaryKey: ["seed", "order_id"],
    excluded: [],
    columns: [
      col("seed", 1, "INT4", { nullable: false }),
      col("order_id", 2, "INT4", { nullable: false }),
      col("customer", 3, "WSTRING", { length: 12 }),
      col("amount", 4, "NUMERIC", { precision: 12, scale: 2 }),
      col("big", 5, "INT8"),
      col("placed_at", 6, "DATETIME", { scale: 6 }),
      col("paid", 7, "BOOLEAN"),
    ],
  },
  {
    schema: "sales",
    table: "Stock Levels",
    primaryKey: ["seed", "region", "item"],
    excluded: [],
    columns: [
      col("seed", 1, "INT4", { nullable: false }),
      col("region", 2, "STRING", { length: 4, nullable: false }),
      col("item", 3, "INT2", { nullable: false }),
      col("note", 4, "STRING", { length: 20 }),
      col("level", 5, "REAL8"),
    ],
  },
  {
    schema: "audit",
    table: "events",
    primaryKey: [],
    excluded: [],
    columns: [
      col("seed", 1, "INT4", { nullable: false }),
      col("event", 2, "STRING", { length: 10 }),
      col("n", 3, "INT4"),
      col("at", 4, "DATETIME", { scale: 6 }),
      // SQL Server time(7): text with 100 ns digits in every target (see targetTypes).
      col("at_time", 5, "TIME", { scale: 7 }),
    ],
  },
];

export interface Scenario {
  seed: number;
  meta: TableMetadata;
  /** Full-load files, then CDC files in commit order. */
  inOrder: ModelFile[];
  /** The delivery: batches of files (a file may appear several times, out of order; a batch may repeat). */
  batches: ModelFile[][];
}

export interface ScenarioSize {
  /** Distinct keys (key-space size). */
  keys: number;
  /** CDC changes in the stream. */
  changes: number;
}

/** A random history for `meta` and a perturbed delivery of it. */
export function randomScenario(seed: number, meta: TableMetadata, size: ScenarioSize = { keys: 6, changes: 24 }): Scenario {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const keySpace = Array.from({ length: Math.max(1, int(1, size.keys)) }, (_, i) => ({
    seed: String(seed),
    ...keyValues(meta, i),
  }));
  const value = (c: ColumnMetadata): ModelValue => randomValue(c, r);
  const row = (key: Record<string, ModelValue>) =>
    Object.fromEntries(
      meta.columns.map((c) => [c.name, c.name === "seed" ? String(seed) : c.name in key ? key[c.name] : value(c)]),
    );

  // Full load: a random subset of keys, over one or two LOAD files; cdc_seq empty or null.
  const live = new Map<number, Record<string, ModelValue>>();
  const loadRows: ModelChange[] = [];
  keySpace.forEach((k, i) => {
    if (r() < 0.5) return;
    const values = row(k);
    live.set(i, values);
    loadRows.push({ op: "I", seq: r() < 0.5 ? "" : null, timestamp: "2024-01-01 00:00:00.000000", values });
  });
  const inOrder: ModelFile[] = [];
  const split = int(0, loadRows.length);
  for (const [n, part] of [loadRows.slice(0, split), loadRows.slice(split)].entries()) {
    // Counters unique per seed: a change log identifies full-load rows by file counter and row.
    const counter = seed * 2 + n + 1;
    if (part.length > 0)
      inOrder.push({ name: `LOAD${counter.toString(16).toUpperCase().padStart(8, "0")}.parquet`, changes: part });
  }

  // CDC: increasing sequences that sometimes cross a digit-count boundary (9 → 10 must compare as numbers).
  // Change logs are identified by sequence, so each seed gets its own range there (DMS sequences are unique per task).
  const base = meta.primaryKey.length === 0 ? BigInt(seed) * 10n ** 31n : 0n;
  let seq = base + BigInt(10) ** BigInt(int(0, 30)) - BigInt(int(0, 20));
  if (seq < 1n) seq = 1n;
  const cdc: ModelChange[] = [];
  for (let i = 0; i < int(1, size.changes); i++) {
    seq += BigInt(int(1, 5));
    const timestamp = `2024-01-02 ${String(Math.floor(i / 60) % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00.${String(int(0, 999999)).padStart(6, "0")}`;
    const k = int(0, keySpace.length - 1);
    const current = live.get(k);
    if (meta.primaryKey.length === 0) {
      cdc.push({ op: pick(["I", "U", "D"] as const), seq: seq.toString(), timestamp, values: row({}) });
    } else if (current && r() < 0.35) {
      cdc.push({ op: "D", seq: seq.toString(), timestamp, values: current });
      live.delete(k);
    } else {
      const values = row(keySpace[k]);
      cdc.push({ op: current ? "U" : "I", seq: seq.toString(), timestamp, values });
      live.set(k, values);
    }
  }
  for (let i = 0; i < cdc.length;) {
    const n = int(1, 4);
    inOrder.push({ name: `20240102-12${String(inOrder.length).padStart(7, "0")}.parquet`, changes: cdc.slice(i, i + n) });
    i += n;
  }

  // Delivery: duplicate some files, swap some neighbours, cut into batches, replay a batch or two.
  const delivery = [...inOrder];
  for (let i = 0; i < int(0, 2); i++) delivery.splice(int(0, delivery.length), 0, pick(inOrder));
  for (let i = 0; i < int(0, 4); i++) {
    const a = int(0, delivery.length - 1);
    const b = Math.min(delivery.length - 1, a + int(1, 3));
    [delivery[a], delivery[b]] = [delivery[b], delivery[a]];
  }
  const batches: ModelFile[][] = [];
  for (let i = 0; i < delivery.length;) {
    const n = int(1, 3);
    batches.push(delivery.slice(i, i + n));
    i += n;
  }
  for (let i = 0; i < int(0, 2); i++) batches.splice(int(0, batches.length), 0, pick(batches));
  return { seed, meta, inOrder, batches };
}

function keyValues(meta: TableMetadata, i: number): Record<string, ModelValue> {
  if (meta.primaryKey.length === 0) return {};
  const [, first, second] = meta.primaryKey;
  if (second === undefined) return { [first]: String(i + 1) };
  // Regions differ only in case on purpose: the target must keep them apart.
  const regions = ["eu", "EU", "us", "a'b"];
  return { [first]: regions[i % regions.length], [second]: String(Math.floor(i / regions.length)) };
}

/** A random value of column `c` as tests write it (canonical text or null), drawn from `r`. */
export function randomValue(c: ColumnMetadata, r: () => number): ModelValue {
  if (c.nullable && r() < 0.1) return null;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  switch (c.dmsType) {
    case "INT2":
    case "INT4":
      return String(int(-1000, 1000));
    case "INT8":
      return r() < 0.3 ? `${r() < 0.5 ? "-" : ""}92233720368547758${int(0, 7)}` : String(int(-5, 5));
    case "NUMERIC":
      return `${int(-99999, 99999)}.${String(int(0, 99)).padStart(2, "0")}`;
    case "REAL4":
    case "REAL8":
      // Quarters: exact in a float32 too.
      return String(int(-400, 400) / 4);
    case "BOOLEAN":
      return r() < 0.5 ? "true" : "false";
    case "TIME": {
      // Midnight, the last 100 ns of the day, or any time at the column's precision (as DMS writes it: see timeText).
      const digits = c.scale ?? 0;
      const frac = (n: number) => (digits > 0 ? `.${String(n).padStart(digits, "0").slice(0, digits)}` : "");
      const u = r();
      if (u < 0.1) return `00:00:00${frac(0)}`;
      if (u < 0.2) return `23:59:59${frac(10 ** digits - 1)}`;
      const two = (n: number) => String(n).padStart(2, "0");
      return `${two(int(0, 23))}:${two(int(0, 59))}:${two(int(0, 59))}${frac(int(0, 10 ** digits - 1))}`;
    }
    case "DATETIME":
      return `2023-${String(int(1, 12)).padStart(2, "0")}-${String(int(1, 28)).padStart(2, "0")} 10:${String(int(0, 59)).padStart(2, "0")}:00.${String(int(0, 999999)).padStart(6, "0")}`;
    default: {
      const alphabet = ["a", "b", "Z", " ", "'", "\\", "é", "€"];
      return Array.from({ length: int(0, Math.min(c.length ?? 8, 8)) }, () => alphabet[int(0, alphabet.length - 1)]).join("");
    }
  }
}

/**
 * Writes files as DMS would (`Op`, `cdc_timestamp`, `cdc_seq`, then the source columns in their Parquet types), each
 * to its own path, with DuckDB's Parquet writer — one partitioned COPY for all of them, since tests write thousands.
 */
export async function writeDmsFiles(
  conn: DuckDBConnection,
  meta: TableMetadata,
  files: ReadonlyArray<{ path: string; file: ModelFile }>,
): Promise<void> {
  const withRows = files.filter((f) => f.file.changes.length > 0);
  if (withRows.length === 0) return;
  const lit = (v: string | null, type: string) =>
    v === null ? `CAST(NULL AS ${type})` : `CAST('${v.replace(/'/g, "''")}' AS ${type})`;
  const rows = withRows.flatMap(({ file }, i) =>
    file.changes.map((ch) =>
      [
        String(i),
        lit(ch.op, "VARCHAR"),
        lit(ch.timestamp, "VARCHAR"),
        lit(ch.seq, "VARCHAR"),
        ...meta.columns.map((c) => lit(ch.values[c.name] ?? null, targetTypes(c).duckdb)),
      ].join(", "),
    ),
  );
  const names = ["_file", "Op", "cdc_timestamp", "cdc_seq", ...meta.columns.map((c) => c.name)].map(
    (n) => `"${n.replace(/"/g, '""')}"`,
  );
  fs.mkdirSync(path.dirname(withRows[0].path), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(withRows[0].path), ".write-"));
  const select = `SELECT * FROM (VALUES (${rows.join("), (")})) AS t(${names.join(", ")})`;
  await conn.run(
    `COPY (${select}) TO '${staging.replace(/'/g, "''")}' (FORMAT parquet, PARTITION_BY ("_file"), OVERWRITE_OR_IGNORE)`,
  );
  withRows.forEach(({ path: target }, i) => {
    const written = fs.readdirSync(path.join(staging, `_file=${i}`)).filter((f) => f.endsWith(".parquet"));
    if (written.length !== 1) throw new Error(`expected one Parquet file for ${target}, DuckDB wrote ${written.length}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(path.join(staging, `_file=${i}`, written[0]), target);
  });
  fs.rmSync(staging, { recursive: true, force: true });
}

/** Where a scenario file lives under `dir`: `<dir>/<seed>/<schema>/<table>/<name>`, as DMS lays out its output. */
export function scenarioPath(dir: string, s: Scenario, file: ModelFile): string {
  return path.join(dir, String(s.seed), s.meta.schema, s.meta.table, file.name);
}
