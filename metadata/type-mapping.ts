/**
 * The engine-specific half of the type mapping: a source column type → the AWS DMS data type DMS gives it, following
 * the "Source data types for <engine>" tables of the AWS DMS user guide (CHAP_Source.SQLServer / .MySQL / .PostgreSQL
 * / .Oracle). Types DMS does not support become exclusions with a reason, never a silent drop; LOBs map to their DMS
 * LOB type here and are excluded only for tables without a primary key (`extract.ts`), as DMS itself does. The
 * engine-independent half (DMS type → Parquet, Glue, MySQL, DuckDB) is `dms-types.ts`.
 */
import type { Engine } from "./engines";
import { TIME_STRING_LENGTH, TIME_ZONE_LENGTH, type DmsColumnType, type DmsType } from "./dms-types";

/** What a catalog says about a column's type, normalised by the engine's extractor. */
export interface SourceColumnType {
  /** Engine type name, lower-case, without arguments (`nvarchar`, `timestamp with time zone`, `number`). */
  sourceType: string;
  /** Characters for character types, bytes for binary types; -1 for SQL Server `(max)`. */
  length?: number;
  precision?: number;
  scale?: number;
  /** MySQL `UNSIGNED`. */
  unsigned?: boolean;
  /** MySQL ENUM/SET members, PostgreSQL enum labels. */
  values?: string[];
  /** PostgreSQL: the type is a user-defined enum. */
  isEnum?: boolean;
  /** PostgreSQL: the column is an array. */
  isArray?: boolean;
  /** Oracle: a virtual (computed, not stored) column. */
  isVirtual?: boolean;
}

/** A replicated column's DMS type, or the reason it is left out of replication. */
export type TypeMapping = { replicated: DmsColumnType } | { excluded: string };

const LOBS: ReadonlySet<DmsType> = new Set(["BLOB", "CLOB", "NCLOB"]);
/** `-838:59:59.000000`, the widest MySQL TIME. */
const MYSQL_TIME_LENGTH = 17;
/** AWS DMS decimals (Parquet DECIMAL via Arrow decimal128) stop at 38 digits. */
const MAX_NUMERIC_PRECISION = 38;

const dms = (dmsType: DmsType, sizing: Omit<DmsColumnType, "dmsType"> = {}): TypeMapping => {
  const replicated: DmsColumnType = { dmsType };
  // Sizing travels only where the DMS type carries it, so metadata never shows a meaningless number. A TIME column's
  // length is that of the string it travels as (see `targetTypes`).
  if (sizing.length !== undefined && ["STRING", "WSTRING", "BYTES", "TIME"].includes(dmsType)) replicated.length = sizing.length;
  if (dmsType === "NUMERIC") Object.assign(replicated, { precision: sizing.precision, scale: sizing.scale ?? 0 });
  if ((dmsType === "DATETIME" || dmsType === "TIME") && sizing.scale !== undefined) replicated.scale = sizing.scale;
  return { replicated };
};
const unsupported = (t: SourceColumnType, engine: string): TypeMapping => ({
  excluded: `${t.sourceType}: not a data type AWS DMS supports for ${engine} sources`,
});

/** True for the DMS large-object types, which DMS replicates through its LOB settings (limited or full LOB mode). */
export function isLob(dmsType: DmsType): boolean {
  return LOBS.has(dmsType);
}

/**
 * Why a LOB column of a table without a primary key is not replicated: DMS looks LOBs up by key, so it replicates
 * them only for keyed tables. Shown in reviews of the metadata and in validation messages.
 */
export function lobReason(dmsType: DmsType): string {
  return `LOB (DMS ${dmsType}): AWS DMS replicates LOBs only for tables with a primary key; excluded`;
}

/** Why a LOB primary-key column cannot be replicated: DMS looks LOBs up by the key, so the key itself cannot be one. */
export function lobKeyReason(dmsType: DmsType): string {
  return `LOB (DMS ${dmsType}): AWS DMS cannot replicate a LOB that is part of the primary key; excluded`;
}

/** The DMS type of a source column, or why it is excluded. */
export function mapSourceType(engine: Engine, t: SourceColumnType): TypeMapping {
  switch (engine) {
    case "sqlserver":
      return sqlServerType(t);
    case "mysql":
      return mysqlType(t);
    case "postgres":
      return postgresType(t);
    case "oracle":
      return oracleType(t);
  }
}

/** Exact numerics wider than DMS decimals travel as strings (documented for PostgreSQL; applied to every engine). */
function numeric(precision: number | undefined, scale: number | undefined): TypeMapping {
  if (precision !== undefined && precision > MAX_NUMERIC_PRECISION) return dms("STRING", { length: precision + 2 });
  return dms("NUMERIC", { precision, scale });
}

