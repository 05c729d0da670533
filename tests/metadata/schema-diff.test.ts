import type { ColumnMetadata, TableMetadata } from "../../metadata/format";
import { targetTypes } from "../../metadata/dms-types";
import { describeChange, diffTable, diffTables, hasIncompatible, tableShape, type ColumnShape } from "../../metadata/schema-diff";

const col = (name: string, type: Omit<ColumnShape, "name" | "nullable">, nullable = true, ordinal = 1): ColumnMetadata => ({
  name,
  ordinal,
  sourceType: "x",
  nullable,
  ...type,
  parquet: targetTypes(type).parquet,
});
const table = (columns: ColumnMetadata[], primaryKey = ["id"], name = "orders"): TableMetadata => ({
  schema: "dbo",
  table: name,
  columns: [col("id", { dmsType: "INT4" }, false), ...columns].map((c, i) => ({ ...c, ordinal: i + 1 })),
  primaryKey,
  excluded: [],
});
/** The kinds of change of column `c` from type `a` to type `b`. */
const kinds = (a: Omit<ColumnShape, "name" | "nullable">, b: Omit<ColumnShape, "name" | "nullable">) =>
  diffTable("dbo.orders", tableShape(table([col("c", a)])), tableShape(table([col("c", b)]))).map((x) => [x.kind, x.compatible]);

describe("schema diff: type changes, one rule for every engine", () => {
  it.each([
    ["int → bigint", { dmsType: "INT4" }, { dmsType: "INT8" }],
    ["tinyint → int (Iceberg int either way)", { dmsType: "INT1" }, { dmsType: "INT4" }],
    ["smallint → bigint", { dmsType: "INT2" }, { dmsType: "INT8" }],
    ["unsigned tinyint → unsigned smallint", { dmsType: "UINT1" }, { dmsType: "UINT2" }],
    ["unsigned int → bigint", { dmsType: "UINT4" }, { dmsType: "INT8" }],
    ["float → double", { dmsType: "REAL4" }, { dmsType: "REAL8" }],
    [
      "decimal precision up, same scale",
      { dmsType: "NUMERIC", precision: 10, scale: 2 },
      { dmsType: "NUMERIC", precision: 18, scale: 2 },
    ],
  ] as const)("%s is a compatible promotion", (_, a, b) => {
    expect(kinds(a, b)).toEqual([["promote", true]]);
  });

  it.each([
    ["varchar(20) → varchar(40)", { dmsType: "STRING", length: 20 }, { dmsType: "STRING", length: 40 }],
    ["varchar(20) → unbounded", { dmsType: "WSTRING", length: 20 }, { dmsType: "WSTRING" }],
    ["varbinary(16) → varbinary(32)", { dmsType: "BYTES", length: 16 }, { dmsType: "BYTES", length: 32 }],
    ["datetime(0) → datetime(6)", { dmsType: "DATETIME", scale: 0 }, { dmsType: "DATETIME", scale: 6 }],
  ] as const)("%s is a compatible widening", (_, a, b) => {
    expect(kinds(a, b)).toEqual([["widen", true]]);
  });

  it.each([
    ["varchar(40) → varchar(20)", { dmsType: "STRING", length: 40 }, { dmsType: "STRING", length: 20 }],
    ["bigint → int", { dmsType: "INT8" }, { dmsType: "INT4" }],
    ["double → float", { dmsType: "REAL8" }, { dmsType: "REAL4" }],
    ["decimal precision down", { dmsType: "NUMERIC", precision: 18, scale: 2 }, { dmsType: "NUMERIC", precision: 10, scale: 2 }],
    ["datetime(6) → datetime(3)", { dmsType: "DATETIME", scale: 6 }, { dmsType: "DATETIME", scale: 3 }],
  ] as const)("%s is an incompatible narrowing", (_, a, b) => {
    expect(kinds(a, b)).toEqual([["narrow", false]]);
  });

  it.each([
    ["int → varchar", { dmsType: "INT4" }, { dmsType: "STRING", length: 11 }],
    ["decimal scale changed", { dmsType: "NUMERIC", precision: 10, scale: 2 }, { dmsType: "NUMERIC", precision: 12, scale: 4 }],
    ["int → double (not an Iceberg promotion)", { dmsType: "INT4" }, { dmsType: "REAL8" }],
    ["bigint → unsigned bigint (values do not fit)", { dmsType: "INT8" }, { dmsType: "UINT8" }],
    ["unsigned int → unsigned bigint (Iceberg bigint → decimal(20,0))", { dmsType: "UINT4" }, { dmsType: "UINT8" }],
    ["date → datetime", { dmsType: "DATE" }, { dmsType: "DATETIME", scale: 6 }],
  ] as const)("%s is an incompatible retype", (_, a, b) => {
    expect(kinds(a, b)).toEqual([["retype", false]]);
  });

  it("a change no target type sees is compatible and says so", () => {
    expect(kinds({ dmsType: "STRING", length: 20 }, { dmsType: "WSTRING", length: 20 })).toEqual([["same-target-type", true]]);
    expect(kinds({ dmsType: "DATETIME", scale: 6 }, { dmsType: "DATETIME", scale: 7 })).toEqual([["same-target-type", true]]);
    expect(kinds({ dmsType: "INT4" }, { dmsType: "INT4" })).toEqual([]);
  });
});

