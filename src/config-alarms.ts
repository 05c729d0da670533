/**
 * `cdc:alarms`: the thresholds of the alarms every pipeline declares, with the defaults a newcomer would expect.
 */
import { z } from "zod";

/** The stack's alarm thresholds (components/lambda-alarms.ts, the DMS latency alarms of components/dms-source.ts). */
export const alarmsSchema = z.strictObject({
  lambdaErrors: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe(
      "Errors of one Lambda function within 5 minutes that raise its alarm. Every error is a batch, tick or event that failed and is retried, so the default is the first one.",
    ),
  lambdaThrottles: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe(
      "Throttled invocations of one Lambda function within 5 minutes that raise its alarm: the account's or the function's concurrency is exhausted.",
    ),
  dmsCdcLatencySeconds: z
    .number()
    .int()
    .min(60)
    .max(86400)
    .default(600)
    .describe(
      "DMS CDCLatencySource or CDCLatencyTarget above this many seconds raises the source's latency alarm. Keep it well above `dms.cdcMaxBatchIntervalSeconds`: DMS holds changes that long before writing a file, which CDCLatencyTarget counts.",
    ),
  dmsCdcLatencyMinutes: z
    .number()
    .int()
    .min(5)
    .max(1440)
    .refine((n) => n % 5 === 0, { error: "expected a multiple of 5 (the alarm evaluates 5-minute periods)" })
    .default(15)
    .describe(
      "For how long the latency must stay above `dmsCdcLatencySeconds` before the alarm fires, in minutes (a multiple of 5): a full load or a burst of changes raises latency for a while on its own.",
    ),
});
