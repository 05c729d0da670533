/** The physical tables one source table becomes in a target: the target table, its tombstones and (MySQL) staging. */
import type { TableMetadata } from "../../../metadata/format";
import { fitIdentifier, MYSQL_IDENTIFIER_MAX } from "../../../metadata/naming";

/** Physical names of a table's target, tombstone and (MySQL) staging tables, each as quoted-later name parts. */
export interface TableNames {
  target: string[];
  tombstones: string[];
  staging: string[];
}

/** What each physical table appends to the base name; `__tombstones` is the longest. */
export const TABLE_SUFFIXES: Readonly<Record<keyof TableNames, string>> = {
  target: "",
  tombstones: "__tombstones",
  staging: "__staging",
};

/** Longest base name whose every physical table fits MySQL's identifier limit (64 - `__tombstones` = 52). */
export const MAX_BASE_NAME = MYSQL_IDENTIFIER_MAX - TABLE_SUFFIXES.tombstones.length;

/**
 * `<schema>__<table>`, lower-case (Glue and Athena fold names). A base longer than {@link MAX_BASE_NAME} is shortened by
 * `fitIdentifier` (start and end kept around a hash of the full name), in every target alike, so a table has one
 * name everywhere and its tombstone table still fits MySQL. Names that fit are never changed.
 */
export function targetBaseName(meta: Pick<TableMetadata, "schema" | "table">): string {
  return fitIdentifier(`${meta.schema}__${meta.table}`.toLowerCase(), MAX_BASE_NAME);
}

/** The target table with its tombstone and staging tables next to it, under `namespace` (Spark: catalog, database). */
export function defaultTableNames(meta: Pick<TableMetadata, "schema" | "table">, namespace: readonly string[] = []): TableNames {
  const base = targetBaseName(meta);
  return {
    target: [...namespace, base + TABLE_SUFFIXES.target],
    tombstones: [...namespace, base + TABLE_SUFFIXES.tombstones],
    staging: [...namespace, base + TABLE_SUFFIXES.staging],
  };
}
