import {
  DMS_CHANGE_COLUMNS,
  DMS_TYPES,
  TIME_STRING_LENGTH,
  TIME_ZONE_LENGTH,
  decimalByteLength,
  targetTypes,
  type DmsColumnType,
  type TargetTypes,
} from "../../metadata/dms-types";

const str = { physical: "BYTE_ARRAY", logical: { type: "STRING" } };
const int = (bitWidth: number, signed: boolean, physical = bitWidth === 64 ? "INT64" : "INT32") => ({
  physical,
  logical: { type: "INTEGER", bitWidth, signed },
});

// One row per AWS DMS type, following "Target data types for S3 Parquet" (CHAP_Target.S3): BYTES/BLOB → BINARY,
// DATE → DATE32, DATETIME → TIMESTAMP, INTn/UINTn → (U)INTn, NUMERIC → DECIMAL, REAL4 → FLOAT, REAL8 → DOUBLE,
// (W)STRING/(N)CLOB → STRING, BOOLEAN → BOOL. TIME would be TIME32, which Spark 3.5 cannot read: the table mappings
// change it to a string, so it is text in the file and in every target.
const ROWS: Array<[DmsColumnType, TargetTypes]> = [
  [{ dmsType: "BOOLEAN" }, { parquet: { physical: "BOOLEAN" }, glue: "boolean", mysql: "BOOLEAN", duckdb: "BOOLEAN" }],
  [{ dmsType: "INT1" }, { parquet: int(8, true), glue: "tinyint", mysql: "TINYINT", duckdb: "TINYINT" }],
  [{ dmsType: "INT2" }, { parquet: int(16, true), glue: "smallint", mysql: "SMALLINT", duckdb: "SMALLINT" }],
  [{ dmsType: "INT4" }, { parquet: int(32, true), glue: "int", mysql: "INT", duckdb: "INTEGER" }],
  [{ dmsType: "INT8" }, { parquet: int(64, true), glue: "bigint", mysql: "BIGINT", duckdb: "BIGINT" }],
  [{ dmsType: "UINT1" }, { parquet: int(8, false), glue: "smallint", mysql: "TINYINT UNSIGNED", duckdb: "UTINYINT" }],
  [{ dmsType: "UINT2" }, { parquet: int(16, false), glue: "int", mysql: "SMALLINT UNSIGNED", duckdb: "USMALLINT" }],
  // Parquet format 1.0 (DMS's default ParquetVersion) has no UINT_32 that readers agree on: Arrow writes INT64.
  [{ dmsType: "UINT4" }, { parquet: { physical: "INT64" }, glue: "bigint", mysql: "INT UNSIGNED", duckdb: "UINTEGER" }],
  [{ dmsType: "UINT8" }, { parquet: int(64, false), glue: "decimal(20,0)", mysql: "BIGINT UNSIGNED", duckdb: "UBIGINT" }],
  [{ dmsType: "REAL4" }, { parquet: { physical: "FLOAT" }, glue: "float", mysql: "DOUBLE", duckdb: "FLOAT" }],
  [{ dmsType: "REAL8" }, { parquet: { physical: "DOUBLE" }, glue: "double", mysql: "DOUBLE", duckdb: "DOUBLE" }],
  [
    { dmsType: "NUMERIC", precision: 12, scale: 2 },
    {
      parquet: { physical: "FIXED_LEN_BYTE_ARRAY", length: 6, logical: { type: "DECIMAL", precision: 12, scale: 2 } },
      glue: "decimal(12,2)",
      mysql: "DECIMAL(12,2)",
      duckdb: "DECIMAL(12,2)",
    },
  ],
  [
    { dmsType: "DATE" },
    { parquet: { physical: "INT32", logical: { type: "DATE" } }, glue: "date", mysql: "DATE", duckdb: "DATE" },
  ],
  [
    { dmsType: "TIME", scale: 7, length: 16 },
    { parquet: str, glue: "string", mysql: "VARCHAR(16)", duckdb: "VARCHAR" },
  ],
  [
    { dmsType: "DATETIME", scale: 3 },
    {
      parquet: { physical: "INT64", logical: { type: "TIMESTAMP", unit: "MICROS", utc: false } },
      glue: "timestamp",
      mysql: "DATETIME(3)",
      duckdb: "TIMESTAMP",
    },
  ],
  [
    { dmsType: "STRING", length: 36 },
    { parquet: str, glue: "string", mysql: "VARCHAR(36)", duckdb: "VARCHAR" },
  ],
  [
    { dmsType: "WSTRING", length: 65535 },
    { parquet: str, glue: "string", mysql: "LONGTEXT", duckdb: "VARCHAR" },
  ],
  [{ dmsType: "CLOB" }, { parquet: str, glue: "string", mysql: "LONGTEXT", duckdb: "VARCHAR" }],
  [{ dmsType: "NCLOB" }, { parquet: str, glue: "string", mysql: "LONGTEXT", duckdb: "VARCHAR" }],
  [
    { dmsType: "BYTES", length: 16 },
    { parquet: { physical: "BYTE_ARRAY" }, glue: "binary", mysql: "VARBINARY(16)", duckdb: "BLOB" },
  ],
  [{ dmsType: "BLOB" }, { parquet: { physical: "BYTE_ARRAY" }, glue: "binary", mysql: "LONGBLOB", duckdb: "BLOB" }],
] as any;