function sqlServerType(t: SourceColumnType): TypeMapping {
  const max = t.length === -1;
  switch (t.sourceType) {
    case "bigint":
      return dms("INT8");
    case "bit":
      return dms("BOOLEAN");
    case "decimal":
    case "numeric":
      return numeric(t.precision, t.scale);
    case "int":
      return dms("INT4");
    case "money":
      return dms("NUMERIC", { precision: 19, scale: 4 });
    case "smallmoney":
      return dms("NUMERIC", { precision: 10, scale: 4 });
    case "smallint":
      return dms("INT2");
    case "tinyint":
      return dms("UINT1");
    case "real":
      return dms("REAL4");
    case "float":
      return dms("REAL8");
    case "datetime":
      return dms("DATETIME", { scale: 3 });
    case "datetime2":
      return dms("DATETIME", { scale: t.scale ?? 7 });
    case "smalldatetime":
      return dms("DATETIME", { scale: 0 });
    case "date":
      return dms("DATE");
    case "time":
      return dms("TIME", { scale: t.scale ?? 7, length: TIME_STRING_LENGTH });
    case "datetimeoffset":
      // `YYYY-MM-DD hh:mm:ss[.nnnnnnn] +hh:mm`
      return dms("WSTRING", { length: 26 + (t.scale === 0 ? 0 : 1 + (t.scale ?? 7)) });
    case "char":
    case "varchar":
      return max ? dms("CLOB") : dms("STRING", { length: t.length });
    case "text":
      return dms("CLOB");
    case "nchar":
    case "nvarchar":
      return max ? dms("NCLOB") : dms("WSTRING", { length: t.length });
    case "ntext":
    case "xml":
      return dms("NCLOB");
    case "binary":
    case "varbinary":
      return max ? dms("BLOB") : dms("BYTES", { length: t.length });
    case "image":
      return dms("BLOB");
    case "timestamp":
    case "rowversion":
      return dms("BYTES", { length: 8 });
    case "uniqueidentifier":
      return dms("STRING", { length: 36 });
    case "hierarchyid":
      return dms("WSTRING", { length: 250 });
    case "geometry":
    case "geography":
      return dms("CLOB");
    default:
      return unsupported(t, "SQL Server");
  }
}

function mysqlType(t: SourceColumnType): TypeMapping {
  const u = t.unsigned === true;
  switch (t.sourceType) {
    case "tinyint":
      return dms(u ? "UINT1" : "INT1");
    case "smallint":
      return dms(u ? "UINT2" : "INT2");
    case "mediumint":
    case "int":
      return dms(u ? "UINT4" : "INT4");
    case "bigint":
      return dms(u ? "UINT8" : "INT8");
    case "decimal":
      return numeric(t.precision, t.scale);
    case "float":
    case "double":
      return dms("REAL8");
    case "bit":
      return (t.precision ?? 1) === 1 ? dms("BOOLEAN") : dms("BYTES", { length: Math.ceil((t.precision ?? 1) / 8) });
    case "binary":
    case "varbinary":
      return dms("BYTES", { length: t.length });
    case "tinyblob":
      return dms("BYTES", { length: 255 });
    case "blob":
      return dms("BYTES", { length: 65535 });
    case "mediumblob":
    case "longblob":
      return dms("BLOB");
    case "date":
      return dms("DATE");
    case "datetime":
    case "timestamp":
      return dms("DATETIME", { scale: t.scale ?? 0 });
    case "time":
      // DMS maps MySQL TIME to STRING itself: an elapsed time, not a time of day, up to `-838:59:59.000000`. Sized, so
      // a MySQL target stores VARCHAR (a key can use it) rather than LONGTEXT.
      return dms("STRING", { length: MYSQL_TIME_LENGTH });
    case "year":
      return dms("INT2");
    case "char":
    case "varchar":
      return dms("WSTRING", { length: t.length });
    case "tinytext":
      return dms("WSTRING", { length: 255 });
    case "text":
      return dms("WSTRING", { length: 65535 });
    case "mediumtext":
    case "longtext":
      return dms("NCLOB");
    case "enum":
      return dms("WSTRING", { length: Math.max(1, ...(t.values ?? []).map((v) => v.length)) });
    case "set":
      return dms("WSTRING", { length: Math.max(1, (t.values ?? []).join(",").length) });
    case "json":
      return dms("CLOB");
    case "geometry":
    case "point":
    case "linestring":
    case "polygon":
    case "multipoint":
    case "multilinestring":
    case "multipolygon":
    case "geometrycollection":
      return dms("BLOB");
    default:
      return unsupported(t, "MySQL");
  }
}

