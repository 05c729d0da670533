/**
 * `npm run bench [filter]`: runs every `bench/*.bench.ts` (or those whose file name contains the filter) one after
 * another and prints each one's side-by-side table. Benchmarks measure; they never assert timings.
 * Sizes default small enough for a laptop; each benchmark documents its env knobs (e.g. CDC_BENCH_ROWS).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface Benchmark {
  /** What is compared, e.g. "footer-only vs full read". */
  title: string;
  run(): Promise<void>;
}

async function main(): Promise<void> {
  const filter = process.argv[2] ?? "";
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts") && f.includes(filter))
    .sort();
  if (files.length === 0) {
    console.error(`bench: no bench/*.bench.ts matches "${filter}"`);
    process.exitCode = 2;
    return;
  }
  for (const file of files) {
    const bench = (await import(path.join(__dirname, file))).default as Benchmark;
    console.log(`\n== ${file}: ${bench.title}`);
    await bench.run();
  }
}

if (require.main === module) void main();
