/**
 * Runs that fail as a whole (DESIGN §4 "a manifest without `.done` is retried"; issue #12): the job died before it
 * wrote the run's `.done` marker — the MySQL target unreachable when the job opens its connection, the job crashing,
 * Glue losing its workers, a timeout. No table is at fault, so no table is held: the poller runs the same manifest
 * again, and takes no new work past it (a batch is never skipped and batches apply in order).
 *
 * Retries back off: the first re-submission goes at the next tick, the next ones wait `baseMs`, then twice as long
 * each time up to `maxMs`, so a long outage costs a Glue run every `maxMs`, not every tick. After `alertAfter` failed
 * runs one alert says so (once per failing run); once the cause is gone the next retry succeeds and the target goes on
 * by itself. `cdc target resume --run` retries at once and starts the count again.
 *
 * The record lives in the target's state document (target-state.ts `run`), so `cdc target status` shows it; it is
 * written by the poller when it sees a new failed run of the pending manifest and cleared when that run settles.
 * This module is pure.
 */
import { z } from "zod";

const iso = z.iso.datetime();

export const runFailureSchema = z.strictObject({
  /** The pending manifest whose runs fail. */
  runId: z.string().min(1),
  manifestUri: z.string().regex(/^s3:\/\/[^/]+\/.+/, { error: "expected an s3:// URI" }),
  /** When the poller first saw one of its runs failed. */
  since: iso,
  /** Failed job runs of the manifest seen so far. */
  failures: z.int().min(1),
  /** Of those, the ones before the last `cdc target resume --run`: they count no more for the backoff or the alert. */
  cleared: z.int().min(0),
  /** When the poller saw the newest failure. */
  lastFailedAt: iso,
  /** The newest failed run's error (first line), as the job's run reports it. */
  error: z.string(),
  /** When the manifest is re-submitted next. */
  retryAt: iso,
  /** When the one alert of this failing run went out. */
  alertedAt: iso.optional(),
  resumedAt: iso.optional(),
});
export type RunFailure = z.infer<typeof runFailureSchema>;

export interface RunRetryPolicy {
  /** Failed runs (since the last resume) after which one alert goes out. */
  alertAfter: number;
  /** The wait before the second retry; each later one waits twice the one before. */
  baseMs: number;
  /** The longest wait between two retries. */
  maxMs: number;
}

export const DEFAULT_RUN_RETRY: RunRetryPolicy = { alertAfter: 3, baseMs: 5 * 60_000, maxMs: 60 * 60_000 };

/** A failed run of the target's job, as the job's run history reports it. */
export interface FailedRun {
  id: string;
  error?: string;
}

/** How long to wait after the `attempts`-th failure (counted since the last resume): 0, base, 2·base, … up to max. */
export function retryDelayMs(attempts: number, policy: RunRetryPolicy): number {
  if (attempts <= 1) return 0;
  return Math.min(policy.baseMs * 2 ** (attempts - 2), policy.maxMs);
}

/**
 * The record after looking at the pending manifest's failed runs (newest first, as the job's history lists them).
 * Undefined while none of its runs failed. A new failure (more failed runs than recorded) moves `lastFailedAt`,
 * `error` and `retryAt`; otherwise the record stays as it is. The job's history may have dropped older runs, so the
 * count never goes down.
 */
export function observeRunFailures(
  before: RunFailure | undefined,
  run: { runId: string; manifestUri: string },
  failed: readonly FailedRun[],
  now: Date,
  policy: RunRetryPolicy,
): RunFailure | undefined {
  const prev = before?.runId === run.runId ? before : undefined;
  if (failed.length === 0) return prev;
  const failures = Math.max(prev?.failures ?? 0, failed.length);
  if (prev && failures === prev.failures) return prev;
  const cleared = prev?.cleared ?? 0;
  const at = now.toISOString();
  return {
    runId: run.runId,
    manifestUri: run.manifestUri,
    since: prev?.since ?? at,
    failures,
    cleared,
    lastFailedAt: at,
    error: firstLine(failed[0].error ?? "the job run failed without an error message"),
    retryAt: new Date(now.getTime() + retryDelayMs(failures - cleared, policy)).toISOString(),
    ...(prev?.alertedAt ? { alertedAt: prev.alertedAt } : {}),
    ...(prev?.resumedAt ? { resumedAt: prev.resumedAt } : {}),
  };
}

/** Whether the manifest may be re-submitted now, and whether its one alert is due. */
export function runRetryDecision(f: RunFailure, now: Date, policy: RunRetryPolicy): { due: boolean; alert: boolean } {
  return {
    due: now.getTime() >= Date.parse(f.retryAt),
    alert: f.alertedAt === undefined && f.failures - f.cleared >= policy.alertAfter,
  };
}

/** `cdc target resume --run`: retry at the next tick and count (and alert) afresh. */
export function clearRunFailure(f: RunFailure, at: Date): RunFailure {
  const { alertedAt: _alerted, ...rest } = f;
  return { ...rest, cleared: f.failures, retryAt: at.toISOString(), resumedAt: at.toISOString() };
}

/**
 * The alert of a run failing as a whole: which run, how often, the error, and that no table is held. JSON of the
 * alert contract (`kind: "run-failing"`) with its sentences in `text`, readable by e-mail too (see `holdAlert`).
 */
export function runFailureAlert(a: { source: string; target: string; lakeBucket: string; failure: RunFailure }): {
  subject: string;
  message: string;
} {
  const where = `--lake-bucket ${a.lakeBucket} --source ${a.source} --target ${a.target}`;
  const f = a.failure;
  const command = `cdc target resume ${where} --run`;
  const alert = {
    kind: "run-failing",
    source: a.source,
    target: a.target,
    runId: f.runId,
    failures: f.failures - f.cleared,
    since: f.since,
    manifest: f.manifestUri,
    error: f.error,
    retryAt: f.retryAt,
    command,
    status: `cdc target status ${where}`,
    text: [
      `Run ${f.runId} of target ${a.source}/${a.target} failed as a whole ${f.failures - f.cleared} times since ${f.since}.`,
      `Manifest: ${f.manifestUri}`,
      `Error: ${f.error}`,
      `No table is at fault and none is held; the target takes no new work until this run succeeds.`,
      `It is retried with backoff (next at ${f.retryAt}) and goes on by itself once the cause is gone`,
      `(the target database reachable, the job's connection or settings fixed). To retry at once after a fix:`,
      `  ${command}`,
      `Status: cdc target status ${where}`,
    ],
  };
  return { subject: `cdc: ${a.source}/${a.target} run failing`.slice(0, 100), message: JSON.stringify(alert, null, 2) };
}

function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim() !== "") ?? text).trim().slice(0, 2000);
}
