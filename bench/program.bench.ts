/**
 * The Pulumi program at scale (issue 13, goal P4): 20 sources × 500 tables × 4 targets declared under the strict
 * mocks, side by side with the committed dev stack. Each run is its own process, so time and peak memory are the
 * run's alone (the bundler's first esbuild of each handler included: a real `pulumi preview` pays it too).
 * Goal: the large stack in < 15 s and < 600 MB. Each run is a preview with the node arguments `Pulumi.yaml` gives the
 * program (`runtime.options.nodeargs`), as `pulumi preview` runs it. The large stack runs twice more: with the mock
 * engine answering each registration 10 ms late, as a real engine answers over gRPC (src/declaration-pace.ts waits
 * for those answers between sources), and without the node arguments, to show what they buy.
 *
 * Knobs: CDC_BENCH_PROGRAM_SOURCES (20), CDC_BENCH_PROGRAM_TABLES (500), CDC_BENCH_PROGRAM_TARGETS (4).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeMetadataDir } from "../metadata/load";
import type { TableMetadata } from "../metadata/format";
import { engineConfig, PROJECT_DIR, projectNodeArgs } from "../tests/support/stack";
import type { Benchmark } from "./run";
import { benchColumn, formatNumber, printTable } from "./table";

const SOURCES = Number(process.env.CDC_BENCH_PROGRAM_SOURCES ?? 20);
const TABLES = Number(process.env.CDC_BENCH_PROGRAM_TABLES ?? 500);
const TARGETS = Number(process.env.CDC_BENCH_PROGRAM_TARGETS ?? 4);
const GOAL = { seconds: 15, peakMb: 600 };

interface Run {
  seconds: number;
  peakMb: number;
  resources: number;
  providers: number;
}

/** A source's tables: `app.t000`… with a key and a handful of typed columns, as an extract would write them. */
function tables(count: number): TableMetadata[] {
  return Array.from({ length: count }, (_, i) => ({
    schema: "app",
    table: `t${String(i).padStart(3, "0")}`,
    primaryKey: ["id"],
    excluded: [],
    columns: [
      benchColumn("id", 1, "INT8"),
      benchColumn("name", 2, "STRING", { length: 100 }),
      benchColumn("amount", 3, "NUMERIC", { precision: 18, scale: 2 }),
      benchColumn("created_at", 4, "DATETIME"),
      benchColumn("active", 5, "BOOLEAN"),
      benchColumn("notes", 6, "WSTRING", { length: 400 }),
    ],
  }));
}

/** The dev stack's settings with `SOURCES` generated sources of `TABLES` tables and `TARGETS` targets each. */
export function largeStack(dir: string): { config: Record<string, string>; metadataRoot: string } {
  const dev = engineConfig(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
  const secret = (name: string) => `arn:aws:secretsmanager:eu-west-2:111111111111:secret:cdc/dev/${name}-Ab12Cd`;
  const metadataRoot = path.join(dir, "sources");
  const sources = Array.from({ length: SOURCES }, (_, s) => {
    const name = `src${String(s).padStart(2, "0")}`;
    writeMetadataDir(
      path.join(metadataRoot, name),
      { source: name, engine: "postgres", database: name, extractedAt: "2026-12-01T00:00:00.000Z", tables: [] },
      tables(TABLES),
    );
    return {
      name,
      engine: "postgres",
      endpoint: { host: `${name}.dev.internal`, database: name, secretArn: secret(`${name}-dms`) },
      dms: { instanceClass: "dms.t3.medium", cdcMaxBatchIntervalSeconds: 60 },
      targets: Array.from({ length: TARGETS }, (_, t) => ({
        name: `target${t}`,
        // Overlapping subscriptions, as real targets have: everything, and slices of it.
        tables: t === 0 ? ["app.*"] : [`app.t${t - 1}*`],
        schedule: { everyMinutes: 5 },
        ...(t === 0
          ? { mysql: { host: "reporting.dev.internal", database: `${name}_reporting`, secretArn: secret("mysql") } }
          : {}),
      })),
    };
  });
  return { config: { ...dev, "cdc:sources": JSON.stringify(sources) }, metadataRoot };
}

/** How many times the dev stack's measure the large stack's is. */
const times = (dev: number, large: number) => `${(large / dev).toFixed(1)}×`;

interface RunOptions {
  nodeArgs: string[];
  metadataRoot?: string;
  /** Milliseconds the mock engine takes to answer each registration (program-run.ts). */
  answerAfterMs?: number;
}

function runIsolated(config: Record<string, string>, dir: string, label: string, opts: RunOptions): Run {
  const { nodeArgs, metadataRoot, answerAfterMs } = opts;
  const file = path.join(dir, `${label}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  const args = [...nodeArgs, "-r", "ts-node/register/transpile-only", path.join(__dirname, "program-run.ts"), file];
  const out = spawnSync(process.execPath, metadataRoot ? [...args, metadataRoot] : args, {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: { ...process.env, CDC_BENCH_ANSWER_MS: answerAfterMs === undefined ? "" : String(answerAfterMs) },
  });
  if (out.status !== 0) throw new Error(`program run (${label}) failed: ${out.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return JSON.parse(out.stdout.trim().split("\n").pop() as string) as Run;
}

const bench: Benchmark = {
  title: `the program under mocks: dev stack vs ${SOURCES} sources × ${TABLES} tables × ${TARGETS} targets`,
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-bench-program-"));
    try {
      const nodeArgs = projectNodeArgs();
      const dev = runIsolated(engineConfig(path.join(PROJECT_DIR, "Pulumi.dev.yaml")), dir, "dev", { nodeArgs });
      const { config, metadataRoot } = largeStack(dir);
      const big = runIsolated(config, dir, "large", { nodeArgs, metadataRoot });
      const slow = runIsolated(config, dir, "large-slow", { nodeArgs, metadataRoot, answerAfterMs: 10 });
      const bare = runIsolated(config, dir, "large-bare", { nodeArgs: [], metadataRoot });
      const large = `${SOURCES}×${TABLES}×${TARGETS}`;
      console.log(`node arguments from Pulumi.yaml: ${nodeArgs.join(" ") || "(none)"}`);
      const row = (measure: string, key: keyof Run, goal: string) => [
        measure,
        dev[key],
        big[key],
        times(dev[key], big[key]),
        slow[key],
        bare[key],
        goal,
      ];
      printTable(
        ["measure", "dev stack", large, "× dev", `${large}, answers 10 ms late`, `${large} without node arguments`, "goal"],
        [
          row("seconds", "seconds", `< ${GOAL.seconds}`),
          row("peak MB", "peakMb", `< ${GOAL.peakMb}`),
          row("resources", "resources", ""),
          row("AWS providers", "providers", "1 per account"),
        ],
      );
      const met = big.seconds < GOAL.seconds && big.peakMb < GOAL.peakMb;
      console.log(
        `goal P4 ${met ? "met" : "NOT met"}: ${formatNumber(big.seconds)} s, ${formatNumber(big.peakMb)} MB for ${formatNumber(big.resources)} resources`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
