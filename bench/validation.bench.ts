/**
 * Validation cost per file: the footer plus the Op, cdc_seq and key chunks whose values it proves (range reads)
 * against reading the whole object, at 1 MB, 32 MB and 256 MB, and validation throughput for 50-column files against
 * decoding every value. Bytes and requests are counted by an in-memory range reader, so the numbers are exact and need
 * no network. Goal (issue 12): ≤ 10% of a 50-column file's bytes, ≥ 500 files/s.
 *
 * Knobs: CDC_BENCH_VALIDATION_SIZES_MB (default "1,32,256"), CDC_BENCH_VALIDATION_FILES (50-column files, default 300),
 * CDC_BENCH_VALIDATION_ROWS (rows per 50-column file, default 200).
 */
import { randomBytes } from "node:crypto";
import { targetTypes, type DmsType } from "../metadata/dms-types";
import type { TableMetadata } from "../metadata/format";
import { hyparquet } from "../handlers/core/parquet/esm";
import { countingReader, memoryReader } from "../handlers/core/parquet/range-reader";
import { validateObject } from "../handlers/core/validation";
import { writeParquet, type ParquetColumn } from "../src/local/dms-generator";
import type { Benchmark } from "./run";
import { formatNumber, printTable, ratio, timed } from "./table";

const KEY = "dbo/wide/20240102-030405678.parquet";
const STRING = targetTypes({ dmsType: "STRING" }).parquet;
const TYPES: DmsType[] = ["INT4", "INT8", "STRING", "NUMERIC", "DATETIME", "REAL8", "DATE", "BOOLEAN", "INT2", "WSTRING"];

/** `dbo.wide`: id + 48 typed columns + a BYTES payload column that sets the file size. */
function wideTable(): TableMetadata {
  const columns = [
    { name: "id", dmsType: "INT4" as DmsType },
    ...Array.from({ length: 48 }, (_, i) => ({ name: `c${String(i).padStart(2, "0")}`, dmsType: TYPES[i % TYPES.length] })),
    { name: "payload", dmsType: "BYTES" as DmsType },
  ];
  return {
    schema: "dbo",
    table: "wide",
    primaryKey: ["id"],
    excluded: [],
    columns: columns.map((c, i) => ({
      name: c.name,
      ordinal: i + 1,
      sourceType: c.dmsType.toLowerCase(),
      dmsType: c.dmsType,
      ...(c.dmsType === "NUMERIC" ? { precision: 18, scale: 2 } : {}),
      nullable: c.name !== "id",
      parquet: targetTypes({ dmsType: c.dmsType, ...(c.dmsType === "NUMERIC" ? { precision: 18, scale: 2 } : {}) }).parquet,
    })),
  };
}

function value(dmsType: DmsType, r: number): ParquetColumn["values"][number] {
  switch (dmsType) {
    case "INT4":
    case "INT2":
    case "DATE":
      return r % 30000;
    case "INT8":
    case "DATETIME":
    case "NUMERIC":
      return BigInt(r) * 1000n;
    case "REAL8":
      return r / 7;
    case "BOOLEAN":
      return r % 2 === 0;
    default:
      return `value ${r}`;
  }
}

/** A valid CDC file of `rows` rows whose payload column adds `payloadBytes` of incompressible data. */
function wideFile(table: TableMetadata, rows: number, payloadBytes: number, seqBase = 0, statistics = true): Uint8Array {
  const payload = payloadBytes > 0 ? randomBytes(payloadBytes) : undefined;
  const slice = payload ? Math.floor(payload.length / rows) : 0;
  const seq = (r: number) => `2024010203040500000${String(seqBase + r + 1).padStart(16, "0")}`;
  const columns: ParquetColumn[] = [
    { name: "Op", type: STRING, values: Array.from({ length: rows }, (_, r) => (r % 3 === 0 ? "I" : r % 3 === 1 ? "U" : "D")) },
    { name: "cdc_timestamp", type: STRING, values: Array(rows).fill("2024-01-02 03:04:05.000000") },
    { name: "cdc_seq", type: STRING, values: Array.from({ length: rows }, (_, r) => seq(r)) },
    ...table.columns.map((c) => ({
      name: c.name,
      type: c.parquet,
      values: Array.from({ length: rows }, (_, r) =>
        c.name === "payload"
          ? payload
            ? new Uint8Array(payload.subarray(r * slice, (r + 1) * slice))
            : null
          : value(c.dmsType, r),
      ),
    })),
  ];
  return writeParquet(columns, { rowGroupSize: Math.max(rows, 1), statistics });
}

