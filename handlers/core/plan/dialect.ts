/**
 * What differs between the SQL engines the CDC plan runs on — and nothing else. The plan core (`plan.ts`) writes each
 * statement once against this interface, dbt-style; a dialect only knows how to quote, how to type a column, how to
 * name a session relation and how to read a batch file.
 */
import type { ColumnMetadata } from "../../../metadata/format";
import { partitionExpression, type PartitionField } from "../../../metadata/partition-spec";
import { targetTypes } from "../../../metadata/dms-types";
import { sparkFilePath } from "../spark-path";

export const DIALECTS = ["spark", "trino", "duckdb", "mysql"] as const;
export type DialectName = (typeof DIALECTS)[number];

export type MergeStrategy = "merge-into" | "delete-insert" | "staging";

/**
 * How the last change per key is found: a window over every change, or a window over only the keys repeated in the
 * batch, the rest passing straight through (see `dedupe` in plan.ts).
 */
export type DedupeStrategy = "window" | "repeated-keys";

/** The bookkeeping columns the plan adds next to the source columns. */
export type BookkeepingColumn = "_cdc_op" | "_cdc_seq" | "_cdc_timestamp" | "_cdc_row" | "_cdc_action";

export interface Dialect {
  name: DialectName;
  /**
   * How the merge step is written: one MERGE INTO per table (Iceberg), DELETE of replaced keys then INSERT of their
   * new images (an engine whose in-place UPDATE is slow), or a staging table + set-based upsert/delete (MySQL).
   */
  merge: MergeStrategy;
  dedupe: DedupeStrategy;
  /** Quotes one identifier part; quote characters inside are doubled. */
  quote(part: string): string;
  /** The column type of a source column in a table of this dialect. */
  columnType(column: ColumnMetadata): string;
  /** The column type of a bookkeeping column. */
  bookkeepingType(column: BookkeepingColumn): string;
  /**
   * Statement making `select` available as relation `name` for the rest of the session; `materialize` asks for the rows
   * to be computed once because the relation is read several times (engines without session tables may ignore it).
   */
  relation(name: string, select: string, materialize: boolean): string;
  /** Statement dropping a relation made by {@link relation}. */
  dropRelation(name: string, materialized: boolean): string;
  /**
   * `CREATE TABLE IF NOT EXISTS` with the dialect's table options; the primary key only where the engine uses one.
   * `layout` (Iceberg's partition spec and table properties) is for the engines whose tables have one.
   */
  createTable(name: string, columns: string[], primaryKey: string[], layout?: TableLayout): string;
  /**
   * A query over the batch's Parquet files: `select` renders the select list (without SELECT) from per-row expressions for the file's
   * position in the batch (1-based), the row's position in its file (0-based) and the file's full-load counter (0 for
   * CDC files); the dialect adds how the files are read. Absent where the engine cannot address single files.
   */
  readFiles?(files: readonly SourceFile[], select: (e: FileExpressions) => string): string;
}

/** How an Iceberg table is laid out: its partition spec and table properties (iceberg-settings.ts). */
export interface TableLayout {
  partitionBy?: readonly PartitionField[];
  properties?: Readonly<Record<string, string>>;
}

/** One batch file as the dialect reads it. */
export interface SourceFile {
  uri: string;
  /** 1-based position in the batch. */
  order: number;
  /** The `LOADxxxxxxxx` counter of a full-load file, 0 for a CDC file. */
  loadCounter: number;
  /** The file's column names, lower-case, when known: a file of an older shape lacks the columns added since. */
  columns?: ReadonlySet<string>;
}

export interface FileExpressions {
  fileOrder: string;
  fileRow: string;
  loadCounter: string;
  /** The columns the rows read have (lower-case), when known; the others read as NULL. Absent: every column. */
  columns?: ReadonlySet<string>;
}

/**
 * A SQL string literal. Spark SQL reads `'a''b'` as two adjacent literals (`ab`), so there a quote and a backslash are
 * backslash-escaped; the others double quotes, and MySQL (without NO_BACKSLASH_ESCAPES) also reads backslash escapes.
 */
export function literal(d: Dialect, value: string): string {
  if (d.name === "spark") return `'${value.replace(/[\\']/g, "\\$&")}'`;
  const escaped = d.name === "mysql" ? value.replace(/\\/g, "\\\\") : value;
  return `'${escaped.replace(/'/g, "''")}'`;
}

/** A dotted name with every part quoted. */
export function qualified(d: Dialect, parts: readonly string[]): string {
  return parts.map((p) => d.quote(p)).join(".");
}

const quoteWith = (q: string) => (part: string) => `${q}${part.split(q).join(q + q)}${q}`;

