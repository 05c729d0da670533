/**
 * Whether a file column's Parquet type is what the metadata promises. Exact match per `targetTypes`, plus the
 * widenings below, each of which every target type can still hold without loss:
 *
 * - INTEGER of a narrower width, same signedness (INT(8) where INT(16) is expected), or unsigned into a wider signed
 *   integer (UINT(16) where INT(32) is expected);
 * - where plain INT64 is expected (DMS UINT4), any INTEGER of at most 32 bits and plain INT32;
 * - FLOAT where DOUBLE is expected;
 * - DECIMAL with the same scale and a precision no larger, in any physical encoding Parquet allows for it
 *   (INT32 up to 9 digits, INT64 up to 18, FIXED_LEN_BYTE_ARRAY);
 * - TIMESTAMP's UTC flag is ignored: Parquet 1.0 writers such as DMS can only say TIMESTAMP_MICROS.
 *
 * Everything else, including STRING versus plain BYTE_ARRAY, must match exactly.
 */
import type { ParquetType } from "../../../metadata/format";

export function typeMatches(expected: ParquetType, found: ParquetType | { unsupported: string }): boolean {
  if ("unsupported" in found) return false;
  const e = expected.logical;
  const f = found.logical;
  if (e?.type === "DECIMAL") {
    if (f?.type !== "DECIMAL" || f.scale !== e.scale || f.precision > e.precision) return false;
    if (found.physical === "INT32") return f.precision <= 9;
    if (found.physical === "INT64") return f.precision <= 18;
    return found.physical === "FIXED_LEN_BYTE_ARRAY" || found.physical === "BYTE_ARRAY";
  }
  if (e?.type === "INTEGER") {
    if (f?.type !== "INTEGER") return false;
    if (found.physical !== (f.bitWidth === 64 ? "INT64" : "INT32")) return false;
    if (f.signed === e.signed) return f.bitWidth <= e.bitWidth;
    return !f.signed && e.signed && f.bitWidth < e.bitWidth;
  }
  if (e === undefined && expected.physical === "INT64") {
    if (found.physical === "INT64" && f === undefined) return true;
    if (found.physical === "INT32" && (f === undefined || (f.type === "INTEGER" && f.bitWidth <= 32))) return true;
    return false;
  }
  if (e === undefined && expected.physical === "DOUBLE")
    return f === undefined && (found.physical === "DOUBLE" || found.physical === "FLOAT");
  if (found.physical !== expected.physical) return false;
  if (e === undefined || f === undefined) return e === f;
  switch (e.type) {
    case "TIMESTAMP":
      return f.type === "TIMESTAMP" && f.unit === e.unit;
    case "TIME":
      return f.type === "TIME" && f.unit === e.unit;
    default:
      return f.type === e.type;
  }
}
