/**
 * What changed between two metadata versions of a source, per table and column, and whether the targets can follow
 * (DESIGN §5 "Schema changes"). One rule for every engine: a change is compatible only when Iceberg allows it in place
 * (add a column; int → long; float → double; a decimal's precision raised with its scale kept) or when it only widens
 * what MySQL stores (a longer varchar/varbinary, more fractional digits of a datetime), so the targets never disagree
 * about which changes they took. Everything else — a drop (a rename is seen as a drop and an add), a narrowing, a
 * retype, a key change, a column becoming NOT NULL — is incompatible: the table is held until it is reloaded.
 *
 * Pure: the CLI (`cdc metadata diff`), the plan (ALTER statements, handlers/core/plan/schema-change.ts) and the
 * poller (the applied shape kept in its state) all classify with this module.
 */
import { z } from "zod";
import { targetTypes, type DmsColumnType, type DmsType } from "./dms-types";
import { columnSchema, tableId, type ColumnMetadata, type TableMetadata } from "./format";

/** A column as far as the targets are concerned: what its target types and DDL derive from. */
export type ColumnShape = Pick<ColumnMetadata, "name" | "dmsType" | "length" | "precision" | "scale" | "nullable">;

/**
 * A table's shape: its replicated columns in source order and its key. Stored where a table's applied shape is kept
 * (the run manifest, the poller's state), so the next change is classified against what the targets hold.
 */
export const tableShapeSchema = z.strictObject({
  columns: z.array(columnSchema.pick({ name: true, dmsType: true, length: true, precision: true, scale: true, nullable: true })),
  primaryKey: z.array(z.string()),
});
export type TableShape = z.infer<typeof tableShapeSchema>;

/** Every kind of change, and whether the targets can follow it. */
const FOLLOWS = {
  /** Compatible: a new table (created by the plan's CREATE TABLE IF NOT EXISTS). */
  "add-table": true,
  /** Compatible: the table is no longer replicated; its target tables stay as they are. */
  "remove-table": true,
  /** Compatible: a new column; rows already in the target read NULL in it. */
  "add-column": true,
  /** Compatible: a longer string/binary, or more fractional digits of a datetime. */
  widen: true,
  /** Compatible: a wider integer, float → double, or a decimal's precision raised with the same scale. */
  promote: true,
  /** Compatible, no DDL: a NOT NULL column now admits NULL (target columns other than the key admit NULL already). */
  "drop-not-null": true,
  /** Compatible, no DDL: the metadata says something else, but every target type stays the same. */
  "same-target-type": true,
  /** Incompatible: the column is gone (or renamed: seen as a drop and an add). */
  "drop-column": false,
  /** Incompatible: a shorter string, a smaller integer or decimal, double → float, fewer fractional digits. */
  narrow: false,
  /** Incompatible: another kind of type (or a decimal's scale changed). */
  retype: false,
  /** Incompatible: the primary key's columns or their order changed. */
  "key-change": false,
  /** Incompatible: a column that admitted NULL is now NOT NULL; rows in the target may hold NULL there. */
  "set-not-null": false,
} as const;
export type ChangeKind = keyof typeof FOLLOWS;
export const CHANGE_KINDS = Object.keys(FOLLOWS) as ChangeKind[];

/** One change of one table (and column, for column changes). */
export interface SchemaChange {
  /** `<schema>.<table>`. */
  table: string;
  column?: string;
  kind: ChangeKind;
  compatible: boolean;
  /** The column's type (or the key) before and after, as `describeType` writes it. */
  from?: string;
  to?: string;
  /** What the change means for the targets, when there is more to say than its kind. */
  note?: string;
}

/** A table's shape from its metadata. */
export function tableShape(t: Pick<TableMetadata, "columns" | "primaryKey">): TableShape {
  return {
    columns: t.columns.map((c) => ({
      name: c.name,
      dmsType: c.dmsType,
      nullable: c.nullable,
      ...(c.length !== undefined && { length: c.length }),
      ...(c.precision !== undefined && { precision: c.precision }),
      ...(c.scale !== undefined && { scale: c.scale }),
    })),
    primaryKey: [...t.primaryKey],
  };
}

