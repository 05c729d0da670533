/**
 * `cdc replay <dms-output-dir> --metadata <dir> --out <dir> [--mysql <url>] [--engine duckdb|spark]`: validate every file
 * of a DMS output tree with the same rules as the validate Lambda, apply the accepted ones in DMS order with the DuckDB
 * executor — or, with `--engine spark`, with the Glue job's own code on local Spark + Iceberg — (and a MySQL target when
 * given), and write the publication (`<out>/<schema>.<table>.parquet`) and `<out>/report.json`.
 *
 * Each table's accepted files form one batch in DMS order, applied to a fresh in-memory DuckDB — exactly what one Glue
 * run over the whole directory would do — so running twice, or over a tree with duplicated files, gives identical
 * Parquet files and table statistics. Statistics are net per key: a key inserted then updated counts as inserted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { tableId, type TableMetadata } from "../../../metadata/format";
import { findTable, readMetadataDir } from "../../../metadata/load";
import { compareDmsFiles } from "../../../handlers/core/dms-key";
import { validateLocalFile, type ValidationWarning, type Violation } from "../../../handlers/core/validation";
import { DuckDbExecutor } from "../../executors/duckdb";
import { applyBatchLocally } from "../../executors/local-apply";
import { MySqlExecutor } from "../../executors/mysql";
import { replayOnSpark } from "../../local/spark/replay-on-spark";
import { jdbcFromMysqlUrl } from "../../local/spark/spark-session";
import { EXIT, UserError, type CliIo } from "../io";
import { LOB_MAX_KB_HELP, lobLimitBytesFlag } from "../lob-limit-flag";
import type { MySqlFlavor } from "../../../handlers/core/plan/dialect";

export const REPLAY_ENGINES = ["duckdb", "spark"] as const;
export type ReplayEngine = (typeof REPLAY_ENGINES)[number];

export interface ReplayReport {
  files: {
    accepted: number;
    quarantined: Array<{ file: string; errors: Violation[] }>;
    /** Accepted files with warnings (LOB values that reach the limit), as the validate Lambda reports them. */
    warned?: Array<{ file: string; warnings: ValidationWarning[] }>;
  };
  tables: Record<string, { rows: number; inserted: number; updated: number; deleted: number; skippedStale: number }>;
}

export interface ReplayOptions {
  dmsDir: string;
  metadataDir: string;
  outDir: string;
  /** mysql://user:pass@host:port/database of a MySQL target to apply to as well. */
  mysqlUrl?: string;
  /** Which engine applies: DuckDB (default) or the Glue job's code on local Spark + Iceberg. */
  engine?: ReplayEngine;
  /** The DMS task's LobMaxSize in bytes (limited LOB mode); absent: full LOB mode, nothing flagged. */
  lobLimitBytes?: number;
  /** Progress lines. */
  progress?: (line: string) => void;
}

export function registerReplayCommands(program: Command, io: CliIo): void {
  program
    .command("replay")
    .description("Validate a DMS output directory and apply it locally: publication Parquet per table and report.json")
    .argument("<dms-output-dir>", "directory holding <schema>/<table>/*.parquet as DMS writes them")
    .requiredOption("--metadata <dir>", "the source's metadata directory (source.json + tables/)")
    .requiredOption("--out <dir>", "where <schema>.<table>.parquet and report.json are written")
    .option("--mysql <url>", "also apply to this MySQL/MariaDB database (mysql://user:pass@host:port/db)")
    .option("--engine <engine>", "duckdb, or spark: the Glue job's code on local Spark 3.5 + Iceberg", "duckdb")
    .option("--lob-max-kb <kb>", LOB_MAX_KB_HELP, "32")
    .action(async (dmsDir: string, opts: { metadata: string; out: string; mysql?: string; engine: string; lobMaxKb: string }) => {
      const report = await replayDirectory({
        dmsDir,
        metadataDir: opts.metadata,
        outDir: opts.out,
        mysqlUrl: opts.mysql,
        engine: checkEngine(opts.engine),
        lobLimitBytes: lobLimitBytesFlag(opts.lobMaxKb),
        progress: (l) => io.err(l),
      });
      const q = report.files.quarantined.length;
      io.out(`${report.files.accepted} files applied, ${q} quarantined; report in ${path.join(opts.out, "report.json")}`);
      for (const [table, t] of Object.entries(report.tables)) {
        io.out(
          `  ${table}: ${t.rows} rows (${t.inserted} inserted, ${t.updated} updated, ${t.deleted} deleted, ${t.skippedStale} stale)`,
        );
      }
      for (const f of report.files.quarantined) io.out(`  quarantined ${f.file}: ${f.errors.map((e) => e.message).join("; ")}`);
      for (const f of report.files.warned ?? [])
        for (const w of f.warnings) io.out(`  warning ${f.file}: ${w.code}: ${w.message}`);
      if (q > 0) io.exitCode = EXIT.failed;
    });
}