describe("schema diff: columns, keys and tables", () => {
  it("an added column is compatible; NOT NULL ones say what rows already in the target hold", () => {
    const changes = diffTable(
      "dbo.orders",
      tableShape(table([])),
      tableShape(table([col("note", { dmsType: "WSTRING", length: 50 }), col("qty", { dmsType: "INT4" }, false)])),
    );
    expect(changes.map(describeChange)).toEqual([
      "dbo.orders: add-column note WSTRING(50) (compatible)",
      "dbo.orders: add-column qty INT4 NOT NULL (compatible: NOT NULL at the source, nullable in the targets: rows already there read NULL until they change or the table is reloaded)",
    ]);
    expect(hasIncompatible(changes)).toBe(false);
  });

  it("a rename is a drop and an add, and the drop is incompatible", () => {
    const changes = diffTable(
      "dbo.orders",
      tableShape(table([col("note", { dmsType: "WSTRING", length: 50 })])),
      tableShape(table([col("remark", { dmsType: "WSTRING", length: 50 })])),
    );
    expect(changes.map((c) => [c.kind, c.column, c.compatible])).toEqual([
      ["add-column", "remark", true],
      ["drop-column", "note", false],
    ]);
    expect(hasIncompatible(changes)).toBe(true);
  });

  it("a key change, and a column becoming NOT NULL, are incompatible; the reverse of the latter is not", () => {
    const before = table([col("code", { dmsType: "STRING", length: 8 })]);
    const keyed = diffTable("dbo.orders", tableShape(before), tableShape({ ...before, primaryKey: ["id", "code"] }));
    expect(keyed.map(describeChange)).toEqual(["dbo.orders: key-change (id) → (id, code) (incompatible)"]);
    const strict = diffTable(
      "dbo.orders",
      tableShape(before),
      tableShape(table([col("code", { dmsType: "STRING", length: 8 }, false)])),
    );
    expect(strict.map(describeChange)).toEqual(["dbo.orders: set-not-null code STRING(8) → STRING(8) NOT NULL (incompatible)"]);
    const notNull = table([col("code", { dmsType: "STRING", length: 8 }, false)]);
    const relaxed = diffTable("dbo.orders", tableShape(notNull), tableShape(before));
    expect(relaxed.map((c) => [c.kind, c.compatible])).toEqual([["drop-not-null", true]]);
    const keyless = diffTable("dbo.orders", tableShape(before), tableShape({ ...before, primaryKey: [] }));
    expect(keyless.map((c) => [c.kind, c.from, c.to])).toEqual([["key-change", "(id)", "no key"]]);
  });

  it("matches columns and tables case-insensitively and ignores column order", () => {
    const a = table([col("Note", { dmsType: "WSTRING", length: 50 }), col("qty", { dmsType: "INT4" })]);
    const b = table([col("QTY", { dmsType: "INT4" }), col("note", { dmsType: "WSTRING", length: 50 })]);
    expect(diffTables([a], [{ ...b, table: "ORDERS" }])).toEqual([]);
  });

  it("added and removed tables are compatible, ordered by table", () => {
    const changes = diffTables([table([], ["id"], "b_old")], [table([], ["id"], "a_new")]);
    expect(changes.map(describeChange)).toEqual([
      "dbo.a_new: add-table (compatible: created in each target by its first batch)",
      "dbo.b_old: remove-table (compatible: no longer replicated; its target tables stay as they are)",
    ]);
  });
});
