/**
 * Oracle extractor: ALL_TAB_COLS / ALL_CONSTRAINTS / ALL_CONS_COLUMNS through oracledb in thin mode (no Instant
 * Client). Oracle's schemas are users; every schema not maintained by Oracle itself is read.
 */
import oracledb, { type Connection } from "oracledb";
import type { Catalog } from "../extract";
import { connectionError, parseConnectionUrl } from "./connection";

/** One row of `COLUMNS_QUERY` as oracledb returns it with `outFormat: OUT_FORMAT_OBJECT` (NUMBER → number). */
export interface OracleColumnRow {
  OWNER: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  COLUMN_ID: number;
  /** `NUMBER`, `VARCHAR2`, `TIMESTAMP(6) WITH TIME ZONE`, `INTERVAL DAY(2) TO SECOND(6)`, `SDO_GEOMETRY`, … */
  DATA_TYPE: string;
  DATA_TYPE_OWNER: string | null;
  DATA_LENGTH: number;
  CHAR_LENGTH: number;
  DATA_PRECISION: number | null;
  DATA_SCALE: number | null;
  NULLABLE: "Y" | "N";
  VIRTUAL_COLUMN: "YES" | "NO";
}

export interface OracleKeyRow {
  OWNER: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  POSITION: number;
}

export const COLUMNS_QUERY = `
SELECT c.OWNER, c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_ID, c.DATA_TYPE, c.DATA_TYPE_OWNER, c.DATA_LENGTH, c.CHAR_LENGTH,
       c.DATA_PRECISION, c.DATA_SCALE, c.NULLABLE, c.VIRTUAL_COLUMN
  FROM ALL_TAB_COLS c
  JOIN ALL_TABLES t ON t.OWNER = c.OWNER AND t.TABLE_NAME = c.TABLE_NAME
  JOIN ALL_USERS u ON u.USERNAME = c.OWNER AND u.ORACLE_MAINTAINED = 'N'
 WHERE c.HIDDEN_COLUMN = 'NO' AND t.NESTED = 'NO' AND t.SECONDARY = 'N'
 ORDER BY c.OWNER, c.TABLE_NAME, c.COLUMN_ID`;

export const PRIMARY_KEYS_QUERY = `
SELECT k.OWNER, k.TABLE_NAME, k.COLUMN_NAME, k.POSITION
  FROM ALL_CONSTRAINTS p
  JOIN ALL_CONS_COLUMNS k ON k.OWNER = p.OWNER AND k.CONSTRAINT_NAME = p.CONSTRAINT_NAME AND k.TABLE_NAME = p.TABLE_NAME
  JOIN ALL_USERS u ON u.USERNAME = p.OWNER AND u.ORACLE_MAINTAINED = 'N'
 WHERE p.CONSTRAINT_TYPE = 'P'
 ORDER BY k.OWNER, k.TABLE_NAME, k.POSITION`;

const CHARACTER = new Set(["char", "varchar2", "nchar", "nvarchar2"]);

/** The engine-neutral catalog from the rows of the two queries. */
export function oracleCatalog(columns: readonly OracleColumnRow[], keys: readonly OracleKeyRow[]): Catalog {
  return {
    columns: columns.map((r) => {
      // `TIMESTAMP(6) WITH TIME ZONE` → `timestamp with time zone`; the fraction digits are in DATA_SCALE.
      const sourceType = r.DATA_TYPE.toLowerCase().replace(/\(\d+\)/g, "");
      return {
        schema: r.OWNER,
        table: r.TABLE_NAME,
        name: r.COLUMN_NAME,
        ordinal: r.COLUMN_ID,
        nullable: r.NULLABLE === "Y",
        sourceType,
        length: CHARACTER.has(sourceType) ? r.CHAR_LENGTH : sourceType === "raw" ? r.DATA_LENGTH : undefined,
        precision: r.DATA_PRECISION ?? undefined,
        scale: r.DATA_SCALE ?? undefined,
        isVirtual: r.VIRTUAL_COLUMN === "YES",
      };
    }),
    primaryKeys: keys.map((k) => ({ schema: k.OWNER, table: k.TABLE_NAME, column: k.COLUMN_NAME, position: k.POSITION })),
  };
}

/** Reads the catalog behind `url` (`oracle://user:password@host:1521/service_name`). */
export async function readOracleCatalog(url: string): Promise<{ database: string; catalog: Catalog }> {
  const c = parseConnectionUrl("oracle", url);
  let conn: Connection;
  try {
    conn = await oracledb.getConnection({
      user: c.user,
      password: c.password,
      connectString: `${c.host}:${c.port}/${c.database}`,
      connectTimeout: 15,
    });
  } catch (err) {
    throw connectionError("oracle", c, err);
  }
  try {
    const opts = { outFormat: oracledb.OUT_FORMAT_OBJECT };
    const columns = (await conn.execute<OracleColumnRow>(COLUMNS_QUERY, [], opts)).rows ?? [];
    const keys = (await conn.execute<OracleKeyRow>(PRIMARY_KEYS_QUERY, [], opts)).rows ?? [];
    return { database: c.database, catalog: oracleCatalog(columns, keys) };
  } finally {
    await conn.close();
  }
}
