/**
 * PostgreSQL extractor: information_schema.columns for the SQL-standard description of each column, pg_catalog for
 * what the standard views cannot say (enum types, primary-key order). Every schema but the system ones is read.
 */
import { Client } from "pg";
import type { Catalog } from "../extract";
import { connectionError, parseConnectionUrl } from "./connection";

/** One row of `COLUMNS_QUERY` as pg returns it (integers arrive as numbers, `int8` would be a string). */
export interface PostgresColumnRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  ordinal_position: number;
  data_type: string;
  udt_name: string;
  /** `pg_type.typtype` of the column's type: `b` base, `e` enum, `d` domain, `c` composite, … */
  typtype: string;
  is_nullable: "YES" | "NO";
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
}

export interface PostgresKeyRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  position: number;
}

const SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')";

export const COLUMNS_QUERY = `
SELECT c.table_schema, c.table_name, c.column_name, c.ordinal_position::int AS ordinal_position, c.data_type, c.udt_name,
       ty.typtype::text AS typtype, c.is_nullable, c.character_maximum_length::int AS character_maximum_length,
       c.numeric_precision::int AS numeric_precision, c.numeric_scale::int AS numeric_scale,
       c.datetime_precision::int AS datetime_precision
  FROM information_schema.columns c
  JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
  JOIN pg_catalog.pg_namespace un ON un.nspname = c.udt_schema
  JOIN pg_catalog.pg_type ty ON ty.typname = c.udt_name AND ty.typnamespace = un.oid
 WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ${SYSTEM_SCHEMAS} AND c.table_schema NOT LIKE 'pg_temp%'
 ORDER BY c.table_schema, c.table_name, c.ordinal_position`;

export const PRIMARY_KEYS_QUERY = `
SELECT n.nspname AS table_schema, cl.relname AS table_name, a.attname AS column_name, k.ord::int AS position
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class cl ON cl.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = cl.oid AND a.attnum = k.attnum
 WHERE i.indisprimary AND n.nspname NOT IN ${SYSTEM_SCHEMAS}
 ORDER BY 1, 2, 4`;

const num = (v: number | null): number | undefined => (v === null ? undefined : v);

/** The engine-neutral catalog from the rows of the two queries. */
export function postgresCatalog(columns: readonly PostgresColumnRow[], keys: readonly PostgresKeyRow[]): Catalog {
  return {
    columns: columns.map((r) => {
      const isArray = r.data_type === "ARRAY";
      const userDefined = r.data_type === "USER-DEFINED";
      // Arrays and user-defined types are named after the type itself (`int4[]`, `order_status`, `hstore`).
      const sourceType = isArray ? `${r.udt_name.replace(/^_/, "")}[]` : userDefined ? r.udt_name : r.data_type.toLowerCase();
      const temporal = /^(timestamp|time|interval)/.test(sourceType);
      return {
        schema: r.table_schema,
        table: r.table_name,
        name: r.column_name,
        ordinal: r.ordinal_position,
        nullable: r.is_nullable === "YES",
        sourceType,
        length: num(r.character_maximum_length),
        precision: temporal ? undefined : num(r.numeric_precision),
        scale: temporal ? num(r.datetime_precision) : num(r.numeric_scale),
        isEnum: userDefined && r.typtype === "e",
        isArray,
      };
    }),
    primaryKeys: keys.map((k) => ({ schema: k.table_schema, table: k.table_name, column: k.column_name, position: k.position })),
  };
}

/** Reads the catalog of the database named in `url` (`postgres://user:password@host:5432/database`). */
export async function readPostgresCatalog(url: string): Promise<{ database: string; catalog: Catalog }> {
  const c = parseConnectionUrl("postgres", url);
  const client = new Client({
    host: c.host,
    port: c.port,
    user: c.user || undefined,
    password: c.password || undefined,
    database: c.database || undefined,
    connectionTimeoutMillis: 10000,
    ssl: c.params.get("sslmode") === "require" ? { rejectUnauthorized: false } : undefined,
  });
  try {
    await client.connect();
  } catch (err) {
    throw connectionError("postgres", c, err);
  }
  try {
    const database = (await client.query<{ db: string }>("SELECT current_database() AS db")).rows[0].db;
    const columns = (await client.query<PostgresColumnRow>(COLUMNS_QUERY)).rows;
    const keys = (await client.query<PostgresKeyRow>(PRIMARY_KEYS_QUERY)).rows;
    return { database, catalog: postgresCatalog(columns, keys) };
  } finally {
    await client.end();
  }
}
