/**
 * A schema change in the middle of a random CDC history (DESIGN §5 "Schema changes"), for the schema property tests
 * (schema-property.ts). Each property table has an old shape and a new one that differs by every compatible change the
 * table can take: an added column, a longer varchar, a decimal with more precision at the same scale, int → bigint
 * (a key column of dbo.Orders, so the tombstones are altered too) and float → double.
 *
 * The history is the seed's `randomScenario` of the old shape, cut at a random file after the full load: files before
 * the cut are written in the old shape, files from the cut on in the new one, where changes fill the added column and
 * now and then hold a value only the new shape fits (a longer string, a bigint, a wider decimal, a double). The
 * delivery is the scenario's perturbed one (duplicates, swaps, replays), plus in-flight files: the old-shape files just
 * before the cut arrive only with the first new-shape file — one in the same batch, one in a later batch of its own
 * (no file of which has the added column) — and now and then an old batch is replayed after the change.
 */
import type { ColumnMetadata, TableMetadata } from "../../../metadata/format";
import { targetTypes, type DmsColumnType } from "../../../metadata/dms-types";
import { diffTable, tableShape } from "../../../metadata/schema-diff";
import { seededRandom } from "../../../src/local/dms-generator/values";
import { PROPERTY_TABLES, randomScenario, randomValue, type ScenarioSize } from "../../support/change-batches";
import type { ModelChange, ModelFile, ModelValue } from "../../support/reference-model";

/** A table before and after its schema change. */
export interface EvolvingTable {
  before: TableMetadata;
  after: TableMetadata;
}

/** A file of the history and the shape it was written in. */
export interface ShapedFile {
  file: ModelFile;
  shape: "old" | "new";
}

export interface SchemaScenario {
  seed: number;
  table: EvolvingTable;
  /** Full load, then CDC in commit order: old-shape files, then new-shape ones. */
  inOrder: ShapedFile[];
  /** The delivery: batches of files (duplicated, reordered, replayed; old-shape files in flight after the cut). */
  batches: ShapedFile[][];
  /** The first batch holding a new-shape file: the targets change shape before applying it. */
  firstNewBatch: number;
  /** How many old-shape files arrive only with or after the first new-shape file (0 when no CDC file precedes the cut). */
  inFlight: number;
}

const retyped = (meta: TableMetadata, name: string, type: Partial<DmsColumnType>): ColumnMetadata[] =>
  meta.columns.map((c) => {
    if (c.name !== name) return c;
    const next = { ...c, ...type };
    return { ...next, parquet: targetTypes(next).parquet };
  });

const added = (ordinal: number, name: string, type: DmsColumnType, nullable = true): ColumnMetadata => ({
  name,
  ordinal,
  sourceType: type.dmsType.toLowerCase(),
  nullable,
  ...type,
  parquet: targetTypes(type).parquet,
});

function evolve(before: TableMetadata, changes: Array<[string, Partial<DmsColumnType>]>, add: ColumnMetadata): EvolvingTable {
  let columns = before.columns;
  for (const [name, type] of changes) columns = retyped({ ...before, columns }, name, type);
  return { before, after: { ...before, columns: [...columns, add] } };
}

const [orders, stock, events] = PROPERTY_TABLES;
/** dbo.Stock Levels' `level` was a float before it was a double. */
const stockBefore: TableMetadata = { ...stock, columns: retyped(stock, "level", { dmsType: "REAL4" }) };

/** The property tables (same index) with their schema change; `seed % 3` picks one, as in property-run.ts. */
export const EVOLVING_TABLES: EvolvingTable[] = [
  evolve(
    orders,
    [
      ["order_id", { dmsType: "INT8" }],
      ["customer", { length: 40 }],
      ["amount", { precision: 16 }],
    ],
    // NOT NULL at the source: rows written before it still read NULL (the targets' column admits it).
    added(8, "channel", { dmsType: "STRING", length: 8 }, false),
  ),
  evolve(
    stockBefore,
    [
      ["level", { dmsType: "REAL8" }],
      ["note", { length: 60 }],
    ],
    added(6, "bin", { dmsType: "INT4" }),
  ),
  evolve(
    events,
    [
      ["n", { dmsType: "INT8" }],
      ["event", { length: 30 }],
    ],
    added(6, "detail", { dmsType: "WSTRING", length: 16 }),
  ),
];

