/**
 * One throwaway PySpark 3.5.4 process (the Glue 5 engine, from .cdc-env) for tests that only need Spark SQL itself, not
 * the local Glue environment (tests/support/spark.ts): it runs `body` with `spark` bound and `cases` (JSON from stdin),
 * and hands back what the body left in `out`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const PYTHON = path.resolve(__dirname, "../../.cdc-env/venv/bin/python");

/** True (with a warning naming `what`) when the Python env is missing outside CI: the PySpark test is skipped then. */
export function pysparkMissing(what: string): boolean {
  const missing = !fs.existsSync(PYTHON) && process.env.CI !== "true";
  if (missing) console.warn(`skipping ${what}: ${PYTHON} is missing; run bash .ci/python-env`);
  return missing;
}

/** Runs `body` (Python lines, indented as module level) over `cases`; returns the JSON of its `out` list. */
export function runPySpark(body: string[], cases: unknown): unknown {
  const script = [
    "import json, sys",
    "from pyspark.sql import SparkSession",
    "spark = SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false').getOrCreate()",
    "spark.sparkContext.setLogLevel('ERROR')",
    "cases = json.load(sys.stdin)",
    "out = []",
    ...body,
    "spark.stop()",
    "sys.stdout.write(json.dumps(out))",
  ].join("\n");
  // Spark may leave scratch directories in its working directory.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-pyspark-"));
  try {
    const r = spawnSync(PYTHON, ["-c", script], { cwd, input: JSON.stringify(cases), encoding: "utf8" });
    if (r.status !== 0) throw new Error(`PySpark failed (${r.status}):\n${r.stderr}`);
    return JSON.parse(r.stdout) as unknown;
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}