/** `WSTRING(200)`, `NUMERIC(12,2)`, `DATETIME(3)`, `INT4`, with ` NOT NULL` when the column is. */
export function describeType(c: ColumnShape): string {
  return `${describeDmsType(c)}${c.nullable ? "" : " NOT NULL"}`;
}

function describeDmsType(c: DmsColumnType): string {
  if (c.dmsType === "NUMERIC") return `NUMERIC(${c.precision ?? 38},${c.scale ?? 0})`;
  if (c.length !== undefined) return `${c.dmsType}(${c.length})`;
  if (c.dmsType === "DATETIME" && c.scale !== undefined) return `DATETIME(${c.scale})`;
  return c.dmsType;
}

/** Every change between two versions of a source's tables, ordered by table, then by the column's position. */
export function diffTables(before: readonly TableMetadata[], after: readonly TableMetadata[]): SchemaChange[] {
  const old = new Map(before.map((t) => [tableId(t).toLowerCase(), t]));
  const now = new Map(after.map((t) => [tableId(t).toLowerCase(), t]));
  const ids = [...new Set([...old.keys(), ...now.keys()])].sort();
  return ids.flatMap((id): SchemaChange[] => {
    const [a, b] = [old.get(id), now.get(id)];
    if (a && b) return diffTable(tableId(b), tableShape(a), tableShape(b));
    const table = tableId((a ?? b) as TableMetadata);
    return a
      ? [change(table, "remove-table", { note: "no longer replicated; its target tables stay as they are" })]
      : [change(table, "add-table", { note: "created in each target by its first batch" })];
  });
}

/** The changes of one table between two shapes: the key first, then each column in the new (then old) order. */
export function diffTable(table: string, before: TableShape, after: TableShape): SchemaChange[] {
  const out: SchemaChange[] = [];
  const key = (s: TableShape) => s.primaryKey.map((k) => k.toLowerCase()).join(", ");
  if (key(before) !== key(after)) {
    out.push(
      change(table, "key-change", {
        from: before.primaryKey.length > 0 ? `(${before.primaryKey.join(", ")})` : "no key",
        to: after.primaryKey.length > 0 ? `(${after.primaryKey.join(", ")})` : "no key",
      }),
    );
  }
  const old = new Map(before.columns.map((c) => [c.name.toLowerCase(), c]));
  const now = new Set(after.columns.map((c) => c.name.toLowerCase()));
  for (const c of after.columns) {
    const prior = old.get(c.name.toLowerCase());
    if (!prior) {
      out.push(
        change(table, "add-column", {
          column: c.name,
          to: describeType(c),
          note: c.nullable
            ? undefined
            : "NOT NULL at the source, nullable in the targets: rows already there read NULL until they change or the table is reloaded",
        }),
      );
      continue;
    }
    out.push(...columnChanges(table, prior, c));
  }
  for (const c of before.columns) {
    if (!now.has(c.name.toLowerCase()))
      out.push(change(table, "drop-column", { column: c.name, from: describeType(c), note: "a rename is a drop and an add" }));
  }
  return out;
}

/** Whether any of `changes` stops the targets from following. */
export function hasIncompatible(changes: readonly SchemaChange[]): boolean {
  return changes.some((c) => !c.compatible);
}

/** One line per change: `dbo.Orders: widen Note WSTRING(200) → WSTRING(400) (compatible)`. */
export function describeChange(c: SchemaChange): string {
  const types = c.from !== undefined && c.to !== undefined ? ` ${c.from} → ${c.to}` : ` ${c.to ?? c.from ?? ""}`.trimEnd();
  const subject = c.column !== undefined ? ` ${c.column}` : "";
  const note = c.note !== undefined ? `: ${c.note}` : "";
  return `${c.table}: ${c.kind}${subject}${types} (${c.compatible ? "compatible" : "incompatible"}${note})`;
}

function change(table: string, kind: ChangeKind, rest: Omit<SchemaChange, "table" | "kind" | "compatible"> = {}): SchemaChange {
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { table, kind, compatible: FOLLOWS[kind], ...defined };
}

