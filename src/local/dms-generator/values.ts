/**
 * Deterministic values for every DMS type, in the form the Parquet writer takes for the type `targetTypes` gives it.
 */
import type { ColumnMetadata } from "../../../metadata/format";
import type { ParquetValue } from "./parquet-writer";

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: () => number, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const bigRandom = (rng: () => number, bits: number) => {
  let v = 0n;
  for (let b = 0; b < bits; b += 16) v = (v << 16n) | BigInt(int(rng, 0, 0xffff));
  return v & ((1n << BigInt(bits)) - 1n);
};
const WORDS = [
  "alpha",
  "Bravo",
  "charlie",
  "Δέλτα",
  "echo",
  "füßchen",
  "golf",
  "hôtel",
  "日本",
  "kilo",
  "lima",
  "O'Brien",
  "a,b",
  "",
];
const DAY_1990 = 7305;
const DAY_2030 = 21915;
/**
 * Days (since 1970-01-01, proleptic Gregorian as Parquet counts them) an engine gets wrong first: before the Gregorian
 * reform (Spark 3's rebase modes refuse or shift them in files Spark did not write), the ten days the Julian/Gregorian
 * hybrid calendar skips (1582-10-05..14), a Gregorian non-leap century (1500-03-01), and the extremes MySQL accepts.
 */
const EDGE_DAYS = [
  -354285, // 1000-01-01
  -171605, // 1500-03-01
  -141438, // 1582-10-04
  -141432, // 1582-10-10
  -141427, // 1582-10-15
  -1, // 1969-12-31
  2932896, // 9999-12-31
];
/** One day in twenty is an edge day. */
const day = (rng: () => number) => (rng() < 0.05 ? EDGE_DAYS[int(rng, 0, EDGE_DAYS.length - 1)] : int(rng, DAY_1990, DAY_2030));

/** Fractional digits of a TIME column: the source's precision (SQL Server time(7): 100 ns), 7 at most. */
const timeDigits = (col: ColumnMetadata) => Math.min(col.scale ?? 0, 7);
const timeUnitsPerSecond = (col: ColumnMetadata) => 10 ** timeDigits(col);
/** Distinct times of day at the column's precision. */
const timeUnits = (col: ColumnMetadata) => 86_400 * timeUnitsPerSecond(col);
const fraction = (col: ColumnMetadata, rng: () => number) => int(rng, 0, timeUnitsPerSecond(col) - 1);

/**
 * A time of day as DMS writes a TIME column under the table mappings' `change-data-type` rule: `HH:MM:SS`, then a
 * point and the source's fractional digits when it has any (`23:59:59.9999999` for time(7)). `units` counts
 * 10^-digits seconds from midnight.
 */
export function timeText(col: ColumnMetadata, units: number): string {
  const perSecond = timeUnitsPerSecond(col);
  const seconds = Math.floor(units / perSecond);
  const two = (n: number) => String(n).padStart(2, "0");
  const hms = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
  const digits = timeDigits(col);
  return digits === 0 ? hms : `${hms}.${String(units % perSecond).padStart(digits, "0")}`;
}

/** A realistic random value for the column (never null; the caller decides nulls). */
export function randomValue(col: ColumnMetadata, rng: () => number): Exclude<ParquetValue, null> {
  switch (col.dmsType) {
    case "BOOLEAN":
      return rng() < 0.5;
    case "INT1":
      return int(rng, -128, 127);
    case "INT2":
      return int(rng, -32768, 32767);
    case "INT4":
      return int(rng, -2147483648, 2147483647);
    case "INT8":
      return bigRandom(rng, 64) - (1n << 63n);
    case "UINT1":
      return int(rng, 0, 255);
    case "UINT2":
      return int(rng, 0, 65535);
    case "UINT4":
      return BigInt(int(rng, 0, 4294967295));
    case "UINT8":
      return bigRandom(rng, 64);
    case "REAL4":
      return Math.fround((rng() - 0.5) * 1e6);
    case "REAL8":
      return (rng() - 0.5) * 1e12;
    case "NUMERIC": {
      const precision = col.parquet.logical?.type === "DECIMAL" ? col.parquet.logical.precision : 18;
      const digits = int(rng, 1, precision);
      let v = 0n;
      for (let i = 0; i < digits; i++) v = v * 10n + BigInt(int(rng, i === 0 ? 1 : 0, 9));
      return rng() < 0.2 ? -v : v;
    }
    case "DATE":
      return day(rng);
    case "TIME": {
      // Midnight and the last instant of the day now and then: the values a text or TIME(n) column gets wrong first.
      const u = rng();
      const units =
        u < 0.05 ? 0 : u < 0.1 ? timeUnits(col) - 1 : int(rng, 0, 86_399) * timeUnitsPerSecond(col) + fraction(col, rng);
      return timeText(col, units);
    }
    case "DATETIME": {
      const micros = BigInt(day(rng)) * 86_400_000_000n + BigInt(int(rng, 0, 86_399_999)) * 1000n + BigInt(int(rng, 0, 999));
      // A source column keeps `scale` fractional digits (datetime2(3): milliseconds); DMS writes microseconds.
      const unit = 10n ** BigInt(6 - Math.min(col.scale ?? 6, 6));
      return micros - (micros % unit);
    }
    case "STRING":
    case "WSTRING":
    case "CLOB":
    case "NCLOB": {
      const max = Math.min(col.length ?? 40, 40);
      let s = "";
      while (s.length < max && rng() < 0.8) s += (s ? " " : "") + WORDS[int(rng, 0, WORDS.length - 1)];
      return Array.from(s).slice(0, max).join("");
    }
    case "BYTES":
    case "BLOB":
      return Uint8Array.from({ length: int(rng, 0, Math.min(col.length ?? 16, 16)) }, () => int(rng, 0, 255));
  }
}

/** Largest key id a column can represent without collisions. */
export function keyCapacity(col: ColumnMetadata): number {
  switch (col.dmsType) {
    case "INT1":
      return 127;
    case "UINT1":
      return 255;
    case "INT2":
      return 32767;
    case "UINT2":
      return 65535;
    case "BOOLEAN":
      return 1;
    case "TIME":
      return timeUnits(col) - 1;
    default:
      return Number.MAX_SAFE_INTEGER;
  }
}

/** The primary-key value of key id `k` (≥ 1) in this column: distinct ids give distinct values. */
export function keyValue(col: ColumnMetadata, k: number): Exclude<ParquetValue, null> {
  switch (col.dmsType) {
    case "BOOLEAN":
      return k % 2 === 1;
    case "INT1":
    case "INT2":
    case "INT4":
    case "UINT1":
    case "UINT2":
    case "DATE":
      return k;
    case "TIME":
      return timeText(col, k);
    case "INT8":
    case "UINT4":
    case "UINT8":
      return BigInt(k);
    case "REAL4":
    case "REAL8":
      return k;
    case "NUMERIC": {
      const scale = col.parquet.logical?.type === "DECIMAL" ? col.parquet.logical.scale : 0;
      return BigInt(k) * 10n ** BigInt(scale);
    }
    case "DATETIME":
      return BigInt(k) * 1_000_000n;
    case "STRING":
    case "WSTRING":
    case "CLOB":
    case "NCLOB":
      return `k${String(k).padStart(8, "0")}`;
    case "BYTES":
    case "BLOB":
      return new TextEncoder().encode(String(k));
  }
}
