/**
 * Writes Parquet exactly as the metadata's `ParquetType` says, through hyparquet-writer's explicit-schema API: each
 * column gets its physical type and the converted-type annotation DMS's Parquet 1.0 writer uses. Used by the DMS
 * generator and by tests that need deliberately wrong files.
 */
import type { SchemaElement } from "hyparquet";
import type { ParquetType } from "../../../metadata/format";
import { hyparquetWriter } from "./hyparquet-writer";

/** Values in the form the writer takes: number (INT32, FLOAT, DOUBLE, DATE days, TIME millis), bigint (INT64,
 * TIMESTAMP micros, DECIMAL unscaled), boolean, string (STRING), Uint8Array (BYTE_ARRAY), an object (a nested
 * group, tests only); null for a null. */
export type ParquetValue = number | bigint | boolean | string | Uint8Array | null | Record<string, unknown>;

export interface ParquetColumn {
  name: string;
  /**
   * A column's type; `{ elements }` writes arbitrary schema elements instead (tests of nested or odd types): the
   * column's own element (its name is set from `name`) followed by its children, depth first.
   */
  type: ParquetType | { elements: Array<Partial<SchemaElement>> };
  values: ParquetValue[];
  /** REQUIRED instead of OPTIONAL; DMS writes every column OPTIONAL. */
  required?: boolean;
}

export interface ParquetWriteOptions {
  /** Column statistics in the footer (default true, as DMS writes them). */
  statistics?: boolean;
  rowGroupSize?: number;
  /** Extra key/value metadata, e.g. to make a footer deliberately huge. */
  kvMetadata?: Array<{ key: string; value: string }>;
}

/**
 * The schema element for a column, annotated with the legacy converted type only — exactly what DMS's Parquet 1.0
 * writer emits. Logical-type annotations are written only where no converted type exists (NANOS units): hyparquet-writer
 * encodes the INTEGER logical type's bitWidth as i32 instead of i8, which strict readers such as DuckDB refuse.
 */
export function schemaElement(name: string, t: ParquetType, required = false): SchemaElement {
  const el: SchemaElement = { name, type: t.physical, repetition_type: required ? "REQUIRED" : "OPTIONAL" };
  if (t.length !== undefined) el.type_length = t.length;
  const l = t.logical;
  switch (l?.type) {
    case undefined:
      break;
    case "INTEGER":
      el.converted_type = `${l.signed ? "" : "U"}INT_${l.bitWidth}` as SchemaElement["converted_type"];
      break;
    case "DECIMAL":
      Object.assign(el, { converted_type: "DECIMAL", precision: l.precision, scale: l.scale });
      break;
    case "STRING":
      el.converted_type = "UTF8";
      break;
    case "DATE":
      el.converted_type = "DATE";
      break;
    case "TIME":
      if (l.unit === "NANOS") el.logical_type = { type: "TIME", unit: l.unit, isAdjustedToUTC: false };
      else el.converted_type = l.unit === "MILLIS" ? "TIME_MILLIS" : "TIME_MICROS";
      break;
    case "TIMESTAMP":
      if (l.unit === "NANOS") el.logical_type = { type: "TIMESTAMP", unit: l.unit, isAdjustedToUTC: l.utc };
      else el.converted_type = l.unit === "MILLIS" ? "TIMESTAMP_MILLIS" : "TIMESTAMP_MICROS";
      break;
  }
  return el;
}

/** The Parquet file's bytes. */
export function writeParquet(columns: ParquetColumn[], opts: ParquetWriteOptions = {}): Uint8Array {
  const schema: SchemaElement[] = [{ name: "root", num_children: columns.length }];
  for (const c of columns) {
    if ("elements" in c.type)
      schema.push({ ...c.type.elements[0], name: c.name }, ...(c.type.elements.slice(1) as SchemaElement[]));
    else schema.push(schemaElement(c.name, c.type, c.required));
  }
  const buffer = hyparquetWriter.parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: c.values as never, nullable: !c.required })),
    schema,
    statistics: opts.statistics ?? true,
    // Whole 35-digit change sequences in the statistics, so minSeq/maxSeq come from the footer.
    statisticsTruncateLength: 64,
    rowGroupSize: opts.rowGroupSize ?? 100_000,
    kvMetadata: opts.kvMetadata,
    createdBy: "cdc-pipelines dms-generator",
  });
  return new Uint8Array(buffer);
}
