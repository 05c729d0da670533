import fc from "fast-check";
import {
  cdcFileName,
  compareDmsFiles,
  decodeS3EventKey,
  dmsKey,
  loadFileName,
  parseDmsKey,
} from "../../../handlers/core/dms-key";

describe("parseDmsKey", () => {
  it("parses full-load and CDC keys, with and without a bucket folder", () => {
    expect(parseDmsKey("dbo/orders/LOAD0000000A.parquet")).toEqual({
      ok: true,
      value: {
        key: "dbo/orders/LOAD0000000A.parquet",
        prefix: "",
        schema: "dbo",
        table: "orders",
        file: "LOAD0000000A",
        kind: "load",
      },
    });
    expect(parseDmsKey("dms/sales/dbo/order lines/20240102-030405678.parquet")).toEqual({
      ok: true,
      value: {
        key: "dms/sales/dbo/order lines/20240102-030405678.parquet",
        prefix: "dms/sales",
        schema: "dbo",
        table: "order lines",
        file: "20240102-030405678",
        kind: "cdc",
      },
    });
  });

  it.each([
    ["orders.parquet", /no <schema>\/<table>\/ folders/],
    ["dbo//LOAD00000001.parquet", /empty schema or table/],
    ["dbo/orders/LOAD00000001.csv", /does not end in .parquet/],
    ["dbo/orders/LOAD0001.parquet", /neither a full-load nor a CDC file/],
    // A row of it would be taken for a CDC change by the plan, which tells full-load rows by a counter above 0.
    ["dbo/orders/LOAD00000000.parquet", /full-load files are numbered from LOAD00000001/],
    ["dbo/orders/20240132-030405678.parquet", /neither/],
    ["dbo/orders/20240102-250405678.parquet", /neither/],
  ])("refuses %s", (key, reason) => {
    const r = parseDmsKey(key);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it("decodes S3 event keys: + is a space, the rest percent-encoded", () => {
    expect(decodeS3EventKey("dbo/order+lines/caf%C3%A9%2B1/LOAD00000001.parquet")).toBe(
      "dbo/order lines/café+1/LOAD00000001.parquet",
    );
    expect(() => decodeS3EventKey("dbo/t/%E0%A4%A.parquet")).toThrow(
      'S3 event key "dbo/t/%E0%A4%A.parquet": not valid percent-encoding (expected S3\'s URL-encoded key)',
    );
  });
});

describe("compareDmsFiles", () => {
  it("puts every full-load file (by hex counter) before every CDC file (by time)", () => {
    const keys = [
      "dbo/t/20240102-000000001.parquet",
      "dbo/t/LOAD00000010.parquet",
      "dbo/t/20231231-235959999.parquet",
      "dbo/t/LOAD0000000F.parquet",
      "dbo/t/LOAD00000002.parquet",
    ];
    expect([...keys].sort(compareDmsFiles)).toEqual([
      "dbo/t/LOAD00000002.parquet",
      "dbo/t/LOAD0000000F.parquet",
      "dbo/t/LOAD00000010.parquet",
      "dbo/t/20231231-235959999.parquet",
      "dbo/t/20240102-000000001.parquet",
    ]);
  });

  it("sorts keys in generation order: load counters numerically, then CDC files by time (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 1, max: 0xffffff }),
            fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
          ),
          { maxLength: 30 },
        ),
        (items) => {
          // Where each key was generated: every load counter before every CDC time.
          const rank = new Map<string, number>();
          for (const x of items) {
            const key = dmsKey("s", "t", typeof x === "number" ? loadFileName(x) : cdcFileName(x));
            rank.set(key, typeof x === "number" ? x : 2 ** 32 + x.getTime());
          }
          const sorted = [...rank.keys()].sort(compareDmsFiles);
          for (let i = 1; i < sorted.length; i++) {
            if (rank.get(sorted[i - 1])! >= rank.get(sorted[i])!) return false;
          }
          return true;
        },
      ),
      { numRuns: Number(process.env.CDC_PROPERTY_RUNS ?? 100) },
    );
  });
});