describe("targetTypes", () => {
  it.each(ROWS)("%j", (t, expected) => expect(targetTypes(t)).toEqual(expected));

  it("has a row for every DMS type", () => {
    expect([...new Set(ROWS.map(([t]) => t.dmsType))].sort()).toEqual([...DMS_TYPES].sort());
  });

  it("sizes decimals the way Arrow does (smallest two's-complement width)", () => {
    expect([1, 2, 9, 10, 18, 19, 38].map(decimalByteLength)).toEqual([1, 1, 4, 5, 8, 9, 16]);
  });

  it("defaults unsized values: NUMERIC(38,0), DATETIME(6), unbounded strings and bytes", () => {
    expect(targetTypes({ dmsType: "NUMERIC" }).glue).toBe("decimal(38,0)");
    expect(targetTypes({ dmsType: "DATETIME" }).mysql).toBe("DATETIME(6)");
    expect(targetTypes({ dmsType: "DATETIME", scale: 9 }).mysql).toBe("DATETIME(6)");
    expect(targetTypes({ dmsType: "STRING" }).mysql).toBe("LONGTEXT");
    expect(targetTypes({ dmsType: "BYTES", length: 70000 }).mysql).toBe("LONGBLOB");
  });

  it("refuses decimals wider than 38 digits", () => {
    expect(() => targetTypes({ dmsType: "NUMERIC", precision: 39, scale: 0 })).toThrow(
      /NUMERIC\(39,0\) cannot be a Parquet decimal/,
    );
  });
});

it("names the change columns DMS adds: Op, cdc_timestamp, cdc_seq, all strings", () => {
  expect(DMS_CHANGE_COLUMNS.map((c) => [c.name, c.parquet])).toEqual([
    ["Op", str],
    ["cdc_timestamp", str],
    ["cdc_seq", str],
  ]);
});

describe("TIME", () => {
  it("is text in the file and in every target, at any fractional precision (fsp 0–7)", () => {
    for (const scale of [0, 3, 6, 7]) {
      expect(targetTypes({ dmsType: "TIME", scale })).toEqual({
        parquet: str,
        glue: "string",
        mysql: "VARCHAR(16)",
        duckdb: "VARCHAR",
      });
    }
  });

  it("is never a Parquet TIME (Spark 3.5 refuses the file) nor a MySQL TIME (6 digits at most, rounds to 24:00:00)", () => {
    const t = targetTypes({ dmsType: "TIME", scale: 7 });
    expect(t.parquet.logical?.type).not.toBe("TIME");
    expect(t.mysql).not.toMatch(/^TIME/);
    expect(t.duckdb).not.toBe("TIME");
  });

  it("is as wide as the longest time of day, and wider with a zone offset", () => {
    expect(TIME_STRING_LENGTH).toBe("23:59:59.9999999".length);
    expect(TIME_STRING_LENGTH + TIME_ZONE_LENGTH).toBe("23:59:59.9999999+05:30".length);
    expect(targetTypes({ dmsType: "TIME", scale: 6, length: 22 }).mysql).toBe("VARCHAR(22)");
  });
});
