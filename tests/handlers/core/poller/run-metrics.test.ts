import * as path from "node:path";
import { readMetadataDir } from "../../../../metadata/load";
import { tableId } from "../../../../metadata/format";
import { planBatch, type ReceivedFile } from "../../../../handlers/core/poller/batch";
import { collectWork } from "../../../../handlers/core/poller/work";
import { emptyTargetState } from "../../../../handlers/core/poller/target-state";
import { buildRunManifest, manifestBody } from "../../../../handlers/core/plan/manifest";
import {
  billedDpuHours,
  measureSettledRuns,
  type FinishedAttempt,
  type PollMetrics,
} from "../../../../handlers/core/poller/run-metrics";

const SALES = readMetadataDir(path.resolve(__dirname, "../../../../metadata/sources/sales"));
const TABLES = SALES.tables.filter((t) => ["dbo.Invoice", "dbo.Payment"].includes(tableId(t)));
const now = new Date("2026-11-22T03:00:00Z");

const message = (table: string, hhmm: string, n: number, latestCommitAt?: string): ReceivedFile => ({
  messageId: `m${n}`,
  receiptHandle: `h${n}`,
  message: {
    version: 1,
    source: "sales",
    schema: "dbo",
    table,
    bucket: "harmonized",
    key: `dbo/${table}/20261122-${hhmm}00000.parquet`,
    etag: `"e${n}"`,
    sizeBytes: 1,
    rowCount: 1,
    kind: "cdc",
    minSeq: "1",
    maxSeq: "1",
    validatedAt: now.toISOString(),
    ...(latestCommitAt ? { latestCommitAt } : {}),
  },
});

/** A run whose manifest was built from these messages the way the poller builds it, stored with its marker. */
async function storedRun(runId: string, received: ReceivedFile[], outcome: object) {
  const batch = planBatch(received, "sales", TABLES);
  const listing = { list: async () => [], etag: async () => undefined };
  const work = await collectWork({
    batch,
    state: { ...emptyTargetState("sales", "reporting"), sweptAt: now.toISOString() },
    tables: TABLES,
    harmonized: listing,
    harmonizedBucket: "harmonized",
    now,
    sweepIntervalMs: 3_600_000,
    sweepMinAgeMs: 900_000,
    maxFiles: 500,
  });
  const key = `runs/sales/reporting/${runId}.json`;
  const manifest = buildRunManifest({
    target: "sales/reporting",
    runId,
    manifestUri: `s3://lake/${key}`,
    sparkNamespace: ["glue_catalog", "cdc_dev_sales_reporting"],
    mysql: false,
    tombstoneRetentionDays: 7,
    now,
    tables: work.tables,
  });
  return {
    manifest,
    objects: {
      [key]: manifestBody(manifest),
      [key.replace(/\.json$/, ".done")]: JSON.stringify({ runId, ...outcome }),
    } as Record<string, string>,
    listed: { runId, key, done: true },
  };
}

function recorder(): PollMetrics & { tables: unknown[]; runs: unknown[] } {
  const tables: unknown[] = [];
  const runs: unknown[] = [];
  return { tables, runs, tableApplied: (m) => tables.push(m), runSettled: (m) => runs.push(m) };
}

describe("the run metrics the poller publishes", () => {
  it("carries each table's latest commit time from the messages into the manifest; swept-only tables have none", async () => {
    const run = await storedRun(
      "20261122T025000000Z-aaaaaa",
      [
        message("Invoice", "0240", 1, "2026-11-22T02:40:10.000Z"),
        message("Invoice", "0242", 2, "2026-11-22T02:42:30.500Z"),
        message("Payment", "0241", 3),
      ],
      {},
    );
    const byTable = Object.fromEntries(run.manifest.tables.map((t) => [t.table, t.latestCommitAt]));
    expect(byTable).toEqual({ "dbo.Invoice": "2026-11-22T02:42:30.500Z", "dbo.Payment": undefined });
  });

  it("measures a settled run once: commit to target per applied table, Glue time and DPU-hours over all its attempts", async () => {
    const runId = "20261122T025000000Z-bbbbbb";
    const run = await storedRun(
      runId,
      [message("Invoice", "0240", 1, "2026-11-22T02:40:00.000Z"), message("Payment", "0241", 2, "2026-11-22T02:41:00.000Z")],
      {
        tables: [
          { table: "dbo.Invoice", status: "applied" },
          { table: "dbo.Payment", status: "failed", error: "boom" },
        ],
      },
    );
    const store = { read: async (k: string) => run.objects[k], uri: (k: string) => `s3://lake/${k}` };
    const uri = store.uri(run.listed.key);
    const recent: FinishedAttempt[] = [
      { manifestUri: uri, active: false, failed: true, completedAt: "2026-11-22T02:52:00Z", executionSeconds: 40, dpuHours: 0.1 },
      {
        manifestUri: uri,
        active: false,
        failed: false,
        completedAt: "2026-11-22T02:55:00Z",
        executionSeconds: 90,
        dpuHours: 0.2,
      },
      {
        manifestUri: "s3://lake/runs/sales/reporting/other.json",
        active: false,
        failed: false,
        executionSeconds: 999,
        dpuHours: 9,
      },
    ];
    const m = recorder();
    const input = { listed: [run.listed], before: undefined, after: runId, store, recent, now };
    expect(await measureSettledRuns(input, m)).toBe(1);
    // 02:40:00 committed, applied when the successful attempt ended at 02:55:00. Payment failed: nothing applied.
    expect(m.tables).toEqual([{ table: "dbo.Invoice", runId, commitToTargetSeconds: 900 }]);
    expect(m.runs).toEqual([{ runId, attempts: 2, executionSeconds: 130, dpuHours: expect.closeTo(0.3, 10) }]);

    // The next tick sees the same run finished, but the state had already settled it: nothing is counted twice.
    const again = recorder();
    expect(await measureSettledRuns({ ...input, before: runId, after: runId }, again)).toBe(0);
    expect(again.tables).toEqual([]);
    expect(again.runs).toEqual([]);
  });

  it("bills DPU-hours as Glue does: DPUSeconds when reported, else time × DPUs with a one-minute minimum", () => {
    expect(billedDpuHours({ DPUSeconds: 1800, ExecutionTime: 999, MaxCapacity: 10 })).toBe(0.5);
    expect(billedDpuHours({ ExecutionTime: 360, MaxCapacity: 2 })).toBeCloseTo(0.2, 10);
    expect(billedDpuHours({ ExecutionTime: 360, WorkerType: "G.2X", NumberOfWorkers: 3 })).toBeCloseTo(0.6, 10);
    // Ten seconds on 2 DPUs is billed as a minute.
    expect(billedDpuHours({ ExecutionTime: 10, WorkerType: "G.1X", NumberOfWorkers: 2 })).toBeCloseTo(2 / 60, 10);
    expect(billedDpuHours({ ExecutionTime: 10 })).toBeUndefined();
    expect(billedDpuHours({ MaxCapacity: 2 })).toBeUndefined();
  });
});
