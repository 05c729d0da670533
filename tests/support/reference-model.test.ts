/** The reference model itself, on histories small enough to check by hand. */
import type { ColumnMetadata, TableMetadata } from "../../metadata/format";
import { targetTypes } from "../../metadata/dms-types";
import { PROPERTY_TABLES } from "./change-batches";
import { canonicalValue, ReferenceModel, type ModelChange } from "./reference-model";

const keyed = PROPERTY_TABLES[0];
const log = PROPERTY_TABLES[2];
const change = (op: "I" | "U" | "D", seq: string | null, id: string, customer: string): ModelChange => ({
  op,
  seq,
  timestamp: "2024-01-02 00:00:00.000000",
  values: { seed: "1", order_id: id, customer },
});
const customers = (m: ReferenceModel) => m.rows().map((r) => `${r.order_id}:${r.customer}`);

describe("reference model", () => {
  it("keeps the last change per key in a batch and counts by net effect", () => {
    const m = new ReferenceModel(keyed);
    const counts = m.applyBatch([
      { name: "20240102-000000000.parquet", changes: [change("I", "1", "1", "a"), change("U", "3", "1", "c")] },
      { name: "20240102-000000001.parquet", changes: [change("U", "2", "1", "b"), change("D", "4", "2", "x")] },
    ]);
    expect(counts).toEqual({ changes: 2, inserted: 1, updated: 0, deleted: 0, tombstoned: 1, skippedStale: 0 });
    expect(customers(m)).toEqual(["1:c"]);
  });

  it("refuses changes not newer than the row or the tombstone; a newer re-insert comes back", () => {
    const m = new ReferenceModel(keyed);
    m.applyBatch([{ name: "20240102-000000000.parquet", changes: [change("I", "5", "1", "a"), change("D", "6", "2", "b")] }]);
    expect(
      m.applyBatch([
        { name: "20240102-000000001.parquet", changes: [change("U", "4", "1", "old"), change("I", "6", "2", "old")] },
      ]),
    ).toMatchObject({
      skippedStale: 2,
    });
    m.applyBatch([{ name: "20240102-000000002.parquet", changes: [change("I", "7", "2", "again")] }]);
    expect(customers(m)).toEqual(["1:a", "2:again"]);
    expect([...m.tombstoneSeqs().values()]).toEqual([`${"0".repeat(34)}6`]);
    m.expireTombstones("2024-01-03 00:00:00.000000");
    expect(m.tombstoneSeqs().size).toBe(0);
  });

  it("logs every change of a table without a key once, full-load rows by file counter and row", () => {
    const m = new ReferenceModel(log);
    const ev = (op: "I" | "D", seq: string | null, event: string): ModelChange => ({
      op,
      seq,
      timestamp: "t",
      values: { seed: "1", event },
    });
    const load = { name: "LOAD00000001.parquet", changes: [ev("I", "", "same"), ev("I", "", "same")] };
    const cdc = { name: "20240102-000000000.parquet", changes: [ev("D", "9", "gone")] };
    m.applyBatch([load, cdc]);
    expect(m.applyBatch([cdc, load])).toMatchObject({ inserted: 0, skippedStale: 3 });
    expect(m.rows().map((r) => `${r._cdc_op}:${r.event}`)).toEqual(["D:gone", "I:same", "I:same"]);
  });

  it("follows a schema change: rows keep their values, an added column is NULL where no change wrote it", () => {
    // Columns of the table before and after the change, typed as the metadata types them.
    const typed = (c: Omit<ColumnMetadata, "parquet">): ColumnMetadata => ({ ...c, parquet: targetTypes(c).parquet });
    const retyped = (name: string, extra: Partial<ColumnMetadata>) =>
      typed({ ...keyed.columns.find((c) => c.name === name)!, ...extra });
    const ratio = typed({ name: "ratio", ordinal: 8, sourceType: "real", dmsType: "REAL4", nullable: true });
    const before: TableMetadata = { ...keyed, columns: [...keyed.columns, ratio] };
    const after: TableMetadata = {
      ...keyed,
      columns: [
        ...keyed.columns.map((c) =>
          c.name === "order_id"
            ? retyped("order_id", { dmsType: "INT8" })
            : c.name === "amount"
              ? retyped("amount", { precision: 16 })
              : c,
        ),
        typed({ ...ratio, dmsType: "REAL8" }),
        typed({ name: "channel", ordinal: 9, sourceType: "varchar", dmsType: "STRING", length: 8, nullable: true }),
      ],
    };
    const at = (op: "I" | "U", seq: string, id: string, values: Record<string, string>): ModelChange => ({
      ...change(op, seq, id, "c"),
      values: { ...change(op, seq, id, "c").values, ...values },
    });
    const m = new ReferenceModel(before);
    m.applyBatch([
      {
        name: "20240102-000000000.parquet",
        changes: [at("I", "1", "1", { ratio: "0.1", amount: "12.3" }), at("I", "2", "2", { ratio: "0.5" })],
      },
    ]);
    m.evolve(after);
    expect(m.meta).toBe(after);
    const view = () => m.rows().map((r) => [r.order_id, r.ratio, r.amount, r.channel]);
    // The float32 0.1, now a double; the decimal keeps its scale; no row had the new column.
    expect(view()).toEqual([
      ["1", "0.10000000149011612", "12.30", null],
      ["2", "0.5", null, null],
    ]);
    // A new-shape change fills the column and a wider value; an old-shape file arriving late (no `channel`) reads NULL.
    m.applyBatch([
      { name: "20240102-000000002.parquet", changes: [at("U", "5", "1", { ratio: "0.1", channel: "web", order_id: "1" })] },
      { name: "20240102-000000001.parquet", changes: [at("U", "3", "2", { ratio: "0.25" }), at("I", "4", "3000000000", {})] },
    ]);
    expect(view()).toEqual([
      ["1", "0.1", null, "web"],
      ["2", "0.25", null, null],
      ["3000000000", null, null, null],
    ]);
  });

  it("refuses to follow an incompatible change, naming it", () => {
    const m = new ReferenceModel(keyed);
    const dropped = { ...keyed, columns: keyed.columns.filter((c) => c.name !== "paid") };
    expect(() => m.evolve(dropped)).toThrow("the model cannot follow dbo.Orders: drop-column paid BOOLEAN");
    expect(m.meta).toBe(keyed);
  });

  it("spells values one way whatever the engine returned", () => {
    const col = (name: string) => keyed.columns.find((c) => c.name === name)!;
    expect(canonicalValue(col("paid"), 1)).toBe("true");
    expect(canonicalValue(col("paid"), false)).toBe("false");
    expect(canonicalValue(col("amount"), "12.3")).toBe("12.30");
    expect(canonicalValue(col("placed_at"), "2024-01-02 03:04:05")).toBe("2024-01-02 03:04:05.000000");
    expect(canonicalValue(col("big"), 12345678901234567890n)).toBe("12345678901234567890");
    expect(canonicalValue(col("customer"), null)).toBeNull();
  });
});
