import { validateObject } from "../../../../handlers/core/validation";
import { countingReader, memoryReader, type RangeReader } from "../../../../handlers/core/parquet/range-reader";
import { writeParquet } from "../../../../src/local/dms-generator";
import { ordersTable } from "../../../support/parquet-fixtures";
import { CDC_KEY, longOrdersFile, ordersFile, paddedOrdersFile } from "./bad-files";
import { chunkOf, metadataOf, rewriteFooter } from "./parquet-surgery";

const tables = [ordersTable()];
const STRING = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;

describe("validateObject", () => {
  it("a read that fails after the footer (S3 throttling) is an error to retry, not a verdict", async () => {
    const bytes = paddedOrdersFile();
    const inner = memoryReader(bytes);
    let reads = 0;
    const throttled = Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" });
    const reader: RangeReader = {
      byteLength: bytes.length,
      read: (start, end) => (++reads === 1 ? inner.read(start, end) : Promise.reject(throttled)),
    };
    await expect(validateObject({ key: CDC_KEY, tables, reader })).rejects.toBe(throttled);
    expect(reads).toBe(2);
  });

  it("reads the Op, cdc_seq and key chunks of every file, and only those: one coalesced request past the footer", async () => {
    const bytes = paddedOrdersFile();
    const { reader, stats } = countingReader(memoryReader(bytes));
    expect(await validateObject({ key: CDC_KEY, tables, reader })).toMatchObject({ valid: true, errors: [] });
    expect(stats.requests).toBe(2);
    const name = chunkOf(bytes, "name");
    expect(stats.bytes).toBeLessThan(64 * 1024 + chunkOf(bytes, "id").end);
    expect(name.end - name.start).toBeGreaterThan(64 * 1024);
  });

  it("a small file's chunks come with the footer read: one request in all", async () => {
    const { reader, stats } = countingReader(memoryReader(longOrdersFile(Array.from({ length: 60 }, () => "U"))));
    expect(await validateObject({ key: CDC_KEY, tables, reader })).toMatchObject({ valid: true });
    expect(stats.requests).toBe(1);
  });

  it("finds the E that statistics (min D, max U) cannot, in a plain and in a dictionary-encoded chunk", async () => {
    const ops = Array.from({ length: 60 }, (_, i) => "DU"[i % 2]);
    ops[17] = "E";
    const dictionary = longOrdersFile(ops);
    const op = metadataOf(dictionary).row_groups[0].columns[0].meta_data;
    expect(op?.encodings).toContain("RLE_DICTIONARY");
    expect(op?.statistics).toMatchObject({ min_value: "D", max_value: "U" });
    const plain = ordersFile({ replace: { Op: { name: "Op", type: STRING, values: ["D", "E", "U"] } } });
    for (const bytes of [dictionary, plain]) {
      const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes) });
      expect(r.errors).toEqual([{ code: "BAD_OP", message: 'column Op: 1 rows have "E"; expected exactly D/I/U in a CDC file' }]);
    }
  });

  it("orders change sequences of different lengths as the targets do (left-padded), not as text", async () => {
    const bytes = ordersFile({ replace: { cdc_seq: { name: "cdc_seq", type: STRING, values: ["9", "10", "100"] } } });
    expect(await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes) })).toMatchObject({
      valid: true,
      minSeq: "9",
      maxSeq: "100",
    });
  });

  it("a file whose pages cannot be decoded is a CORRUPT_FILE verdict naming the file, column and page", async () => {
    const good = ordersFile();
    const seq = chunkOf(good, "cdc_seq");
    const bytes = good.slice();
    bytes.fill(0xff, seq.end - 12, seq.end);
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes) });
    expect(r).toMatchObject({ valid: false, table: "dbo.orders", kind: "cdc", rowCount: 3 });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].code).toBe("CORRUPT_FILE");
    expect(r.errors[0].message).toMatch(new RegExp(`^${CDC_KEY}: column cdc_seq, row group 0, page 0: .*snappy`));
  });

  it("checks every row group: a bad Op in the last of three", async () => {
    const ops = ["I", "U", "D", "I", "U", "D", "I", "X"];
    const bytes = writeParquet(
      [
        { name: "Op", type: STRING, values: ops },
        { name: "cdc_timestamp", type: STRING, values: ops.map(() => "2024-01-02 03:04:05.000000") },
        { name: "cdc_seq", type: STRING, values: ops.map((_, i) => String(i + 1)) },
        { name: "id", type: ordersTable().columns[0].parquet, values: ops.map((_, i) => i) },
        { name: "name", type: STRING, values: ops.map(() => "n") },
        { name: "amount", type: ordersTable().columns[2].parquet, values: ops.map(() => null) },
      ],
      { rowGroupSize: 3 },
    );
    expect(metadataOf(bytes).row_groups).toHaveLength(3);
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes) });
    expect(r.errors.map((e) => e.message)).toEqual(['column Op: 1 rows have "X"; expected exactly D/I/U in a CDC file']);
  });

  it("a null in a NOT NULL column of an update is found even when Op's statistics claim the file has no deletes", async () => {
    // Row 2 is an update whose NOT NULL `name` is null; only Op's min/max are rewritten, to I..I.
    const honest = ordersFile({ replace: { name: { name: "name", type: STRING, values: ["a", null, "c"] } } });
    const lying = rewriteFooter(honest, (md) => {
      const op = md.row_groups[0].columns[0].meta_data;
      if (!op?.statistics || op.path_in_schema[0] !== "Op") throw new Error("expected Op's chunk first, with statistics");
      [op.statistics.min_value, op.statistics.max_value] = ["I", "I"];
    });
    for (const bytes of [honest, lying]) {
      const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes) });
      expect(r.errors).toEqual([
        { code: "NULL_IN_NOT_NULL", message: "column name: 1 null values in a NOT NULL column (in inserts and updates)" },
      ]);
    }
  });
});
