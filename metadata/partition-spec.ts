/**
 * A table's optional Iceberg partition spec (`partitionBy` in its metadata file): set by hand on a table large enough
 * to gain from it, kept when the metadata is re-extracted, and rendered into the target's CREATE TABLE … PARTITIONED BY.
 * Absent, the table is unpartitioned (most CDC tables are small, and every partition multiplies the files a run
 * writes). Only the target table is partitioned; its tombstones hold keys alone.
 */
import { z } from "zod";
import { targetTypes, type DmsColumnType } from "./dms-types";

/** Iceberg's partition transforms (Iceberg spec, "Partition Transforms"), as Spark's DDL names them. */
export const PARTITION_TRANSFORMS = ["identity", "year", "month", "day", "hour", "bucket", "truncate"] as const;
export type PartitionTransform = (typeof PARTITION_TRANSFORMS)[number];

export const partitionFieldSchema = z.strictObject({
  /** A replicated column of the table. */
  column: z.string().min(1),
  transform: z.enum(PARTITION_TRANSFORMS),
  /** Buckets (`bucket`) or kept width (`truncate`); those two only. */
  width: z.int().min(1).max(1_000_000).optional(),
});
export type PartitionField = z.infer<typeof partitionFieldSchema>;

/** The Glue (Iceberg) types each transform accepts; identity accepts every type the targets use. */
const ACCEPTS: Partial<Record<PartitionTransform, (glue: string) => boolean>> = {
  year: (t) => t === "date" || t === "timestamp",
  month: (t) => t === "date" || t === "timestamp",
  day: (t) => t === "date" || t === "timestamp",
  hour: (t) => t === "timestamp",
  bucket: (t) => !["float", "double", "boolean"].includes(t),
  truncate: (t) => /^(tinyint|smallint|int|bigint|decimal.*|string|binary)$/.test(t),
};

/** Every problem of a table's `partitionBy`, each with its path in the table file and one line saying what is expected. */
export function partitionIssues(t: {
  columns: ReadonlyArray<{ name: string } & DmsColumnType>;
  partitionBy?: readonly PartitionField[];
}): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const seen = new Set<string>();
  (t.partitionBy ?? []).forEach((f, i) => {
    const at = (key: string) => ["partitionBy", i, key];
    const column = t.columns.find((c) => c.name === f.column);
    if (!column) {
      issues.push({ path: at("column"), message: `partition column ${f.column} is not a replicated column of the table` });
      return;
    }
    const sized = f.transform === "bucket" || f.transform === "truncate";
    if (sized && f.width === undefined) issues.push({ path: at("width"), message: `${f.transform} needs a width` });
    if (!sized && f.width !== undefined)
      issues.push({ path: at("width"), message: `only bucket and truncate take a width, not ${f.transform}` });
    const glue = targetTypes(column).glue;
    if (ACCEPTS[f.transform]?.(glue) === false)
      issues.push({ path: at("transform"), message: `${f.transform} cannot partition ${f.column} (${glue})` });
    const key = `${f.column}/${f.transform}`;
    if (seen.has(key)) issues.push({ path: at("transform"), message: `${f.transform}(${f.column}) is listed twice` });
    seen.add(key);
  });
  return issues;
}

/** Spark SQL's partition expression of a field (`days(placed_at)`, `bucket(16, id)`), with `quote` quoting the column. */
export function partitionExpression(f: PartitionField, quote: (name: string) => string): string {
  const c = quote(f.column);
  switch (f.transform) {
    case "identity":
      return c;
    case "bucket":
    case "truncate":
      return `${f.transform}(${f.width}, ${c})`;
    default:
      return `${f.transform}s(${c})`;
  }
}

/**
 * Keeps each table's hand-set `partitionBy` through a re-extraction (the catalog knows nothing of it), unless the
 * columns it names changed so that it no longer fits: then it is dropped and `report` says so, for the PR to see.
 */
export function carryPartitionSpecs<
  T extends {
    schema: string;
    table: string;
    columns: ReadonlyArray<{ name: string } & DmsColumnType>;
    partitionBy?: PartitionField[];
  },
>(tables: T[], previous: readonly T[], report?: (line: string) => void): void {
  for (const t of tables) {
    const before = previous.find((p) => p.schema === t.schema && p.table === t.table)?.partitionBy;
    if (!before) continue;
    const issues = partitionIssues({ columns: t.columns, partitionBy: before });
    if (issues.length === 0) t.partitionBy = before;
    else report?.(`${t.schema}.${t.table}: partitionBy dropped: ${issues[0].message}`);
  }
}
