/**
 * What a target's Glue apply job (a Glue 5.0 Spark ETL job, command `glueetl`) may be sized to, as Glue's API
 * reference for CreateJob and the Glue developer guide state it: the stack schema (src/config-glue-job.ts) and
 * GlueTarget check the same rules, so a stack Glue would refuse fails at `cdc config check`, not mid-deployment.
 *
 * - Worker types: G.1X, G.2X, G.4X and G.8X (1, 2, 4 and 8 DPUs a worker). G.025X is left out: Glue offers it to
 *   streaming jobs only. G.4X and G.8X exist in some regions only; Glue refuses them elsewhere when the job is created.
 * - FLEX runs on spare capacity at a lower DPU-hour price, for jobs whose start may wait: Glue takes it for `glueetl`
 *   jobs of Glue 3.0 or later on G.1X or G.2X workers only.
 */

export const GLUE_WORKER_TYPES = ["G.1X", "G.2X", "G.4X", "G.8X"] as const;
export type GlueWorkerType = (typeof GLUE_WORKER_TYPES)[number];

export const GLUE_EXECUTION_CLASSES = ["STANDARD", "FLEX"] as const;
export type GlueExecutionClass = (typeof GLUE_EXECUTION_CLASSES)[number];

/** DPUs of one worker of each type: what a run is billed per worker-hour. */
export const DPU_PER_WORKER: Record<GlueWorkerType, number> = { "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8 };

/** The worker types Glue runs FLEX jobs on. */
export const FLEX_WORKER_TYPES: readonly GlueWorkerType[] = ["G.1X", "G.2X"];

/**
 * Workers per run. 2 is Glue's minimum for a Spark job (a driver and one executor); 100 is this project's ceiling: an
 * apply run merges one manifest of CDC files, and more workers than that is a sizing mistake, not a workload.
 */
export const WORKERS = { min: 2, max: 100 } as const;

/**
 * Minutes before Glue stops a run. Glue takes up to 7 days; this project stops at 2 days (2,880 minutes), Glue's own
 * default before 5.0: the target's one run slot is held as long as a run lasts, and the poller re-submits a timed-out run.
 */
export const TIMEOUT_MINUTES = { min: 1, max: 2880 } as const;

/** Today's size of every apply job, so a stack that sets nothing deploys what it always did. */
export const DEFAULT_GLUE_SIZING = {
  workerType: "G.1X",
  workers: 2,
  executionClass: "STANDARD",
  timeoutMinutes: 60,
} as const satisfies GlueSizing;

export interface GlueSizing {
  workerType: GlueWorkerType;
  workers: number;
  executionClass: GlueExecutionClass;
  timeoutMinutes: number;
}

/** Why Glue would refuse this execution class with this worker type, or undefined when it takes them. */
export function flexProblem(executionClass: GlueExecutionClass, workerType: GlueWorkerType): string | undefined {
  if (executionClass !== "FLEX" || FLEX_WORKER_TYPES.includes(workerType)) return undefined;
  return `FLEX runs on ${FLEX_WORKER_TYPES.join(" or ")} workers only; Glue refuses it with ${workerType} (use STANDARD, or a smaller worker type)`;
}