async function bytesAndRequests(table: TableMetadata, sizesMb: number[]): Promise<void> {
  const rows: Array<Array<string | number>> = [];
  const base = wideFile(table, 2000, 0).length;
  for (const mb of sizesMb) {
    const file = wideFile(table, 2000, Math.max(0, mb * 1024 * 1024 - base));
    const footer = countingReader(memoryReader(file));
    const verdict = await validateObject({ key: KEY, tables: [table], reader: footer.reader });
    if (!verdict.valid) throw new Error(`benchmark file is invalid: ${JSON.stringify(verdict.errors)}`);
    const full = countingReader(memoryReader(file));
    const all = await full.reader.read(0, file.length);
    await validateObject({ key: KEY, tables: [table], reader: memoryReader(all) });
    // Without statistics the value rules need the key, Op and cdc_seq chunks: read by range, never the payload.
    const bare = countingReader(memoryReader(wideFile(table, 2000, Math.max(0, mb * 1024 * 1024 - base), 0, false)));
    if (!(await validateObject({ key: KEY, tables: [table], reader: bare.reader })).valid)
      throw new Error("benchmark file is invalid");
    rows.push([
      `${formatNumber(file.length / 1024 / 1024)} MB`,
      formatNumber(footer.stats.bytes),
      footer.stats.requests,
      formatNumber(full.stats.bytes),
      full.stats.requests,
      `${formatNumber((100 * footer.stats.bytes) / full.stats.bytes)}%`,
      footer.stats.bytes <= full.stats.bytes / 10 ? "yes" : "NO",
      formatNumber(bare.stats.bytes),
      bare.stats.requests,
    ]);
  }
  console.log("\nbytes and requests per file (valid CDC file, 51 columns, footer statistics present, values proven)");
  printTable(
    ["file", "validation bytes", "GETs", "full-read bytes", "GETs", "of the file", "≤ 10%", "no-stats bytes", "GETs"],
    rows,
  );
  console.log(
    "(validation: the footer (64 KiB from the end, one more GET for a bigger footer) and the Op, cdc_seq and key chunks",
  );
  console.log(
    " by range; the validate Lambda adds one HeadObject per file for its size and ETag. no-stats: the same file without",
  );
  console.log(" statistics, which also needs the NOT NULL columns' chunks)");
}

async function throughput(table: TableMetadata, files: number, rowsPerFile: number): Promise<void> {
  const corpus = Array.from({ length: files }, (_, i) => wideFile(table, rowsPerFile, 0, i * rowsPerFile));
  // Both methods once over the corpus first: a Lambda container validates file after file, so its steady state is
  // what counts; a cold JIT would measure the compiler.
  for (const f of corpus) {
    await validateObject({ key: KEY, tables: [table], reader: memoryReader(f) });
    await hyparquet.parquetReadObjects({ file: f.slice().buffer });
  }
  const footer = await timed(async () => {
    for (const f of corpus) {
      const r = await validateObject({ key: KEY, tables: [table], reader: memoryReader(f) });
      if (!r.valid) throw new Error("benchmark file is invalid");
    }
  });
  const decode = await timed(async () => {
    for (const f of corpus) {
      const own = new Uint8Array(f.byteLength);
      own.set(f);
      const rows = (await hyparquet.parquetReadObjects({ file: own.buffer })) as Array<Record<string, unknown>>;
      // What a validator without statistics must do: look at every key, Op and sequence value.
      if (rows.some((r) => r.id === null || !["I", "U", "D"].includes(r.Op as string) || r.cdc_seq === null))
        throw new Error("invalid");
    }
  });
  const perSecond = (s: number) => files / s;
  console.log(`\nvalidation throughput, ${files} files × 51 columns × ${rowsPerFile} rows (in memory, one core)`);
  printTable(
    ["method", "files/s", "vs full decode"],
    [
      ["full decode of every value", formatNumber(perSecond(decode.seconds)), "1.00×"],
      [
        "validation (footer, Op/cdc_seq/key values)",
        formatNumber(perSecond(footer.seconds)),
        ratio(perSecond(decode.seconds), perSecond(footer.seconds), true),
      ],
    ],
  );
  console.log(`goal ≥ 500 files/s: ${perSecond(footer.seconds) >= 500 ? "met" : "NOT met"}`);
}

const bench: Benchmark = {
  title: "validation: footer + value chunks vs full read (bytes, GETs) and files/s for 50-column files",
  async run() {
    const table = wideTable();
    const sizes = (process.env.CDC_BENCH_VALIDATION_SIZES_MB ?? "1,32,256")
      .split(",")
      .map(Number)
      .filter((n) => n > 0);
    await bytesAndRequests(table, sizes);
    await throughput(
      table,
      Number(process.env.CDC_BENCH_VALIDATION_FILES ?? 300),
      Number(process.env.CDC_BENCH_VALIDATION_ROWS ?? 200),
    );
  },
};

export default bench;