function postgresType(t: SourceColumnType): TypeMapping {
  if (t.isArray) return dms("NCLOB");
  if (t.isEnum) return dms("STRING", { length: 64 });
  switch (t.sourceType) {
    case "smallint":
      return dms("INT2");
    case "integer":
      return dms("INT4");
    case "bigint":
      return dms("INT8");
    case "numeric":
      // Unconstrained NUMERIC travels as NUMERIC(28,6) (DMS PostgreSQL limitations).
      return t.precision === undefined ? dms("NUMERIC", { precision: 28, scale: 6 }) : numeric(t.precision, t.scale);
    case "real":
      return dms("REAL4");
    case "double precision":
      return dms("REAL8");
    case "money":
      return dms("NUMERIC", { precision: 38, scale: 4 });
    case "character":
      return dms("WSTRING", { length: t.length ?? 1 });
    case "character varying":
      // Unbounded VARCHAR gets the DMS engine's default size for it (unboundedVarcharMaxSize, 8000).
      return dms("WSTRING", { length: t.length ?? 8000 });
    case "text":
      return dms("NCLOB");
    case "bytea":
      return dms("BLOB");
    case "timestamp without time zone":
    case "timestamp with time zone":
      return dms("DATETIME", { scale: t.scale ?? 6 });
    case "date":
      return dms("DATE");
    case "time without time zone":
      return dms("TIME", { scale: t.scale ?? 6, length: TIME_STRING_LENGTH });
    case "time with time zone":
      return dms("TIME", { scale: t.scale ?? 6, length: TIME_STRING_LENGTH + TIME_ZONE_LENGTH });
    case "interval":
      return dms("STRING", { length: 128 });
    case "boolean":
      // DMS documents CHAR(5): the strings `true` / `false`.
      return dms("STRING", { length: 5 });
    case "cidr":
    case "inet":
      return dms("STRING", { length: 50 });
    case "macaddr":
      return dms("STRING", { length: 18 });
    case "bit":
    case "bit varying":
      return dms("STRING", { length: t.length ?? 1 });
    case "uuid":
      return dms("STRING", { length: 36 });
    case "tsvector":
    case "tsquery":
    case "xml":
    case "path":
    case "polygon":
      return dms("CLOB");
    case "point":
    case "line":
    case "lseg":
    case "box":
    case "circle":
    case "int4range":
    case "int8range":
    case "numrange":
    case "tsrange":
    case "tstzrange":
    case "daterange":
      return dms("STRING", { length: 255 });
    case "json":
    case "jsonb":
    case "hstore":
      return dms("NCLOB");
    default:
      return unsupported(t, "PostgreSQL");
  }
}

function oracleType(t: SourceColumnType): TypeMapping {
  if (t.isVirtual) return { excluded: "virtual column: AWS DMS does not replicate Oracle virtual columns" };
  switch (t.sourceType) {
    case "binary_float":
      return dms("REAL4");
    case "binary_double":
      return dms("REAL8");
    case "float":
      return dms((t.precision ?? 126) <= 24 ? "REAL4" : "REAL8");
    case "number":
      return oracleNumber(t.precision, t.scale);
    case "date":
      return dms("DATETIME", { scale: 0 });
    case "timestamp":
      return dms("DATETIME", { scale: t.scale ?? 6 });
    case "timestamp with time zone":
    case "timestamp with local time zone":
    case "interval year to month":
    case "interval day to second":
      return dms("STRING");
    case "char":
    case "varchar2":
      return dms("STRING", { length: t.length });
    case "nchar":
    case "nvarchar2":
      return dms("WSTRING", { length: t.length });
    case "raw":
      return dms("BYTES", { length: t.length });
    case "blob":
    case "long raw":
      return dms("BLOB");
    case "clob":
    case "long":
    case "xmltype":
      return dms("CLOB");
    case "nclob":
      return dms("NCLOB");
    case "sdo_geometry":
      return dms("BLOB");
    default:
      return unsupported(t, "Oracle");
  }
}

/**
 * Oracle NUMBER: no precision and no scale is NUMERIC(38,10) (the `numberDataTypeScale` default); scale 0 picks the
 * smallest integer type that holds the precision up to 9 digits, then NUMERIC; a positive scale is NUMERIC; a negative
 * one REAL8.
 */
function oracleNumber(precision: number | undefined, scale: number | undefined): TypeMapping {
  if (precision === undefined && scale === undefined) return dms("NUMERIC", { precision: 38, scale: 10 });
  const p = precision ?? MAX_NUMERIC_PRECISION;
  const s = scale ?? 0;
  if (s < 0) return dms("REAL8");
  if (s > 0) return numeric(p, s);
  if (p <= 2) return dms("INT1");
  if (p <= 4) return dms("INT2");
  if (p <= 9) return dms("INT4");
  return numeric(p, 0);
}