/** The changes of one column present in both versions (none when nothing the targets see differs). */
function columnChanges(table: string, a: ColumnShape, b: ColumnShape): SchemaChange[] {
  const out: SchemaChange[] = [];
  const [from, to] = [describeType(a), describeType(b)];
  const kind = typeChange(a, b);
  if (kind) out.push(change(table, kind, { column: b.name, from, to }));
  if (a.nullable && !b.nullable) out.push(change(table, "set-not-null", { column: b.name, from, to }));
  if (!a.nullable && b.nullable) out.push(change(table, "drop-not-null", { column: b.name, from, to }));
  return out;
}

/** Integer DMS types by the values they hold. */
const INTEGER_RANGE: Partial<Record<DmsType, [bigint, bigint]>> = {
  INT1: [-(2n ** 7n), 2n ** 7n - 1n],
  INT2: [-(2n ** 15n), 2n ** 15n - 1n],
  INT4: [-(2n ** 31n), 2n ** 31n - 1n],
  INT8: [-(2n ** 63n), 2n ** 63n - 1n],
  UINT1: [0n, 2n ** 8n - 1n],
  UINT2: [0n, 2n ** 16n - 1n],
  UINT4: [0n, 2n ** 32n - 1n],
  UINT8: [0n, 2n ** 64n - 1n],
};
const STRINGS: ReadonlySet<DmsType> = new Set(["STRING", "WSTRING", "CLOB", "NCLOB"]);
const BINARIES: ReadonlySet<DmsType> = new Set(["BYTES", "BLOB"]);
/** Iceberg's in-place promotions of the Spark column types (besides keeping the type): int → bigint, float → double. */
const ICEBERG_PROMOTIONS = new Set(["int>bigint", "float>double"]);

/** How the type of a column changed, or undefined when it did not (nullability aside). */
function typeChange(a: DmsColumnType, b: DmsColumnType): ChangeKind | undefined {
  if (describeDmsType(a) === describeDmsType(b)) return undefined;
  const [ta, tb] = [targets(a), targets(b)];
  if (ta === undefined || tb === undefined) return "retype";
  if (ta.mysql === tb.mysql && ta.duckdb === tb.duckdb && ta.iceberg === tb.iceberg) return "same-target-type";
  const [ra, rb] = [INTEGER_RANGE[a.dmsType], INTEGER_RANGE[b.dmsType]];
  if (ra && rb) {
    if (rb[0] <= ra[0] && rb[1] >= ra[1]) return icebergAllows(ta.iceberg, tb.iceberg) ? "promote" : "retype";
    return ra[0] <= rb[0] && ra[1] >= rb[1] ? "narrow" : "retype";
  }
  if (a.dmsType === "REAL4" && b.dmsType === "REAL8") return "promote";
  if (a.dmsType === "REAL8" && b.dmsType === "REAL4") return "narrow";
  if (a.dmsType === "NUMERIC" && b.dmsType === "NUMERIC") {
    if ((a.scale ?? 0) !== (b.scale ?? 0)) return "retype";
    return (b.precision ?? 38) > (a.precision ?? 38) ? "promote" : "narrow";
  }
  const sameFamily =
    (STRINGS.has(a.dmsType) && STRINGS.has(b.dmsType)) ||
    (BINARIES.has(a.dmsType) && BINARIES.has(b.dmsType)) ||
    (a.dmsType === "TIME" && b.dmsType === "TIME");
  if (sameFamily) return (b.length ?? Infinity) >= (a.length ?? Infinity) ? "widen" : "narrow";
  if (a.dmsType === "DATETIME" && b.dmsType === "DATETIME") return (b.scale ?? 6) > (a.scale ?? 6) ? "widen" : "narrow";
  return "retype";
}

function icebergAllows(from: string, to: string): boolean {
  return from === to || ICEBERG_PROMOTIONS.has(`${from}>${to}`);
}

/**
 * The target types that matter for compatibility. Iceberg's is the Spark column type (8/16-bit integers are `int`
 * there, as the Spark dialect declares them). Undefined for sizing no target can hold (a decimal wider than 38).
 */
function targets(t: DmsColumnType): { iceberg: string; mysql: string; duckdb: string } | undefined {
  try {
    const { glue, mysql, duckdb } = targetTypes(t);
    return { iceberg: glue === "tinyint" || glue === "smallint" ? "int" : glue, mysql, duckdb };
  } catch {
    return undefined;
  }
}
