/**
 * The committed metadata files (DESIGN §4): `metadata/sources/<source>/source.json` and one
 * `tables/<schema>.<table>.json` per table. They are the single source of truth about a source's tables: the DMS task
 * selects exactly these tables, validation checks files against them, the Glue catalog and the targets are built
 * from them. Serialisation is deterministic so a PR diff shows only real schema changes.
 */
import { z } from "zod";
import { ENGINES } from "./engines";
import { DMS_TYPES } from "./dms-types";
import { layoutJson } from "./json-layout";
import { tableNameIssues } from "./name-rules";
import { partitionFieldSchema, partitionIssues } from "./partition-spec";

/** How a column is stored in the Parquet files DMS writes: physical type plus logical annotation. */
export const parquetTypeSchema = z.strictObject({
  physical: z.enum(["BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"]),
  logical: z
    .discriminatedUnion("type", [
      z.strictObject({
        type: z.literal("INTEGER"),
        bitWidth: z.union([z.literal(8), z.literal(16), z.literal(32), z.literal(64)]),
        signed: z.boolean(),
      }),
      z.strictObject({ type: z.literal("DECIMAL"), precision: z.number().int().min(1).max(76), scale: z.number().int().min(0) }),
      z.strictObject({ type: z.literal("STRING") }),
      z.strictObject({ type: z.literal("DATE") }),
      z.strictObject({ type: z.literal("TIME"), unit: z.enum(["MILLIS", "MICROS", "NANOS"]) }),
      z.strictObject({ type: z.literal("TIMESTAMP"), unit: z.enum(["MILLIS", "MICROS", "NANOS"]), utc: z.boolean() }),
    ])
    .optional(),
  /** Byte width of a FIXED_LEN_BYTE_ARRAY. */
  length: z.number().int().positive().optional(),
});
export type ParquetType = z.infer<typeof parquetTypeSchema>;

export const columnSchema = z.strictObject({
  name: z.string().min(1),
  /** 1-based position in the source table. */
  ordinal: z.number().int().positive(),
  /** The engine's own type name, lower-case, without arguments (`decimal`, `nvarchar`, `timestamp with time zone`). */
  sourceType: z.string().min(1),
  /** The AWS DMS data type the source type maps to. */
  dmsType: z.enum(DMS_TYPES),
  /** Characters (or bytes for binary types) for sized types; absent for unbounded ones. */
  length: z.number().int().positive().optional(),
  precision: z.number().int().positive().optional(),
  scale: z.number().int().min(0).optional(),
  nullable: z.boolean(),
  parquet: parquetTypeSchema,
  /**
   * A large object (DMS BLOB/CLOB/NCLOB): DMS carries it through the task's LOB settings, so in limited LOB mode a value
   * longer than `LobMaxSize` arrives cut; validation flags values that reach the limit. Absent for every other column.
   */
  lob: z.literal(true).optional(),
});
export type ColumnMetadata = z.infer<typeof columnSchema>;

export const excludedColumnSchema = z.strictObject({
  name: z.string().min(1),
  ordinal: z.number().int().positive(),
  sourceType: z.string().min(1),
  /** Why DMS does not replicate it (LOB in limited mode, unsupported type, …); shown in reviews and validation messages. */
  reason: z.string().min(1),
});
export type ExcludedColumn = z.infer<typeof excludedColumnSchema>;

export const tableMetadataSchema = z
  .strictObject({
    schema: z.string().min(1),
    table: z.string().min(1),
    /** Replicated columns in source ordinal order. */
    columns: z.array(columnSchema).min(1),
    /** Primary-key column names in key order; empty for a table without one (published as an append-only change log). */
    primaryKey: z.array(z.string()),
    /** Columns left out of replication, each with its reason; never dropped silently. */
    excluded: z.array(excludedColumnSchema),
    /** The Iceberg target's partition spec, set by hand (partition-spec.ts); absent: unpartitioned. */
    partitionBy: z.array(partitionFieldSchema).min(1).optional(),
  })
  // Names every target, file path and reader can hold (name-rules.ts); collisions between tables are checked where a
  // whole source is read or written (name-checks.ts).
  .superRefine((t, ctx) => {
    for (const issue of tableNameIssues(t)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    for (const issue of partitionIssues(t)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });
export type TableMetadata = z.infer<typeof tableMetadataSchema>;

export const sourceMetadataSchema = z.strictObject({
  source: z.string().min(1),
  engine: z.enum(ENGINES),
  database: z.string().min(1),
  /** When the schema last changed as seen by the extractor (not when it last ran), so an unchanged re-extraction changes no byte. */
  extractedAt: z.iso.datetime(),
  /** `<schema>.<table>` of every table file, sorted. */
  tables: z.array(z.string()),
});
export type SourceMetadata = z.infer<typeof sourceMetadataSchema>;

/** `<schema>.<table>`, the id of a table in metadata file names, globs and messages. */
export function tableId(t: { schema: string; table: string }): string {
  return `${t.schema}.${t.table}`;
}

/**
 * JSON with object keys sorted at every level, two-space indent and a trailing newline, laid out as Prettier lays out
 * the committed file (short scalar arrays on one line), so `prettier --check` and regeneration agree byte for byte.
 * Array order is kept.
 */
export function serializeMetadata(value: unknown): string {
  return layoutJson(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