/**
 * The seed's history with a schema change in its middle, or undefined when it has no middle (a single CDC file and no
 * full load: nothing is written before the change).
 */
export function schemaScenario(seed: number, table: EvolvingTable, size?: ScenarioSize): SchemaScenario | undefined {
  const s = randomScenario(seed, table.before, size);
  const r = seededRandom(seed * 104_729 + 31);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  // The cut is after the full load and, when there are two CDC files or more, after the first of them.
  const loads = s.inOrder.filter((f) => f.name.startsWith("LOAD")).length;
  const first = Math.min(loads + 1, s.inOrder.length - 1);
  if (first < 1) return undefined;
  const cut = int(first, s.inOrder.length - 1);
  const widened = new Set(
    diffTable(table.after.table, tableShape(table.before), tableShape(table.after))
      .filter((c) => (c.kind === "widen" || c.kind === "promote") && !table.after.primaryKey.includes(c.column as string))
      .map((c) => c.column as string),
  );

  const shaped = new Map<ModelFile, ShapedFile>();
  const inOrder = s.inOrder.map((file, i): ShapedFile => {
    const f: ShapedFile =
      i < cut
        ? { file, shape: "old" }
        : { file: { ...file, changes: file.changes.map((c) => newShape(table.after, widened, c, r)) }, shape: "new" };
    shaped.set(file, f);
    return f;
  });
  const delivered = s.batches.map((b) => b.map((f) => shaped.get(f) as ShapedFile));
  const firstNew = (bs: ShapedFile[][]) => bs.findIndex((b) => b.some((f) => f.shape === "new"));

  // In flight: the last one or two old-shape CDC files arrive only with, or after, the first new-shape files.
  const oldCdc = inOrder.slice(loads, cut);
  const late = oldCdc.slice(Math.max(0, oldCdc.length - int(1, 2)));
  const before = firstNew(delivered);
  const batches = [
    ...delivered.slice(0, before).map((b) => b.filter((f) => !late.includes(f))),
    ...delivered.slice(before),
  ].filter((b) => b.length > 0);
  const change = firstNew(batches);
  if (late[0]) batches[change].splice(int(0, batches[change].length), 0, late[0]);
  // A later batch of old-shape files only: no file of it has the added column.
  if (late[1]) batches.splice(int(change + 1, batches.length), 0, [late[1]]);
  // Now and then a batch of the old shape is replayed after the change.
  if (change > 0 && r() < 0.5) batches.splice(int(change + 1, batches.length), 0, [...batches[int(0, change - 1)]]);
  return { seed, table, inOrder, batches, firstNewBatch: change, inFlight: late.length };
}

/**
 * A change as a new-shape file holds it: the added column filled, and now and then a value of a widened column (never
 * a key column: a change of key is another row) that only the new type holds.
 */
function newShape(after: TableMetadata, widened: ReadonlySet<string>, change: ModelChange, r: () => number): ModelChange {
  const values: Record<string, ModelValue> = { ...change.values };
  for (const c of after.columns) {
    if (!(c.name in values)) values[c.name] = randomValue(c, r);
    else if (widened.has(c.name) && r() < 0.4) values[c.name] = onlyNewFits(c, r);
  }
  return { ...change, values };
}

/** A value of `c`'s new type that its old type could not hold. */
function onlyNewFits(c: ColumnMetadata, r: () => number): ModelValue {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  switch (c.dmsType) {
    case "INT8":
      return pick(["2147483648", "-2147483649", "9223372036854775807", "-9000000000"]);
    case "NUMERIC":
      // 14 digits before the point: NUMERIC(12,2) holds 10.
      return `${pick(["", "-"])}${pick(["12345678901234", "99999999999999", "10000000000000"])}.${pick(["01", "50", "99"])}`;
    case "REAL8":
      // No float32 is this double.
      return pick(["0.1", "-123.456", "1e+300"]);
    default:
      // Longer than the old varchar, within the new one, with multi-byte characters.
      return `${pick(["é", "€", "Z"])}${"x".repeat((c.length ?? 8) - 2)}${pick(["'", "\\", "a"])}`;
  }
}