/** Spark SQL on Glue 5 (Spark 3.5) with Iceberg tables, run by `handlers/glue/apply_changes.py`. */
export const spark: Dialect = {
  name: "spark",
  merge: "merge-into",
  // Spark 3.5 cuts a `ROW_NUMBER() ... = 1` window to one row per key before its shuffle (WindowGroupLimit), so one
  // window over the batch reads the files once; finding the repeated keys first reads them three times.
  dedupe: "window",
  quote: quoteWith("`"),
  columnType: (c) => {
    const glue = targetTypes(c).glue;
    // Iceberg has no 8/16-bit integers and keeps DMS's zone-less DATETIME as a timestamp without time zone.
    if (glue === "tinyint" || glue === "smallint") return "int";
    return glue === "timestamp" ? "timestamp_ntz" : glue;
  },
  bookkeepingType: (c) => (c === "_cdc_row" ? "bigint" : "string"),
  // A materialised relation is cached (spilling to disk): a plain view would re-read the batch files and redo the
  // dedupe and the guard for every statement that reads it. Lazily: the first statement that reads it fills the cache
  // as part of its own job, so the dedupe, the guard and the summary run as one Spark job, not three. Dropping the view
  // drops its cache.
  relation: (name, select, materialize) =>
    materialize
      ? `CACHE LAZY TABLE ${spark.quote(name)} AS ${select}`
      : `CREATE OR REPLACE TEMPORARY VIEW ${spark.quote(name)} AS ${select}`,
  dropRelation: (name) => `DROP VIEW IF EXISTS ${spark.quote(name)}`,
  createTable: (name, columns, _key, layout) => {
    const partition = layout?.partitionBy?.length
      ? ` PARTITIONED BY (${layout.partitionBy.map((f) => partitionExpression(f, spark.quote)).join(", ")})`
      : "";
    const properties = Object.entries(layout?.properties ?? { "format-version": "2" })
      .map(([k, v]) => `${literal(spark, k)} = ${literal(spark, v)}`)
      .join(", ");
    return `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(", ")}) USING iceberg${partition} TBLPROPERTIES (${properties})`;
  },
  // One SELECT per file, each with its constants; `_metadata.row_index` is the Parquet row position (Spark 3.5+, Glue 5).
  readFiles: (files, select) =>
    files
      .map((f) => {
        const e = {
          fileOrder: String(f.order),
          fileRow: "_metadata.row_index",
          loadCounter: String(f.loadCounter),
          columns: f.columns,
        };
        return `SELECT ${select(e)} FROM parquet.${spark.quote(sparkFilePath(f.uri))}`;
      })
      .join(" UNION ALL "),
};

const TRINO_TYPES: Record<string, string> = {
  string: "varchar",
  int: "integer",
  tinyint: "integer",
  smallint: "integer",
  float: "real",
  binary: "varbinary",
  timestamp: "timestamp(6)",
};

/**
 * Trino (Athena engine 3) over the same Iceberg tables: merge, guard and expiry for ad-hoc repair from Athena. It has
 * no way to address one Parquet file with its row positions, so it cannot load a batch itself.
 */
export const trino: Dialect = {
  name: "trino",
  merge: "merge-into",
  dedupe: "window",
  quote: quoteWith('"'),
  columnType: (c) => {
    const glue = targetTypes(c).glue;
    return TRINO_TYPES[glue] ?? glue;
  },
  bookkeepingType: (c) => (c === "_cdc_row" ? "bigint" : "varchar"),
  relation: (name, select) => `CREATE OR REPLACE VIEW ${trino.quote(name)} AS ${select}`,
  dropRelation: (name) => `DROP VIEW IF EXISTS ${trino.quote(name)}`,
  createTable: (name, columns) => `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(", ")}) WITH (format = 'PARQUET')`,
};

/** The column DuckDB adds to a batch scan with each row's file name (reserved: see plan.ts). */
export const DUCKDB_FILE_COLUMN = "_cdc_file";

/**
 * DuckDB: local mode, `cdc replay` and the tests. Batch relations are materialised so they are read once. Merges
 * delete and re-insert: DuckDB's UPDATE rewrites every changed column in place, several times slower than marking rows
 * deleted and appending (see `npm run bench apply`). {@link duckdbMergeInto} runs Spark's MERGE shape instead.
 */
export const duckdb: Dialect = {
  name: "duckdb",
  merge: "delete-insert",
  // DuckDB sorts every row it windows, with all its columns; most keys change once per batch (npm run bench apply).
  dedupe: "repeated-keys",
  quote: quoteWith('"'),
  columnType: (c) => targetTypes(c).duckdb,
  bookkeepingType: (c) => (c === "_cdc_row" ? "BIGINT" : "VARCHAR"),
  relation: (name, select, materialize) =>
    `CREATE OR REPLACE TEMP ${materialize ? "TABLE" : "VIEW"} ${duckdb.quote(name)} AS ${select}`,
  dropRelation: (name, materialized) => `DROP ${materialized ? "TABLE" : "VIEW"} IF EXISTS ${duckdb.quote(name)}`,
  // No PRIMARY KEY: DuckDB's ART index makes bulk merges slower and the plan never produces duplicate keys.
  createTable: (name, columns) => `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(", ")})`,
  // One scan over all files (far cheaper than a UNION ALL of scans); the file-name column says which file a row came
  // from. It gets a bookkeeping name: DuckDB's default, `filename`, refuses files that have a column of that name.
  readFiles: (files, select) => {
    const uris = `[${files.map((f) => literal(duckdb, f.uri)).join(", ")}]`;
    const order = `list_position(${uris}, ${duckdb.quote(DUCKDB_FILE_COLUMN)})`;
    // Files of different shapes (a schema change in flight) are read by name, a column missing from a file as NULL;
    // a column no file has is left to the select list.
    const shaped = files.some((f) => f.columns);
    const columns = shaped && files.every((f) => f.columns) ? new Set(files.flatMap((f) => [...f.columns!])) : undefined;
    const e = {
      fileOrder: order,
      fileRow: "file_row_number",
      loadCounter: `[${files.map((f) => f.loadCounter).join(", ")}][${order}]`,
      columns,
    };
    const byName = shaped ? ", union_by_name = true" : "";
    return `SELECT ${select(e)} FROM read_parquet(${uris}, filename = ${literal(duckdb, DUCKDB_FILE_COLUMN)}, file_row_number = true${byName})`;
  },
};

