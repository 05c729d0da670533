/** The physical tables one source table becomes in a target: the target table, its tombstones and (MySQL) staging. */
import type { TableMetadata } from "../../../metadata/format";

/** Physical names of a table's target, tombstone and (MySQL) staging tables, each as quoted-later name parts. */
export interface TableNames {
  target: string[];
  tombstones: string[];
  staging: string[];
}

/** `<schema>__<table>`, lower-case (Glue and Athena fold names), with tombstone and staging tables next to it. */
export function defaultTableNames(meta: TableMetadata, namespace: readonly string[] = []): TableNames {
  const base = `${meta.schema}__${meta.table}`.toLowerCase();
  return {
    target: [...namespace, base],
    tombstones: [...namespace, `${base}__tombstones`],
    staging: [...namespace, `${base}__staging`],
  };
}
