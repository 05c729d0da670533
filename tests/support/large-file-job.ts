/**
 * The large-file Glue job for tests that do not start Spark: the checks it was handed, rendered for DuckDB over the same
 * bytes, and the result message built by the job's own Python (`result_message` in handlers/glue/validate_large_file.py),
 * so the contract between the Python job and the TypeScript Lambda is the real one. The job itself, on local Spark:
 * tests/handlers/glue/validate_large_file.spark.test.ts (with {@link localGlueMoto}).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { S3Client } from "@aws-sdk/client-s3";
import { GlueClient } from "@aws-sdk/client-glue";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import type { TableMetadata } from "../../metadata/format";
import { duckdbChecks, renderLargeFileChecks } from "../../handlers/core/validation/large-file-checks";
import type { MotoServer } from "../../src/local/glue-env/moto";
import { configureRawNotification } from "../../src/local/raw-notification";
import { awsHelpers } from "./aws-helpers";
import type { Moto } from "./moto";

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

/**
 * The {@link Moto} helpers of tests/support/moto.ts on an already running server — the one a local Spark session reads
 * `s3://` from and sends its SQS messages to (tests/support/spark.ts `useLocalGlue`) — so the validate Lambda's harness
 * and the Glue job share one S3 and one SQS. `destroy` closes the clients (the server belongs to its starter).
 */
export function localGlueMoto(server: MotoServer): Moto & { destroy(): void } {
  const config = server.clientConfig;
  const s3 = new S3Client(config);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const glue = new GlueClient(config);
  const sts = new STSClient(config);
  const helpers = awsHelpers({ s3, sqs, sns });
  return {
    ...helpers,
    server,
    endpoint: server.endpoint,
    clientConfig: config,
    s3,
    sqs,
    sns,
    glue,
    sts,
    async notifyQueue(bucket, queueUrl) {
      await configureRawNotification(s3, bucket, await helpers.queueArn(queueUrl));
      const first = await helpers.drainQueue(queueUrl);
      if (first.length !== 1 || !first[0].includes('"s3:TestEvent"'))
        throw new Error(`expected S3's s3:TestEvent on ${queueUrl}, got ${JSON.stringify(first)}`);
      return first[0];
    },
    reset: () => server.reset(),
    destroy() {
      for (const c of [s3, sqs, sns, glue, sts]) c.destroy();
    },
  };
}
