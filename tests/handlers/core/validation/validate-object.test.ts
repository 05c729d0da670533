import { validateObject } from "../../../../handlers/core/validation";
import { memoryReader, type RangeReader } from "../../../../handlers/core/parquet/range-reader";
import { ordersTable } from "../../../support/parquet-fixtures";
import { CDC_KEY, ordersFile } from "./bad-files";

const tables = [ordersTable()];

describe("validateObject", () => {
  it("a read that fails after the footer (S3 throttling) is an error to retry, not a NOT_PARQUET verdict", async () => {
    const bytes = ordersFile({ statistics: false });
    const inner = memoryReader(bytes);
    let reads = 0;
    const throttled = Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" });
    const reader: RangeReader = {
      byteLength: bytes.length,
      read: (start, end) => (++reads === 1 ? inner.read(start, end) : Promise.reject(throttled)),
    };
    await expect(validateObject({ key: CDC_KEY, tables, reader })).rejects.toBe(throttled);
    expect(reads).toBeGreaterThan(1);
  });
});
