/**
 * When the newest change of a DMS file was committed at the source: the largest `cdc_timestamp` of the file, read from
 * the footer's statistics (DMS writes them: `EnableStatistics` on the S3 endpoint), never from the values. It is what
 * the poller measures "commit to target" from, so it travels with the file (the validated-file message, then the run
 * manifest) instead of being looked up later. DMS writes `cdc_timestamp` as `yyyy-MM-dd HH:mm:ss.ffffff` in UTC
 * (handlers/core/plan/sequence.ts), so the largest string is the latest time. For a full-load file DMS writes the
 * time the row was unloaded, which is what "committed" means for a row that was never changed since.
 */
import type { FileMetaData } from "hyparquet";
import { summaryFromStatistics } from "../parquet/column-summary";
import { TIMESTAMP_COLUMN } from "./rules";

const CDC_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z?$/;

/**
 * The latest `cdc_timestamp` of the file as an ISO-8601 UTC instant (milliseconds), or undefined when the footer has
 * no exact statistics for it or the value is not a DMS timestamp: the delay metric then skips the file rather than
 * guess.
 */
export function latestCommitAt(metadata: FileMetaData): string | undefined {
  const column = metadata.row_groups
    .flatMap((rg) => rg.columns)
    .map((c) => c.meta_data?.path_in_schema)
    .find((p) => p?.length === 1 && p[0].toLowerCase() === TIMESTAMP_COLUMN)?.[0];
  if (column === undefined) return undefined;
  const max = summaryFromStatistics(metadata, column, true)?.max;
  return max === undefined ? undefined : cdcTimestampToIso(max);
}

/** `2026-03-01 12:00:00.123456` → `2026-03-01T12:00:00.123Z`; undefined for anything else. */
export function cdcTimestampToIso(value: string): string | undefined {
  const m = CDC_TIMESTAMP.exec(value.trim());
  if (!m) return undefined;
  const millis = (m[3] ?? "").padEnd(3, "0").slice(0, 3);
  const d = new Date(`${m[1]}T${m[2]}.${millis}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
