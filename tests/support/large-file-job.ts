/**
 * The large-file Glue job for tests that do not start Spark: the checks it was handed, rendered for DuckDB over the same
 * bytes, and the result message built by the job's own Python (`result_message` in handlers/glue/validate_large_file.py),
 * so the contract between the Python job and the TypeScript Lambda is the real one. The job itself, on local Spark:
 * tests/handlers/glue/validate_large_file.spark.test.ts (with `motoOn` of tests/support/moto.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { TableMetadata } from "../../metadata/format";
import { duckdbChecks, renderLargeFileChecks } from "../../handlers/core/validation/large-file-checks";

const ROOT = path.resolve(__dirname, "../..");

/** Runs `python3` in the repository with `input` on stdin; throws with its stderr when it fails. */
export function python(args: string[], input?: string): { stdout: string; stderr: string } {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-pycache-"));
  try {
    const r = spawnSync("python3", args, {
      cwd: ROOT,
      input,
      encoding: "utf8",
      env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
    });
    if (r.status !== 0) throw new Error(`python3 ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

/** `result_message(parse_args(argv), row)` of the job's script, as the body it would send. */
export function pythonResultMessage(jobArguments: Record<string, string>, row: Record<string, unknown>): string {
  const argv = ["validate_large_file.py", ...Object.entries(jobArguments).flat()];
  const script =
    "import json, sys; sys.path.insert(0, 'handlers/glue'); import validate_large_file as v; " +
    "i = json.load(sys.stdin); sys.stdout.write(v.result_message(v.parse_args(i['argv']), i['row']))";
  return python(["-c", script], JSON.stringify({ argv, row })).stdout;
}

/**
 * What the job does for one hand-off: the checks' result row over `bytes` (DuckDB), then the message. `jobArguments`
 * are the StartJobRun arguments the Lambda passed, plus `--result_queue_url` as the deployment sets it.
 */
export async function runLargeFileJob(
  jobArguments: Record<string, string>,
  bytes: Uint8Array,
  table: TableMetadata,
): Promise<{ body: string; row: Record<string, unknown> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-large-file-"));
  const file = path.join(dir, "file.parquet");
  fs.writeFileSync(file, bytes);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const kind = jobArguments["--file_kind"] as "load" | "cdc";
    const local = renderLargeFileChecks(table, kind, file, duckdbChecks);
    const reader = await connection.runAndReadAll(local.sql);
    const [row] = reader.getRowObjectsJson() as Array<Record<string, unknown>>;
    return { body: pythonResultMessage(jobArguments, row), row };
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
