/**
 * The change sequence every target compares (DESIGN §5) and the full-load rule.
 *
 * DMS writes `cdc_seq` (`$AR_H_CHANGE_SEQ`) as a 35-digit decimal string, unique per task and increasing in commit
 * order; full-load rows carry an empty or null `cdc_seq`. Every dialect stores the *normalised* sequence in `_cdc_seq`:
 * the digits left-padded with zeros to 35 characters, so plain string comparison is numeric comparison in Spark,
 * Trino, DuckDB and MySQL alike (no 35-digit integer type needed, no floating point, no NULL).
 *
 * Full-load rows get {@link FULL_LOAD_SEQ}, 35 zeros, which sorts before every CDC sequence. The guard applies a
 * change only when its sequence is strictly greater than the key's stored `_cdc_seq` and than its tombstone, so:
 * - a full-load row lands only on a key that has neither a row nor a tombstone in the target;
 * - replaying a full load after CDC never regresses a row (0 is not greater than any stored sequence, including the
 *   0 of a row that itself came from a full load) and never resurrects a deleted one (the tombstone is greater than 0)
 *   — until that tombstone has expired, which is what the retention is for;
 * - within one batch, rows of equal sequence (only full-load rows, or the same change in a duplicated file) are
 *   ordered by file order, then row order, and the last one wins.
 */

/** Digits of DMS's `$AR_H_CHANGE_SEQ`. */
export const SEQ_WIDTH = 35;

/** The normalised sequence of a full-load row: lower than every CDC change. */
export const FULL_LOAD_SEQ = "0".repeat(SEQ_WIDTH);

/** The normalised sequence of a `cdc_seq` value as DMS wrote it (null/empty for full load). Throws on non-digits. */
export function normalizeSeq(raw: string | null | undefined): string {
  const s = (raw ?? "").trim();
  if (s === "") return FULL_LOAD_SEQ;
  if (!/^\d+$/.test(s) || s.length > SEQ_WIDTH) {
    throw new Error(`cdc_seq ${JSON.stringify(raw)}: expected at most ${SEQ_WIDTH} decimal digits`);
  }
  return s.padStart(SEQ_WIDTH, "0");
}

/**
 * DMS writes `cdc_timestamp` as `yyyy-MM-dd HH:mm:ss.ffffff` (UTC); tombstones keep the delete's timestamp in that form
 * and expire by string comparison against a cutoff rendered the same way.
 */
export function formatCdcTimestamp(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error("invalid date for a cdc_timestamp");
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}000`;
}

/** The tombstone cutoff: tombstones of deletes older than `retentionDays` before `asOf` may be expired. */
export function tombstoneCutoff(asOf: Date, retentionDays: number): string {
  if (!(retentionDays > 0)) throw new Error(`tombstone retention ${retentionDays}: expected a positive number of days`);
  return formatCdcTimestamp(new Date(asOf.getTime() - retentionDays * 86_400_000));
}
