/**
 * `cdc local` (`npm start`): the whole pipeline on this machine with no AWS and no configuration — see
 * src/local/pipeline.ts. `cdc local --query "<sql>"` queries the DuckDB database a previous run left behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { openDuckDb } from "../../executors/duckdb";
import { runLocalPipeline } from "../../local/pipeline";
import { reportLines } from "../../local/report";
import { EXIT, UserError, type CliIo } from "../io";

interface LocalFlags {
  metadata: string;
  out: string;
  rows: string;
  changes: string;
  rounds: string;
  seed: string;
  mysql?: string;
  engine: string;
  watch?: boolean;
  query?: string;
}

/** The example source local mode runs when no `--metadata` is given. */
export const DEFAULT_METADATA = path.resolve(__dirname, "../../../metadata/sources/sales");

function wholeNumber(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min)
    throw new UserError(`${flag}: expected a whole number ≥ ${min}, received ${JSON.stringify(value)}`, EXIT.usage);
  return n;
}

export function registerLocalCommands(program: Command, io: CliIo): void {
  program
    .command("local")
    .description(
      "Run one example pipeline end to end with no AWS: moto S3/SQS/SNS (needs `bash .ci/python-env`), generated DMS " +
        "files, the real validate, fan-out and poller handlers, manifests applied to DuckDB (and MySQL); leaves " +
        "publication Parquet and a DuckDB database",
    )
    .option("--metadata <dir>", "the source's metadata directory", path.relative(process.cwd(), DEFAULT_METADATA) || ".")
    .option(
      "--out <dir>",
      "where the DuckDB database, publication Parquet and generated files go (rebuilt each run)",
      ".cdc-local",
    )
    .option("--rows <n>", "full-load rows per table", "200")
    .option("--changes <n>", "CDC changes per table per round", "40")
    .option("--rounds <n>", "rounds of CDC files after the full load", "12")
    .option("--seed <n>", "random seed of the generated data", "1")
    .option("--mysql <url>", "also apply to this MySQL/MariaDB database (mysql://user:pass@host:port/db; env CDC_MYSQL_URL)")
    .option(
      "--engine <engine>",
      "who runs each Glue run: duckdb, or spark (the Glue job's code on local Spark 3.5 + Iceberg)",
      "duckdb",
    )
    .option("--watch", "keep generating and applying changes until Ctrl-C")
    .option("--query <sql>", "only run this SQL on the DuckDB database of the last run and print the rows")
    .action(async (flags: LocalFlags) => {
      if (flags.query !== undefined) return query(path.join(flags.out, "cdc.duckdb"), flags.query, io);
      const rows = wholeNumber("--rows", flags.rows, 1);
      const changes = wholeNumber("--changes", flags.changes, 1);
      const rounds = wholeNumber("--rounds", flags.rounds, 1);
      const seed = wholeNumber("--seed", flags.seed, 0);
      if (flags.engine !== "duckdb" && flags.engine !== "spark")
        throw new UserError(`--engine: expected duckdb or spark, got ${flags.engine}`, EXIT.usage);
      if (!fs.existsSync(path.join(flags.metadata, "source.json")))
        throw new UserError(
          `--metadata ${flags.metadata}: no source.json there (expected metadata/sources/<source>)`,
          EXIT.usage,
        );
      const mysqlUrl = flags.mysql ?? (process.env.CDC_MYSQL_URL || undefined);
      const stop = new AbortController();
      const onSigint = () => {
        io.err("stopping after the current round (Ctrl-C again to quit at once)");
        stop.abort();
        process.removeListener("SIGINT", onSigint);
      };
      if (flags.watch) {
        process.on("SIGINT", onSigint);
        io.err("watch mode: generating and applying changes until Ctrl-C");
      }
      try {
        const result = await runLocalPipeline({
          metadataDir: flags.metadata,
          outDir: flags.out,
          rows,
          changesPerRound: changes,
          rounds,
          seed,
          mysqlUrl,
          engine: flags.engine,
          watch: flags.watch ? stop.signal : undefined,
          progress: (line) => io.err(line),
        });
        try {
          for (const line of await reportLines(result)) io.out(line);
        } finally {
          await result.close();
        }
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    });
}

async function query(database: string, sql: string, io: CliIo): Promise<void> {
  if (!fs.existsSync(database)) throw new UserError(`${database}: no database yet; run \`npm start\` (cdc local) first`);
  const instance = await openDuckDb(database, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql).catch((err: Error) => {
      throw new UserError(`--query: ${err.message.split("\n")[0]}`);
    });
    io.out(reader.columnNames().join("\t"));
    for (const row of reader.getRowsJson()) io.out(row.map((v) => (v === null ? "NULL" : String(v))).join("\t"));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
