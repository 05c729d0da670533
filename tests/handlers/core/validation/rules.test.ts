import { VIOLATION_CODES, validateObject, validateParquetFile } from "../../../../handlers/core/validation";
import { hyparquet } from "../../../../handlers/core/parquet/esm";
import { countingReader, memoryReader } from "../../../../handlers/core/parquet/range-reader";
import { allTypesTable, ordersTable, table } from "../../../support/parquet-fixtures";
import { writeParquet, type ParquetColumn } from "../../../../src/local/dms-generator";
import { badFiles, CDC_KEY, LOAD_KEY, ordersFile } from "./bad-files";

const tables = [ordersTable(), allTypesTable()];

describe("validation rules on real files", () => {
  const files = badFiles();

  it.each(files.map((f) => [f.name, f] as const))("%s → its code", async (_name, f) => {
    const r = await validateObject({ key: f.key, tables, reader: memoryReader(f.bytes) });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code)).toContain(f.code);
    for (const e of r.errors) expect(e.message).not.toMatch(/\n/);
  });

  it("the catalogue triggers every code", () => {
    expect(new Set(files.map((f) => f.code))).toEqual(new Set(VIOLATION_CODES));
  });

  it("passes a valid CDC file and reports its row count, sequence range and latest commit time", async () => {
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(ordersFile()) });
    expect(r).toEqual({
      valid: true,
      table: "dbo.orders",
      kind: "cdc",
      errors: [],
      rowCount: 3,
      minSeq: "20240102030405000000000000000000001",
      maxSeq: "20240102030405000000000000000000003",
      // The footer's largest cdc_timestamp: the commit-to-target metric starts there.
      latestCommitAt: "2024-01-02T03:04:05.000Z",
    });
  });

  it("passes a full-load file without cdc_seq values and under a folder prefix with spaces", async () => {
    const r = await validateObject({
      key: `raw folder/+x/${LOAD_KEY}`,
      tables,
      reader: memoryReader(ordersFile({ kind: "load" })),
    });
    expect(r).toMatchObject({ valid: true, kind: "load", minSeq: null, maxSeq: null, rowCount: 3 });
  });

  it("matches table and column names case-insensitively", async () => {
    const r = await validateObject({ key: "DBO/Orders/20240102-030405678.parquet", tables, reader: memoryReader(ordersFile()) });
    expect(r).toMatchObject({ valid: true, table: "dbo.orders" });
  });

  it("prefers the exact table name when two tables differ only by case, and refuses to guess between them", async () => {
    const capitalised = table("dbo", "Orders", [{ name: "code", dmsType: "STRING" }], ["code"]);
    const both = [capitalised, ordersTable()];
    const exact = await validateObject({ key: CDC_KEY, tables: both, reader: memoryReader(ordersFile()) });
    expect(exact).toMatchObject({ valid: true, table: "dbo.orders" });
    const neither = await validateObject({
      key: "DBO/ORDERS/20240102-030405678.parquet",
      tables: both,
      reader: memoryReader(ordersFile()),
    });
    expect(neither.errors).toEqual([
      {
        code: "UNKNOWN_TABLE",
        message:
          "table DBO.ORDERS (key DBO/ORDERS/20240102-030405678.parquet) matches dbo.Orders and dbo.orders only by case; expected exactly one of them",
      },
    ]);
  });

  it.each([true, false])(
    "a delete carrying only its key (nulls in NOT NULL columns) is valid; statistics %s",
    async (statistics) => {
      const STRING = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;
      // PostgreSQL's default replica identity: a delete's before-image holds the key and nulls elsewhere.
      const keyOnlyDelete = ordersFile({
        statistics,
        replace: { name: { name: "name", type: STRING, values: ["a", "b", null] } },
      });
      expect(await validateObject({ key: CDC_KEY, tables, reader: memoryReader(keyOnlyDelete) })).toMatchObject({
        valid: true,
        errors: [],
      });
      // The same null on the update row is a violation.
      const nullUpdate = ordersFile({ statistics, replace: { name: { name: "name", type: STRING, values: ["a", null, "c"] } } });
      expect((await validateObject({ key: CDC_KEY, tables, reader: memoryReader(nullUpdate) })).errors).toEqual([
        { code: "NULL_IN_NOT_NULL", message: "column name: 1 null values in a NOT NULL column (in inserts and updates)" },
      ]);
    },
  );

  it("reads no column chunk for nulls in a CDC file without deletes: the footer's null count decides", async () => {
    const STRING = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;
    const bytes = ordersFile({
      replace: {
        Op: { name: "Op", type: STRING, values: ["I", "U", "U"] },
        name: { name: "name", type: STRING, values: ["a", "b", null] },
      },
    });
    const { reader, stats } = countingReader(memoryReader(bytes));
    const r = await validateObject({ key: CDC_KEY, tables, reader });
    expect(r.errors).toEqual([{ code: "NULL_IN_NOT_NULL", message: "column name: 1 null values in a NOT NULL column" }]);
    expect(stats.requests).toBe(1);
  });

  it("without statistics reads the needed column chunks and reaches the same verdict", async () => {
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(ordersFile({ statistics: false })) });
    expect(r).toMatchObject({
      valid: true,
      minSeq: "20240102030405000000000000000000001",
      maxSeq: "20240102030405000000000000000000003",
    });
  });

  it("hands a large file without statistics to the Glue job, listing the columns it must check", async () => {
    const bytes = ordersFile({ statistics: false });
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes), largeFileBytes: bytes.length });
    expect(r.largeFileJob).toEqual({ columns: ["Op", "cdc_seq", "id", "name"] });
    expect(r.errors).toEqual([]);
  });

  it("does not hand off a large file whose schema is already wrong", async () => {
    const bytes = ordersFile({ statistics: false, replace: { amount: null } });
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes), largeFileBytes: 1 });
    expect(r.largeFileJob).toBeUndefined();
    expect(r.errors.map((e) => e.code)).toEqual(["MISSING_COLUMN"]);
  });

  it("names the column, the expected and the found type", async () => {
    const f = badFiles().find((x) => x.name === "key retyped to INT64");
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(f!.bytes) });
    expect(r.errors).toEqual([
      { code: "TYPE_MISMATCH", message: "column id: expected INT32 INTEGER(32, signed), found INT64 INTEGER(64, signed)" },
    ]);
  });

  describe("a TIME column", () => {
    const shifts = table(
      "dbo",
      "shifts",
      [
        { name: "id", dmsType: "INT4" },
        { name: "starts", dmsType: "TIME", scale: 7, length: 16 },
      ],
      ["id"],
    );
    const STRING = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;
    const file = (starts: ParquetColumn) =>
      writeParquet([
        { name: "Op", type: STRING, values: ["I", "U"] },
        { name: "cdc_timestamp", type: STRING, values: ["2024-01-02 03:04:05.000000", "2024-01-02 03:04:05.000000"] },
        { name: "cdc_seq", type: STRING, values: ["1", "2"] },
        { name: "id", type: shifts.columns[0].parquet, values: [1, 2] },
        starts,
      ]);
    const key = "dbo/shifts/20240102-030405678.parquet";

    it("passes as the text the DMS rule makes of it", async () => {
      const bytes = file({ name: "starts", type: shifts.columns[1].parquet, values: ["00:00:00.0000000", "23:59:59.9999999"] });
      expect(await validateObject({ key, tables: [shifts], reader: memoryReader(bytes) })).toMatchObject({
        valid: true,
        errors: [],
      });
    });

    it("fails as a Parquet TIME (a task without the rule), naming the column, the expected type and why", async () => {
      const millis = { physical: "INT32", logical: { type: "TIME", unit: "MILLIS" } } as const;
      const bytes = file({ name: "starts", type: millis, values: [0, 86_399_999] });
      const r = await validateObject({ key, tables: [shifts], reader: memoryReader(bytes) });
      expect(r.valid).toBe(false);
      expect(r.errors).toEqual([
        {
          code: "TYPE_MISMATCH",
          message:
            "column starts: expected BYTE_ARRAY STRING, found INT32 TIME(MILLIS); Spark 3.5 (Glue) and Athena cannot read a Parquet TIME column, so TIME columns travel as text HH:MM:SS[.fffffff]: the DMS task must carry the change-data-type rule to string that its table mappings generate for this column (redeploy the task from this metadata, then reload the table)",
        },
      ]);
    });
  });

  it("reports every violation of a file, not just the first", async () => {
    const bytes = ordersFile({
      replace: { Op: null, amount: null },
      extra: [{ name: "x", type: { physical: "DOUBLE" }, values: [1, 2, 3] }],
    });
    const r = await validateObject({ key: CDC_KEY, tables, reader: memoryReader(bytes) });
    expect(r.errors.map((e) => e.code).sort()).toEqual(["MISSING_COLUMN", "MISSING_OP", "UNEXPECTED_COLUMN"]);
  });

  it("the pure core works on a decoded footer alone", () => {
    const bytes = ordersFile({ replace: { id: { name: "id", type: ordersTable().columns[0].parquet, values: [1, null, 3] } } });
    const metadata = hyparquet.parquetMetadata(bytes.slice().buffer);
    const r = validateParquetFile({ key: CDC_KEY, tables, metadata });
    expect(r.errors.map((e) => e.code)).toEqual(["NULL_PRIMARY_KEY"]);
  });
});
