/**
 * A target's `glue` block: the size of its apply job (components/glue-sizing.ts holds Glue's rules). Every key has
 * today's default (2 × G.1X, STANDARD, 60 minutes), so a stack that leaves the block out deploys what it always did.
 */
import { z } from "zod";
import {
  DEFAULT_GLUE_SIZING,
  flexProblem,
  GLUE_EXECUTION_CLASSES,
  GLUE_WORKER_TYPES,
  TIMEOUT_MINUTES,
  WORKERS,
} from "../components/glue-sizing";

const workerType = z.enum(GLUE_WORKER_TYPES, {
  error: (iss) =>
    `expected one of ${GLUE_WORKER_TYPES.join(", ")}, received ${JSON.stringify(iss.input)}` +
    (iss.input === "G.025X" ? " (Glue offers G.025X to streaming jobs only)" : ""),
});

export const glueJobSchema = z
  .strictObject({
    workerType: workerType
      .default(DEFAULT_GLUE_SIZING.workerType)
      .describe(
        "Worker type of each run: 1, 2, 4 or 8 DPUs a worker (G.4X and G.8X only in the regions Glue offers them). Larger ones for wide tables or batches whose MERGE runs out of memory; G.1X fits the small batches a poll brings.",
      ),
    workers: z
      .number()
      .int()
      .min(WORKERS.min)
      .max(WORKERS.max)
      .default(DEFAULT_GLUE_SIZING.workers)
      .describe(
        `Workers per run; ${WORKERS.min} is Glue's minimum for a Spark job. Every worker is billed for the whole run, at least a minute, so the default is the minimum.`,
      ),
    executionClass: z
      .enum(GLUE_EXECUTION_CLASSES)
      .default(DEFAULT_GLUE_SIZING.executionClass)
      .describe(
        "`STANDARD` starts each run at once. `FLEX` runs on spare capacity for about a third less per DPU-hour, but a run may wait up to 20 minutes to start: for targets nobody needs fresh. FLEX needs G.1X or G.2X workers.",
      ),
    timeoutMinutes: z
      .number()
      .int()
      .min(TIMEOUT_MINUTES.min)
      .max(TIMEOUT_MINUTES.max)
      .default(DEFAULT_GLUE_SIZING.timeoutMinutes)
      .describe(
        "Minutes before Glue stops a run; it then counts as failed and the poller re-submits it. A run holds the target's one run slot while it lasts.",
      ),
  })
  .check(
    z.superRefine((g, ctx) => {
      const why = flexProblem(g.executionClass, g.workerType);
      if (why) ctx.addIssue({ code: "custom", path: ["executionClass"], message: why, input: g });
    }),
  );
