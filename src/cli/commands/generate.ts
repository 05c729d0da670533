/**
 * `cdc generate`: DMS-format output (full load, then a CDC stream) for a source's metadata, deterministic per seed —
 * test data, benchmark input and local-mode traffic without a database or DMS.
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import { readMetadataDir } from "../../../metadata/load";
import { generateDmsOutput } from "../../local/dms-generator";
import { EXIT, UserError, type CliIo } from "../io";

interface GenerateFlags {
  metadata: string;
  out: string;
  rows: string;
  changes: string;
  seed: string;
  table: string[];
  rowsPerFile: string;
  changesPerFile: string;
  duplicates: string;
  shuffle?: boolean;
  statistics: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function wholeNumber(flag: string, value: string, min = 0): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min)
    throw new UserError(`${flag}: expected a whole number ≥ ${min}, received ${JSON.stringify(value)}`, EXIT.usage);
  return n;
}

export function registerGenerateCommands(program: Command, io: CliIo): void {
  program
    .command("generate")
    .description("Write DMS-format Parquet (LOAD files, then CDC files with I/U/D, Op, cdc_timestamp, cdc_seq) from metadata")
    .requiredOption("--metadata <dir>", "the source's metadata directory (metadata/sources/<source>)")
    .requiredOption("--out <dir>", "where to write <schema>/<table>/*.parquet (like the raw bucket)")
    .option("--rows <n>", "full-load rows per table", "1000")
    .option("--changes <n>", "CDC changes per table", "1000")
    .option("--seed <n>", "random seed; the same seed writes the same bytes", "1")
    .option("--table <schema.table>", "only this table (repeatable; default: all)", collect, [])
    .option("--rows-per-file <n>", "rows per full-load file", "100000")
    .option("--changes-per-file <n>", "changes per CDC file", "1000")
    .option("--duplicates <fraction>", "fraction of CDC files delivered twice (0–1)", "0")
    .option("--shuffle", "shuffle rows inside each CDC file")
    .option("--no-statistics", "leave column statistics out of the footers")
    .action((flags: GenerateFlags) => {
      const duplicates = Number(flags.duplicates);
      if (!(duplicates >= 0 && duplicates <= 1))
        throw new UserError(
          `--duplicates: expected a fraction between 0 and 1, received ${JSON.stringify(flags.duplicates)}`,
          EXIT.usage,
        );
      if (!fs.existsSync(flags.metadata)) throw new UserError(`--metadata ${flags.metadata}: no such directory`, EXIT.usage);
      const { tables } = readMetadataDir(flags.metadata);
      const wanted = flags.table.map((t) => t.toLowerCase());
      const selected = wanted.length ? tables.filter((t) => wanted.includes(`${t.schema}.${t.table}`.toLowerCase())) : tables;
      const missing = wanted.filter((w) => !selected.some((t) => `${t.schema}.${t.table}`.toLowerCase() === w));
      if (missing.length) throw new UserError(`--table ${missing.join(", ")}: not in ${flags.metadata}`, EXIT.usage);
      let written = 0;
      const files = generateDmsOutput({
        tables: selected,
        outDir: flags.out,
        rows: wholeNumber("--rows", flags.rows),
        changes: wholeNumber("--changes", flags.changes),
        seed: wholeNumber("--seed", flags.seed),
        rowsPerLoadFile: wholeNumber("--rows-per-file", flags.rowsPerFile, 1),
        changesPerCdcFile: wholeNumber("--changes-per-file", flags.changesPerFile, 1),
        duplicateFiles: duplicates,
        shuffleRows: flags.shuffle ?? false,
        statistics: flags.statistics,
        onFile: (f) => {
          if (++written % 25 === 0) io.err(`${written} files written (${f.schema}.${f.table})`);
        },
      });
      for (const f of files)
        io.out(`${f.path}\t${f.kind}\t${f.rows} rows${f.duplicateOf ? `\tduplicate of ${f.duplicateOf}` : ""}`);
      io.err(`wrote ${files.length} files for ${selected.length} tables under ${flags.out}`);
    });
}
