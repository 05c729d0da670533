/**
 * The engine-independent half of the type mapping: an AWS DMS data type (with its length, precision and scale) →
 * how DMS writes it to Parquet (S3 target, `ParquetVersion` parquet-1-0, timestamps in microseconds, TIME changed to a
 * string by the task's table mappings) → the Glue/Athena, MySQL and DuckDB column types a target uses. Source of the
 * Parquet side: "Target data types for S3 Parquet" (CHAP_Target.S3.DataTypes) in the AWS DMS user guide. The engine-specific half (source type → DMS type) lives next to each
 * extractor. One table, so validation, catalog, DDL and the local engines can never disagree.
 */
import type { ParquetType } from "./format";

export const DMS_TYPES = [
  "BOOLEAN",
  "BYTES",
  "DATE",
  "TIME",
  "DATETIME",
  "INT1",
  "INT2",
  "INT4",
  "INT8",
  "NUMERIC",
  "REAL4",
  "REAL8",
  "STRING",
  "UINT1",
  "UINT2",
  "UINT4",
  "UINT8",
  "WSTRING",
  "BLOB",
  "NCLOB",
  "CLOB",
] as const;
export type DmsType = (typeof DMS_TYPES)[number];

/** The sizing a DMS type carries. */
export interface DmsColumnType {
  dmsType: DmsType;
  length?: number;
  precision?: number;
  scale?: number;
}

export interface TargetTypes {
  parquet: ParquetType;
  /** Glue Data Catalog / Athena (Hive DDL) type of the harmonized Parquet column. */
  glue: string;
  /** Column type in a MySQL 8 / MariaDB target table. */
  mysql: string;
  /** Column type in DuckDB (local mode, tests). */
  duckdb: string;
}

/**
 * Characters of the string a TIME column travels as: `HH:MM:SS.fffffff`, the widest time of day a source has (SQL
 * Server time(7)). One width for every fractional precision, so the text DMS writes always fits, whatever number of
 * fractional digits it gives a value; a zone offset (PostgreSQL `time with time zone`) adds `TIME_ZONE_LENGTH`.
 */
export const TIME_STRING_LENGTH = 16;
/** `+hh:mm`. */
export const TIME_ZONE_LENGTH = 6;

/** Largest VARCHAR a utf8mb4 MySQL row can hold comfortably; longer strings become LONGTEXT. */
const MYSQL_MAX_VARCHAR = 16383;
const MYSQL_MAX_VARBINARY = 65535;
/** DuckDB and Athena decimals stop at 38 digits. */
const MAX_DECIMAL_PRECISION = 38;

const int = (bitWidth: 8 | 16 | 32 | 64, signed: boolean): ParquetType => ({
  physical: bitWidth === 64 ? "INT64" : "INT32",
  logical: { type: "INTEGER", bitWidth, signed },
});
const string: ParquetType = { physical: "BYTE_ARRAY", logical: { type: "STRING" } };
const binary: ParquetType = { physical: "BYTE_ARRAY" };

/** Bytes a FIXED_LEN_BYTE_ARRAY decimal of this precision needs (two's complement). */
export function decimalByteLength(precision: number): number {
  return Math.ceil((Math.log2(10 ** precision) + 1) / 8);
}

