/**
 * What the poller measures about the runs it settles: per table, how long after the source committed its newest
 * change the change was applied (commit to target), and per run, the Glue time and DPU-hours its attempts cost. A run
 * is measured in the tick that settles it, from its manifest and `.done` marker (what `settleFinishedRuns` recorded)
 * and the job's recent runs, so each run is counted once however many ticks see it finished. Two ticks that overlap
 * (the poller has no reserved concurrency) can both settle a run only if both wrote the state; the conditional write
 * lets one win, and the other re-reads a state already past the run, so the double count this allows is the rare
 * tick that lost a write race after reading the state before the run settled.
 */
import { runManifestSchema, runOutcomeSchema, tableOutcomes } from "../plan/manifest";

/** Where the measurements go (the poll Lambda: EMF through Powertools Metrics). */
export interface PollMetrics {
  /** A table of a settled run was applied; `commitToTargetSeconds` when its files said when they were committed. */
  tableApplied(m: { table: string; runId: string; commitToTargetSeconds: number }): void;
  /** A run settled: its attempts' Glue execution time and billed DPU-hours, summed. */
  runSettled(m: { runId: string; attempts: number; executionSeconds: number; dpuHours: number }): void;
}

/** A finished attempt of the job, as much as Glue's GetJobRuns tells of it. */
export interface FinishedAttempt {
  manifestUri?: string;
  active: boolean;
  failed: boolean;
  /** Glue's CompletedOn (ISO-8601). */
  completedAt?: string;
  /** Glue's ExecutionTime: seconds the run consumed resources. */
  executionSeconds?: number;
  /** What the attempt is billed, in DPU-hours ({@link billedDpuHours}). */
  dpuHours?: number;
}

/** DPUs per worker of each Glue worker type (Glue's pricing page and the JobRun `WorkerType` documentation). */
const DPU_PER_WORKER: Record<string, number> = {
  "G.025X": 0.25,
  "G.1X": 1,
  "G.2X": 2,
  "G.4X": 4,
  "G.8X": 8,
  "G.12X": 12,
  "G.16X": 16,
  "R.1X": 1,
  "R.2X": 2,
  "R.4X": 4,
  "R.8X": 8,
  "Z.2X": 2,
};

/**
 * DPU-hours Glue bills for one job run. `DPUSeconds` when Glue reports it (Flex and auto-scaling runs, where fewer
 * executors than the maximum may have run); otherwise ExecutionTime × the run's DPUs (MaxCapacity, or workers × DPU
 * per worker type), at least one minute: Glue 2.0 and later bill per second with a one-minute minimum. Undefined when
 * the run does not say enough.
 */
export function billedDpuHours(run: {
  ExecutionTime?: number;
  DPUSeconds?: number;
  MaxCapacity?: number;
  WorkerType?: string;
  NumberOfWorkers?: number;
}): number | undefined {
  if (run.DPUSeconds !== undefined && run.DPUSeconds > 0) return run.DPUSeconds / 3600;
  if (run.ExecutionTime === undefined) return undefined;
  const perWorker = run.WorkerType !== undefined ? DPU_PER_WORKER[run.WorkerType] : undefined;
  const dpus =
    run.MaxCapacity !== undefined && run.MaxCapacity > 0
      ? run.MaxCapacity
      : perWorker !== undefined && run.NumberOfWorkers !== undefined
        ? perWorker * run.NumberOfWorkers
        : undefined;
  return dpus === undefined ? undefined : (Math.max(run.ExecutionTime, 60) * dpus) / 3600;
}

export interface SettledRunsInput {
  /** The manifests listed this tick, oldest first. */
  listed: ReadonlyArray<{ runId: string; key: string; done: boolean }>;
  /** The state's `settledThrough` before and after this tick settled runs. */
  before: string | undefined;
  after: string | undefined;
  store: { read(key: string): Promise<string | undefined>; uri(key: string): string };
  /** The job's recent runs (the tick's GetJobRuns). */
  recent: readonly FinishedAttempt[];
  now: Date;
}

/** Measures the runs this tick settled (after `before`, up to `after`) into `metrics`; returns how many it measured. */
export async function measureSettledRuns(input: SettledRunsInput, metrics: PollMetrics): Promise<number> {
  const { before, after } = input;
  if (after === undefined || after === before) return 0;
  let measured = 0;
  for (const run of input.listed) {
    if (!run.done || (before !== undefined && run.runId <= before) || run.runId > after) continue;
    const manifestText = await input.store.read(run.key);
    const doneText = await input.store.read(run.key.replace(/\.json$/, ".done"));
    if (manifestText === undefined || doneText === undefined) continue;
    let manifest;
    let outcome;
    try {
      manifest = runManifestSchema.parse(JSON.parse(manifestText));
      outcome = runOutcomeSchema.parse(JSON.parse(doneText));
    } catch {
      continue; // settle.ts logged it; such a run applied nothing to measure
    }
    const uri = input.store.uri(run.key);
    const attempts = input.recent.filter((r) => r.manifestUri === uri && !r.active);
    // The attempt that wrote the marker finished last; its end is when the tables were applied.
    const appliedAt =
      attempts
        .filter((r) => !r.failed && r.completedAt !== undefined)
        .map((r) => Date.parse(r.completedAt as string))
        .sort((a, b) => b - a)[0] ?? input.now.getTime();
    const committed = new Map(manifest.tables.map((t) => [t.table, t.latestCommitAt]));
    for (const t of tableOutcomes(manifest, outcome)) {
      const at = committed.get(t.table);
      if (t.status !== "applied" || at === undefined) continue;
      const seconds = Math.max(0, (appliedAt - Date.parse(at)) / 1000);
      metrics.tableApplied({ table: t.table, runId: run.runId, commitToTargetSeconds: Math.round(seconds) });
    }
    metrics.runSettled({
      runId: run.runId,
      attempts: attempts.length,
      executionSeconds: attempts.reduce((n, r) => n + (r.executionSeconds ?? 0), 0),
      dpuHours: attempts.reduce((n, r) => n + (r.dpuHours ?? 0), 0),
    });
    measured++;
  }
  return measured;
}
