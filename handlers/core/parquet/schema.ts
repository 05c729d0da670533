/**
 * The columns of a Parquet file as validation sees them: top-level fields with their type normalised to the
 * metadata's `ParquetType` (logical annotation preferred, legacy converted type otherwise — DMS writes Parquet 1.0
 * files that carry only converted types).
 */
import type { FileMetaData, SchemaElement } from "hyparquet";
import type { ParquetType } from "../../../metadata/format";

export interface FileColumn {
  /** Field name as written in the file. */
  name: string;
  /** A group (struct, list, map) or a repeated field: DMS never writes one, so it can never match a metadata column. */
  nested: boolean;
  /** REQUIRED fields cannot hold nulls, whatever the statistics say. */
  required: boolean;
  /** The normalised type, or a description of an annotation the metadata format has no word for. */
  type: ParquetType | { unsupported: string };
  element: SchemaElement;
}

/** Each footer's columns, worked out once: the rules, the value reader and the large-file check all ask. */
const columnsOf = new WeakMap<FileMetaData, readonly FileColumn[]>();

/** Top-level fields of the file's schema, in file order. */
export function fileColumns(metadata: FileMetaData): readonly FileColumn[] {
  let columns = columnsOf.get(metadata);
  if (!columns) {
    columns = readColumns(metadata);
    columnsOf.set(metadata, columns);
  }
  return columns;
}

function readColumns(metadata: FileMetaData): FileColumn[] {
  const schema = metadata.schema;
  const out: FileColumn[] = [];
  let i = 1;
  const rootChildren = schema[0]?.num_children ?? 0;
  for (let c = 0; c < rootChildren && i < schema.length; c++) {
    const element = schema[i];
    const group = (element.num_children ?? 0) > 0;
    // A REPEATED primitive is a list in disguise: one row may hold many values, so it is nested too.
    const repeated = !group && element.repetition_type === "REPEATED";
    out.push({
      name: element.name,
      nested: group || repeated,
      required: element.repetition_type === "REQUIRED",
      type: group ? { unsupported: "nested group" } : repeated ? { unsupported: "repeated field" } : normaliseType(element),
      element,
    });
    i += subtreeSize(schema, i);
  }
  return out;
}

function subtreeSize(schema: SchemaElement[], at: number): number {
  let size = 1;
  for (let c = 0; c < (schema[at].num_children ?? 0); c++) size += subtreeSize(schema, at + size);
  return size;
}

/** The element's physical type with its logical meaning, from `logical_type` or else `converted_type`. */
export function normaliseType(e: SchemaElement): ParquetType | { unsupported: string } {
  const physical = e.type;
  if (physical === undefined || physical === "INT96") return { unsupported: physical ?? "no physical type" };
  const base: ParquetType = { physical };
  if (physical === "FIXED_LEN_BYTE_ARRAY" && e.type_length !== undefined) base.length = e.type_length;
  const lt = e.logical_type;
  if (lt) {
    switch (lt.type) {
      case "STRING":
      case "DATE":
        return { ...base, logical: { type: lt.type } };
      case "DECIMAL":
        return { ...base, logical: { type: "DECIMAL", precision: lt.precision, scale: lt.scale } };
      case "TIME":
        return { ...base, logical: { type: "TIME", unit: lt.unit } };
      case "TIMESTAMP":
        return { ...base, logical: { type: "TIMESTAMP", unit: lt.unit, utc: lt.isAdjustedToUTC } };
      case "INTEGER":
        if ([8, 16, 32, 64].includes(lt.bitWidth)) {
          return { ...base, logical: { type: "INTEGER", bitWidth: lt.bitWidth as 8 | 16 | 32 | 64, signed: lt.isSigned } };
        }
        return { unsupported: `${physical} INTEGER(${lt.bitWidth})` };
      default:
        return { unsupported: `${physical} ${lt.type}` };
    }
  }
  const ct = e.converted_type;
  if (ct === undefined) return base;
  const int = /^(U?)INT_(8|16|32|64)$/.exec(ct);
  if (int) return { ...base, logical: { type: "INTEGER", bitWidth: Number(int[2]) as 8 | 16 | 32 | 64, signed: int[1] === "" } };
  switch (ct) {
    case "UTF8":
      return { ...base, logical: { type: "STRING" } };
    case "DATE":
      return { ...base, logical: { type: "DATE" } };
    case "DECIMAL":
      return { ...base, logical: { type: "DECIMAL", precision: e.precision ?? 0, scale: e.scale ?? 0 } };
    case "TIME_MILLIS":
    case "TIME_MICROS":
      return { ...base, logical: { type: "TIME", unit: ct === "TIME_MILLIS" ? "MILLIS" : "MICROS" } };
    case "TIMESTAMP_MILLIS":
    case "TIMESTAMP_MICROS":
      // The legacy annotation says nothing reliable about UTC adjustment; Parquet 1.0 writers (DMS) use it for local times.
      return { ...base, logical: { type: "TIMESTAMP", unit: ct === "TIMESTAMP_MILLIS" ? "MILLIS" : "MICROS", utc: false } };
    default:
      return { unsupported: `${physical} ${ct}` };
  }
}

/** `INT32 INTEGER(8, signed)`, `FIXED_LEN_BYTE_ARRAY(5) DECIMAL(10,2)`, `BYTE_ARRAY STRING` — for messages. */
export function describeType(t: ParquetType | { unsupported: string }): string {
  if ("unsupported" in t) return t.unsupported;
  const physical = t.physical === "FIXED_LEN_BYTE_ARRAY" && t.length !== undefined ? `${t.physical}(${t.length})` : t.physical;
  const l = t.logical;
  if (!l) return physical;
  switch (l.type) {
    case "INTEGER":
      return `${physical} INTEGER(${l.bitWidth}, ${l.signed ? "signed" : "unsigned"})`;
    case "DECIMAL":
      return `${physical} DECIMAL(${l.precision},${l.scale})`;
    case "TIME":
      return `${physical} TIME(${l.unit})`;
    case "TIMESTAMP":
      return `${physical} TIMESTAMP(${l.unit})`;
    default:
      return `${physical} ${l.type}`;
  }
}
