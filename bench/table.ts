/** Printing helpers so every benchmark reports the same way: measured side by side with its baseline, as ratios. */
import type { ColumnMetadata } from "../metadata/format";
import { targetTypes, type DmsType } from "../metadata/dms-types";

/** A column of a benchmark table through the real type mapping; every column but the first (the key) is nullable. */
export function benchColumn(name: string, ordinal: number, dmsType: DmsType, extra: object = {}): ColumnMetadata {
  const base = { name, ordinal, sourceType: dmsType.toLowerCase(), dmsType, nullable: ordinal > 1, ...extra };
  return { ...base, parquet: targetTypes(base).parquet };
}

/** `candidate / baseline` for higher-is-better measures (rows/s), `baseline / candidate` for lower-is-better ones (bytes, seconds). */
export function ratio(baseline: number, candidate: number, higherIsBetter: boolean): string {
  const r = higherIsBetter ? candidate / baseline : baseline / candidate;
  return Number.isFinite(r) ? `${r.toFixed(r >= 100 ? 0 : r >= 10 ? 1 : 2)}×` : "n/a";
}

/** A fixed-width text table with a header row. */
export function printTable(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(cells[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells.slice(1)) console.log(line(r));
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

/** Seconds taken by `fn`, measured with the monotonic clock. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}
