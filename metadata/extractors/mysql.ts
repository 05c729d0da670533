/**
 * MySQL / MariaDB extractor: INFORMATION_SCHEMA through mysql2. A MySQL database is what DMS calls the schema, so the
 * URL's database is the one schema extracted.
 */
import mysql from "mysql2/promise";
import type { Catalog } from "../extract";
import { connectionError, parseConnectionUrl } from "./connection";

/** One row of `COLUMNS_QUERY` as mysql2 returns it. */
export interface MysqlColumnRow {
  TABLE_SCHEMA: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  ORDINAL_POSITION: number;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: "YES" | "NO";
  CHARACTER_MAXIMUM_LENGTH: number | null;
  NUMERIC_PRECISION: number | null;
  NUMERIC_SCALE: number | null;
  DATETIME_PRECISION: number | null;
}

/** One row of `PRIMARY_KEYS_QUERY`. */
export interface MysqlKeyRow {
  TABLE_SCHEMA: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  ORDINAL_POSITION: number;
}

export const COLUMNS_QUERY = `
SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.ORDINAL_POSITION, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE,
       c.CHARACTER_MAXIMUM_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION
  FROM INFORMATION_SCHEMA.COLUMNS c
  JOIN INFORMATION_SCHEMA.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
 WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA = ?
 ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`;

export const PRIMARY_KEYS_QUERY = `
SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION
  FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE
 WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA = ?
 ORDER BY TABLE_NAME, ORDINAL_POSITION`;

const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));

/** `enum('a','b''c')` → `["a", "b'c"]`. */
export function mysqlEnumValues(columnType: string): string[] {
  const body = /^(?:enum|set)\((.*)\)$/i.exec(columnType)?.[1] ?? "";
  return [...body.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'"));
}

/** The engine-neutral catalog from the rows of the two queries. */
export function mysqlCatalog(columns: readonly MysqlColumnRow[], keys: readonly MysqlKeyRow[]): Catalog {
  return {
    columns: columns.map((r) => {
      const sourceType = r.DATA_TYPE.toLowerCase();
      return {
        schema: r.TABLE_SCHEMA,
        table: r.TABLE_NAME,
        name: r.COLUMN_NAME,
        ordinal: Number(r.ORDINAL_POSITION),
        nullable: r.IS_NULLABLE === "YES",
        sourceType,
        length: num(r.CHARACTER_MAXIMUM_LENGTH),
        precision: num(r.NUMERIC_PRECISION),
        scale: sourceType === "datetime" || sourceType === "timestamp" ? num(r.DATETIME_PRECISION) : num(r.NUMERIC_SCALE),
        unsigned: /\bunsigned\b/i.test(r.COLUMN_TYPE),
        values: sourceType === "enum" || sourceType === "set" ? mysqlEnumValues(r.COLUMN_TYPE) : undefined,
      };
    }),
    primaryKeys: keys.map((k) => ({
      schema: k.TABLE_SCHEMA,
      table: k.TABLE_NAME,
      column: k.COLUMN_NAME,
      position: Number(k.ORDINAL_POSITION),
    })),
  };
}

/** Reads the catalog of the database named in `url` (`mysql://user:password@host:3306/database`). */
export async function readMysqlCatalog(url: string): Promise<{ database: string; catalog: Catalog }> {
  const c = parseConnectionUrl("mysql", url);
  if (c.database === "") throw connectionError("mysql", c, new Error("the URL names no database"));
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      host: c.host,
      port: c.port,
      user: c.user,
      password: c.password,
      database: c.database,
      connectTimeout: 10000,
    });
  } catch (err) {
    throw connectionError("mysql", c, err);
  }
  try {
    const [columns] = await conn.query(COLUMNS_QUERY, [c.database]);
    const [keys] = await conn.query(PRIMARY_KEYS_QUERY, [c.database]);
    return { database: c.database, catalog: mysqlCatalog(columns as MysqlColumnRow[], keys as MysqlKeyRow[]) };
  } finally {
    await conn.end();
  }
}