/** Validates, applies and writes the publication and report; returns the report. */
export async function replayDirectory(opts: ReplayOptions): Promise<ReplayReport> {
  const progress = opts.progress ?? (() => undefined);
  if (!fs.existsSync(opts.dmsDir) || !fs.statSync(opts.dmsDir).isDirectory()) {
    throw new UserError(`${opts.dmsDir}: no such directory`, EXIT.usage);
  }
  const mysqlTarget = opts.mysqlUrl !== undefined ? checkMysqlUrl(opts.mysqlUrl) : undefined;
  const { tables } = readMetadataDir(opts.metadataDir);
  const files = listParquet(opts.dmsDir);
  progress(`validating ${files.length} files under ${opts.dmsDir}`);

  const accepted = new Map<TableMetadata, string[]>();
  const quarantined: ReplayReport["files"]["quarantined"] = [];
  const warned: NonNullable<ReplayReport["files"]["warned"]> = [];
  for (const rel of files) {
    const result = await validateLocalFile(path.join(opts.dmsDir, rel), tables, opts.lobLimitBytes);
    if (result.warnings) warned.push({ file: rel, warnings: result.warnings });
    const meta = result.valid && result.table ? findTableById(tables, result.table) : undefined;
    if (!meta) {
      quarantined.push({ file: rel, errors: result.errors });
      continue;
    }
    accepted.set(meta, [...(accepted.get(meta) ?? []), rel]);
  }

  const report: ReplayReport = {
    files: { accepted: files.length - quarantined.length, quarantined, ...(warned.length > 0 && { warned }) },
    tables: {},
  };
  const ordered = [...accepted.keys()]
    .sort((a, b) => (tableId(a) < tableId(b) ? -1 : 1))
    .map((meta) => ({ meta, files: (accepted.get(meta) as string[]).sort(compareDmsFiles) }));
  if (opts.engine === "spark") {
    fs.mkdirSync(opts.outDir, { recursive: true });
    let flavor: MySqlFlavor | undefined;
    if (mysqlTarget) {
      // Connect once as the DuckDB path does: a bad URL fails here with one line, and the server says its flavor.
      const probe = await connectMysql(mysqlTarget);
      flavor = probe.flavor;
      await probe.close();
    }
    const tables = await replayOnSpark({
      dmsDir: opts.dmsDir,
      tables: ordered,
      outDir: opts.outDir,
      mysql: mysqlTarget && flavor ? { flavor, jdbc: jdbcFromMysqlUrl(mysqlTarget.url) } : undefined,
      progress,
    });
    for (const [id, t] of Object.entries(tables)) {
      const { inserted, updated, deleted, skippedStale } = t.counts;
      report.tables[id] = { rows: t.rows, inserted, updated, deleted, skippedStale };
    }
    fs.writeFileSync(path.join(opts.outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  }

  const duck = await DuckDbExecutor.open();
  const mysql = mysqlTarget ? await connectMysql(mysqlTarget) : undefined;
  try {
    fs.mkdirSync(opts.outDir, { recursive: true });
    for (const { meta, files: tableFiles } of ordered) {
      progress(`applying ${tableId(meta)}: ${tableFiles.length} files${mysql ? " (DuckDB and MySQL)" : ""}`);
      const counts = await applyBatchLocally(
        { duck, mysql },
        meta,
        tableFiles.map((rel) => ({ uri: path.resolve(opts.dmsDir, rel) })),
      );
      const target = path.join(opts.outDir, `${tableId(meta)}.parquet`);
      // Written next to its final name, then renamed: a crash never leaves half a publication file behind.
      const tmp = `${target}.tmp-${process.pid}`;
      const rows = await duck.exportParquet(meta, tmp);
      fs.renameSync(tmp, target);
      const { inserted, updated, deleted, skippedStale } = counts.duck;
      report.tables[tableId(meta)] = { rows, inserted, updated, deleted, skippedStale };
    }
    fs.writeFileSync(path.join(opts.outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    duck.close();
    await mysql?.close();
  }
}

/** Every `*.parquet` under `dir`, as `/`-separated paths relative to it, sorted. */
function listParquet(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.endsWith(".parquet")) out.push(child);
    }
  };
  walk("");
  return out.sort();
}

function findTableById(tables: readonly TableMetadata[], id: string): TableMetadata | undefined {
  const dot = id.indexOf(".");
  return findTable(tables, id.slice(0, dot), id.slice(dot + 1));
}

function checkEngine(engine: string): ReplayEngine {
  if (!(REPLAY_ENGINES as readonly string[]).includes(engine))
    throw new UserError(`--engine: expected ${REPLAY_ENGINES.join(" or ")}, got ${engine}`, EXIT.usage);
  return engine as ReplayEngine;
}

/** Refuses a `--mysql` value that is not a mysql:// URL naming a database, before any work is done. */
function checkMysqlUrl(url: string): { url: string; where: string } {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== "mysql:" || parsed.pathname.replace(/^\//, "") === "") {
    throw new UserError(
      "--mysql: expected mysql://user:pass@host:port/database (the database is where target tables go)",
      EXIT.usage,
    );
  }
  return { url, where: `${parsed.host}${parsed.pathname}` };
}

async function connectMysql(target: { url: string; where: string }): Promise<MySqlExecutor> {
  try {
    return await MySqlExecutor.connect(target.url);
  } catch (err) {
    const reason = (err as { code?: string; message?: string }).code ?? (err as Error).message;
    throw new UserError(`--mysql ${target.where}: cannot connect (${reason})`);
  }
}