/** The types every target gives a column of this DMS type. Throws on sizing DMS itself would refuse. */
export function targetTypes(t: DmsColumnType): TargetTypes {
  switch (t.dmsType) {
    case "BOOLEAN":
      return { parquet: { physical: "BOOLEAN" }, glue: "boolean", mysql: "BOOLEAN", duckdb: "BOOLEAN" };
    case "INT1":
      return { parquet: int(8, true), glue: "tinyint", mysql: "TINYINT", duckdb: "TINYINT" };
    case "INT2":
      return { parquet: int(16, true), glue: "smallint", mysql: "SMALLINT", duckdb: "SMALLINT" };
    case "INT4":
      return { parquet: int(32, true), glue: "int", mysql: "INT", duckdb: "INTEGER" };
    case "INT8":
      return { parquet: int(64, true), glue: "bigint", mysql: "BIGINT", duckdb: "BIGINT" };
    case "UINT1":
      return { parquet: int(8, false), glue: "smallint", mysql: "TINYINT UNSIGNED", duckdb: "UTINYINT" };
    case "UINT2":
      return { parquet: int(16, false), glue: "int", mysql: "SMALLINT UNSIGNED", duckdb: "USMALLINT" };
    case "UINT4":
      // Parquet 1.0 has no unsigned 32-bit annotation that readers agree on; DMS widens to a plain INT64.
      return { parquet: { physical: "INT64" }, glue: "bigint", mysql: "INT UNSIGNED", duckdb: "UINTEGER" };
    case "UINT8":
      return { parquet: int(64, false), glue: "decimal(20,0)", mysql: "BIGINT UNSIGNED", duckdb: "UBIGINT" };
    case "REAL4":
      // MySQL DOUBLE, not FLOAT: every float32 is exact in a double, while a FLOAT column is sent to clients with six
      // significant digits (MariaDB returns -400754.09375 as -400754), so readers of the target would lose digits.
      return { parquet: { physical: "FLOAT" }, glue: "float", mysql: "DOUBLE", duckdb: "FLOAT" };
    case "REAL8":
      return { parquet: { physical: "DOUBLE" }, glue: "double", mysql: "DOUBLE", duckdb: "DOUBLE" };
    case "NUMERIC": {
      const precision = t.precision ?? MAX_DECIMAL_PRECISION;
      const scale = t.scale ?? 0;
      if (precision > MAX_DECIMAL_PRECISION || scale > precision) {
        throw new Error(`NUMERIC(${precision},${scale}) cannot be a Parquet decimal; map it to STRING`);
      }
      const decimal = `(${precision},${scale})`;
      return {
        parquet: {
          physical: "FIXED_LEN_BYTE_ARRAY",
          length: decimalByteLength(precision),
          logical: { type: "DECIMAL", precision, scale },
        },
        glue: `decimal${decimal}`,
        mysql: `DECIMAL${decimal}`,
        duckdb: `DECIMAL${decimal}`,
      };
    }
    case "DATE":
      return { parquet: { physical: "INT32", logical: { type: "DATE" } }, glue: "date", mysql: "DATE", duckdb: "DATE" };
    case "TIME":
      // DMS's default for TIME is a Parquet TIME32 (milliseconds), which Spark 3.5 refuses to read at all and Hive/Athena
      // cannot declare, and which drops SQL Server's 100 ns digits. The task's table mappings therefore change every TIME
      // column to a string (`dms-table-mappings.ts`): the file carries `HH:MM:SS[.fffffff]` as UTF8, with every digit
      // the source has. Every target keeps that text as it is — Iceberg/Athena `string`, DuckDB VARCHAR and MySQL
      // VARCHAR, not MySQL TIME: TIME stops at 6 digits and rounds `23:59:59.9999999` up to `24:00:00`, and it would
      // spell values differently from the other two targets. Text of one width per column sorts as time does.
      return {
        parquet: string,
        glue: "string",
        mysql: `VARCHAR(${t.length ?? TIME_STRING_LENGTH})`,
        duckdb: "VARCHAR",
      };
    case "DATETIME": {
      const fraction = Math.min(t.scale ?? 6, 6);
      return {
        parquet: { physical: "INT64", logical: { type: "TIMESTAMP", unit: "MICROS", utc: false } },
        glue: "timestamp",
        mysql: `DATETIME(${fraction})`,
        duckdb: "TIMESTAMP",
      };
    }
    case "STRING":
    case "WSTRING":
      return {
        parquet: string,
        glue: "string",
        mysql: t.length !== undefined && t.length <= MYSQL_MAX_VARCHAR ? `VARCHAR(${t.length})` : "LONGTEXT",
        duckdb: "VARCHAR",
      };
    case "CLOB":
    case "NCLOB":
      return { parquet: string, glue: "string", mysql: "LONGTEXT", duckdb: "VARCHAR" };
    case "BYTES":
      return {
        parquet: binary,
        glue: "binary",
        mysql: t.length !== undefined && t.length <= MYSQL_MAX_VARBINARY ? `VARBINARY(${t.length})` : "LONGBLOB",
        duckdb: "BLOB",
      };
    case "BLOB":
      return { parquet: binary, glue: "binary", mysql: "LONGBLOB", duckdb: "BLOB" };
  }
}

/**
 * The columns DMS adds to every file (DESIGN §4): `Op` (I/U/D), `cdc_timestamp` (TimestampColumnName) and `cdc_seq`
 * (transformation rule `$AR_H_CHANGE_SEQ`, a 35-digit string, empty in full load).
 */
export const DMS_CHANGE_COLUMNS = [
  { name: "Op", parquet: string },
  { name: "cdc_timestamp", parquet: string },
  { name: "cdc_seq", parquet: string },
] as const;
