/**
 * SQL Server extractor: sys.tables / sys.columns / sys.types / sys.indexes through mssql. Alias types (user-defined
 * ones and `sysname`) are reported as their base type, the way DMS handles them; CLR types (geometry, geography,
 * hierarchyid), which share one system type id, keep their own name.
 */
import sql from "mssql";
import type { Catalog } from "../extract";
import { connectionError, parseConnectionUrl } from "./connection";

/** One row of `COLUMNS_QUERY` as mssql returns it in `result.recordset` (bit → boolean, smallint/tinyint → number). */
export interface SqlServerColumnRow {
  schema_name: string;
  table_name: string;
  column_name: string;
  column_id: number;
  type_name: string;
  /** Bytes; -1 for `(max)`. nchar/nvarchar use two bytes per character. */
  max_length: number;
  precision: number;
  scale: number;
  is_nullable: boolean;
}

export interface SqlServerKeyRow {
  schema_name: string;
  table_name: string;
  column_name: string;
  key_ordinal: number;
}

export const COLUMNS_QUERY = `
SELECT s.name AS schema_name, t.name AS table_name, c.name AS column_name, c.column_id,
       CASE WHEN ut.is_assembly_type = 1 THEN ut.name ELSE TYPE_NAME(c.system_type_id) END AS type_name,
       c.max_length, c.precision, c.scale, c.is_nullable
  FROM sys.tables t
  JOIN sys.schemas s ON s.schema_id = t.schema_id
  JOIN sys.columns c ON c.object_id = t.object_id
  JOIN sys.types ut ON ut.user_type_id = c.user_type_id
 WHERE t.is_ms_shipped = 0
 ORDER BY s.name, t.name, c.column_id`;

export const PRIMARY_KEYS_QUERY = `
SELECT s.name AS schema_name, t.name AS table_name, c.name AS column_name, ic.key_ordinal
  FROM sys.indexes i
  JOIN sys.tables t ON t.object_id = i.object_id
  JOIN sys.schemas s ON s.schema_id = t.schema_id
  JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
  JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
 WHERE i.is_primary_key = 1 AND t.is_ms_shipped = 0
 ORDER BY s.name, t.name, ic.key_ordinal`;

const UNICODE = new Set(["nchar", "nvarchar"]);
const SIZED = new Set(["char", "varchar", "nchar", "nvarchar", "binary", "varbinary"]);

/** The engine-neutral catalog from the rows of the two queries. */
export function sqlServerCatalog(columns: readonly SqlServerColumnRow[], keys: readonly SqlServerKeyRow[]): Catalog {
  return {
    columns: columns.map((r) => {
      const sourceType = r.type_name.toLowerCase();
      const length = !SIZED.has(sourceType)
        ? undefined
        : r.max_length === -1
          ? -1
          : UNICODE.has(sourceType)
            ? r.max_length / 2
            : r.max_length;
      return {
        schema: r.schema_name,
        table: r.table_name,
        name: r.column_name,
        ordinal: r.column_id,
        nullable: r.is_nullable,
        sourceType,
        length,
        precision: sourceType === "decimal" || sourceType === "numeric" ? r.precision : undefined,
        scale: r.scale,
      };
    }),
    primaryKeys: keys.map((k) => ({
      schema: k.schema_name,
      table: k.table_name,
      column: k.column_name,
      position: k.key_ordinal,
    })),
  };
}

/** Reads the catalog of the database in `url` (`sqlserver://user:password@host:1433/Sales?encrypt=true`). */
export async function readSqlServerCatalog(url: string): Promise<{ database: string; catalog: Catalog }> {
  const c = parseConnectionUrl("sqlserver", url);
  const pool = new sql.ConnectionPool({
    server: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database || undefined,
    connectionTimeout: 15000,
    options: {
      encrypt: c.params.get("encrypt") !== "false",
      trustServerCertificate: c.params.get("trustServerCertificate") === "true",
    },
  });
  try {
    await pool.connect();
  } catch (err) {
    throw connectionError("sqlserver", c, err);
  }
  try {
    const database = (await pool.request().query<{ db: string }>("SELECT DB_NAME() AS db")).recordset[0].db;
    const columns = (await pool.request().query<SqlServerColumnRow>(COLUMNS_QUERY)).recordset;
    const keys = (await pool.request().query<SqlServerKeyRow>(PRIMARY_KEYS_QUERY)).recordset;
    return { database, catalog: sqlServerCatalog(columns, keys) };
  } finally {
    await pool.close();
  }
}