/**
 * DuckDB running the MERGE INTO and dedupe statements Spark runs on Iceberg, so the property tests prove the Glue job's
 * merge against the reference model too, not only its syntax.
 */
export const duckdbMergeInto: Dialect = { ...duckdb, merge: "merge-into", dedupe: spark.dedupe };

/** InnoDB limits an index key to 3072 bytes; utf8mb4 needs 4 bytes per character. */
const INNODB_MAX_KEY_BYTES = 3072;

/** The MySQL-compatible server a target runs: the statements are the same, the key collation's name is not. */
export type MySqlFlavor = "mysql" | "mariadb";
export const MYSQL_FLAVORS = ["mysql", "mariadb"] as const;

/**
 * Binary, NO PAD collations. Source keys are case- and accent-sensitive, and `'a'` and `'a '` are different keys in
 * PostgreSQL and Oracle; `utf8mb4_bin` would pad (PAD SPACE) on both servers and make them one row.
 */
export const NO_PAD_BINARY_COLLATION: Record<MySqlFlavor, string> = { mysql: "utf8mb4_0900_bin", mariadb: "utf8mb4_nopad_bin" };

/** MySQL 8.0.17+ or MariaDB 10.5+: a staging table and set-based statements, the same text on both but the collation. */
function mysqlFamily(flavor: MySqlFlavor): Dialect {
  const quote = quoteWith("`");
  const unsupported = () => {
    throw new Error("the MySQL plan stages batches in a table, not in session relations");
  };
  return {
    name: "mysql",
    merge: "staging",
    dedupe: "repeated-keys", // unused: the batch arrives deduplicated in staging
    quote,
    columnType: (c) => targetTypes(c).mysql,
    bookkeepingType: (c) =>
      ({
        _cdc_op: "CHAR(1)",
        _cdc_seq: "CHAR(35)",
        _cdc_timestamp: "VARCHAR(32)",
        _cdc_row: "BIGINT",
        _cdc_action: "VARCHAR(9)",
      })[c],
    relation: unsupported,
    dropRelation: unsupported,
    createTable: (name, columns, primaryKey) => {
      const key = primaryKey.length > 0 ? `, PRIMARY KEY (${primaryKey.map(quote).join(", ")})` : "";
      return `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(", ")}${key}) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = ${NO_PAD_BINARY_COLLATION[flavor]}`;
    },
  };
}

/** MySQL 8 (Amazon RDS and Aurora MySQL 3). */
export const mysql: Dialect = mysqlFamily("mysql");
/** MariaDB 10.5+ (Amazon RDS for MariaDB). */
export const mariadb: Dialect = mysqlFamily("mariadb");

/** The MySQL dialect of a flavor. */
export const mysqlDialect = (flavor: MySqlFlavor): Dialect => (flavor === "mariadb" ? mariadb : mysql);

/**
 * Throws when the MySQL key of `columns` cannot be indexed by InnoDB (LONGTEXT/LONGBLOB or more than 3072 bytes), with a
 * message naming the table and the columns, so the problem surfaces when the plan is built, not at CREATE TABLE.
 */
export function checkMysqlKey(table: string, columns: ColumnMetadata[]): void {
  let bytes = 0;
  for (const c of columns) {
    const type = mysql.columnType(c);
    if (/^LONG(TEXT|BLOB)$/.test(type)) {
      throw new Error(`${table}: primary-key column ${c.name} maps to MySQL ${type}, which cannot be a key; give it a length`);
    }
    const m = /^VAR(CHAR|BINARY)\((\d+)\)$/.exec(type);
    bytes += m ? Number(m[2]) * (m[1] === "CHAR" ? 4 : 1) : 16;
  }
  if (bytes > INNODB_MAX_KEY_BYTES) {
    throw new Error(
      `${table}: MySQL primary key (${columns.map((c) => c.name).join(", ")}) needs ${bytes} bytes; InnoDB allows ${INNODB_MAX_KEY_BYTES}`,
    );
  }
}

export const DIALECT: Record<DialectName, Dialect> = { spark, trino, duckdb, mysql };
