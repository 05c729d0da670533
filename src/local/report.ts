/**
 * What `cdc local` prints when it is done: per table the live rows and what the runs did, a few sample rows, the
 * landed → queryable latency (p50/p95), and one-line commands to query what it left in `.cdc-local/`.
 */
import * as path from "node:path";
import { tableId } from "../../metadata/format";
import { defaultTableNames } from "../../handlers/core/plan/plan";
import { addCounts, NO_CHANGES, type ApplyCounts } from "../executors/counts";
import type { LocalPipelineResult } from "./pipeline";

/** The q-th percentile (0–100) by nearest rank; undefined for no values. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Totals per table over every run (DuckDB's counts; MySQL applies the same plan to the same batches). */
export function tableTotals(result: LocalPipelineResult): Map<string, ApplyCounts> {
  const totals = new Map<string, ApplyCounts>(result.tables.map((t) => [tableId(t), NO_CHANGES]));
  for (const run of result.runs) {
    for (const t of run.tables) totals.set(t.table, addCounts(totals.get(t.table) ?? NO_CHANGES, t.lake));
  }
  return totals;
}

/** The report lines (results: stdout). */
export async function reportLines(result: LocalPipelineResult, cwd = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  const files = result.files;
  out.push(
    `cdc local: source ${result.source} → target ${result.target}: ${files.landed} DMS files landed in raw, ` +
      `${files.harmonized} validated, ${files.quarantined} quarantined, ${result.runs.length} runs applied` +
      ` to ${result.engine === "spark" ? "Iceberg on local Spark (copied into DuckDB)" : "DuckDB"}${result.mysql ? " and MySQL" : ""}`,
  );
  out.push("");
  const totals = tableTotals(result);
  const header = ["table", "rows", "inserted", "updated", "deleted", "stale"];
  const rows: string[][] = [];
  for (const meta of result.tables) {
    const live = (await result.duck.rows(meta)).length;
    const t = totals.get(tableId(meta)) ?? NO_CHANGES;
    const mysqlRows = result.mysql ? (await result.mysql.rows(meta)).length : undefined;
    const kind = meta.primaryKey.length === 0 ? " (change log)" : "";
    rows.push([
      `${tableId(meta)}${kind}`,
      mysqlRows === undefined ? String(live) : `${live} (MySQL ${mysqlRows})`,
      String(t.inserted),
      String(t.updated),
      String(t.deleted + t.tombstoned),
      String(t.skippedStale),
    ]);
  }
  out.push(...table(header, rows));
  out.push("");
  out.push("sample rows:");
  for (const meta of result.tables) {
    const sample = (await result.duck.rows(meta)).slice(0, 2);
    for (const row of sample) {
      const cells = Object.entries(row)
        .filter(([k]) => k !== "_cdc_timestamp" && k !== "_cdc_seq")
        .map(([k, v]) => `${k}=${short(v)}`);
      out.push(`  ${tableId(meta)}: ${cells.join(" ")}`);
    }
  }
  out.push("");
  const [p50, p95] = [percentile(result.latenciesMs, 50), percentile(result.latenciesMs, 95)];
  out.push(
    p50 === undefined
      ? "landed → queryable: no files applied"
      : `landed → queryable over ${result.latenciesMs.length} files: p50 ${p50} ms, p95 ${p95} ms ` +
          "(in AWS add the poller schedule, default 2 min, and Glue start-up)",
  );
  const db = path.relative(cwd, result.databaseFile) || result.databaseFile;
  const pub = path.relative(cwd, result.publicationDir) || result.publicationDir;
  const first = result.tables.find((t) => t.primaryKey.length > 0) ?? result.tables[0];
  const runs = path.relative(cwd, result.runsDir) || result.runsDir;
  out.push(`publication Parquet: ${pub}/<schema>.<table>.parquet; DuckDB database: ${db}`);
  out.push(`run manifests (the Spark and MySQL statements the Glue job would run): ${runs}/<runId>.json`);
  if (first) {
    const physical = defaultTableNames(first).target.join(".");
    out.push(`query: npm run cdc -- local --query "SELECT * FROM ${physical} LIMIT 5"`);
    out.push(`   or: duckdb ${db} "SELECT * FROM '${pub}/${tableId(first)}.parquet' LIMIT 5"`);
  }
  return out;
}

function short(v: unknown): string {
  const s = v === null ? "null" : typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 24 ? `${s.slice(0, 21)}…` : s;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)];
}
