/**
 * One poller tick for one target (DESIGN §1, §4), written against three small ports so the same logic runs on AWS
 * (handlers/poll.ts: SQS, S3, Glue) and in local mode (fauxqs and an in-process runner):
 *
 * 1. A run of the target's job is in progress → do nothing: never two runs of one target at once.
 * 2. A manifest without its `.done` marker exists → its run failed or never started: start it again, oldest first,
 *    and take no new work, so a failed batch is never skipped and batches apply in order (after `maxAttempts` failed
 *    runs of one manifest the target is blocked until someone looks: see {@link PollSettings.maxAttempts}).
 * 3. Otherwise drain the queue (batches of 10, up to a cap); nothing waiting → start nothing (Glue costs money).
 * 4. Write the manifest and check it is durable, start the run, and only then delete the messages. A crash anywhere
 *    before the delete leaves the messages to come back and be applied again, which the plan makes a no-op (DESIGN §5).
 *    When the job refuses the run (concurrent-runs limit) the manifest is removed again — it never started, so it must
 *    not look like a failed run — and the messages are released for the next tick.
 */
import type { MySqlFlavor } from "../plan/dialect";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { TableMetadata } from "../../../metadata/format";
import { buildRunManifest } from "../plan/manifest";
import { planBatch, type ReceivedFile } from "./batch";
import { advanceCheckpoint, checkpointKey, manifestKey, newRunId, runsInListing, runsPrefix } from "./runs";

/** The target's SQS queue. */
export interface TargetQueue {
  /** Up to `max` (≤ 10) messages, hidden from other consumers until deleted or released. */
  receive(max: number): Promise<ReceivedFile[]>;
  delete(files: readonly ReceivedFile[]): Promise<void>;
  /** Makes messages visible again at once. */
  release(files: readonly ReceivedFile[]): Promise<void>;
}

/** The lake bucket, where manifests, markers and the checkpoint live. */
export interface RunStore {
  /** Keys under `prefix`, sorted, after `startAfter` when given. */
  list(prefix: string, startAfter?: string): Promise<string[]>;
  /** The object's text, or undefined when absent. */
  read(key: string): Promise<string | undefined>;
  /** Writes the object and confirms it is readable with the written size before returning. */
  writeDurably(key: string, body: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** `s3://bucket/key`. */
  uri(key: string): string;
}

/** A recent run of the target's job. */
export interface JobRunInfo {
  id: string;
  /** Starting, running, waiting or stopping: the run still occupies the target. */
  active: boolean;
  /** Ended without success (failed, error, timeout, stopped). */
  failed: boolean;
  /** Its `--manifest` argument. */
  manifestUri?: string;
}

/** The target's Glue job (one job per target, at most one concurrent run). */
export interface JobRuns {
  /** The job's recent runs (Glue: the newest page of GetJobRuns). */
  recent(): Promise<JobRunInfo[]>;
  /** Starts a run on the manifest; `started: false` when the job refused it because a run is already going. */
  start(manifestUri: string): Promise<{ started: true; jobRunId: string } | { started: false; reason: string }>;
}

export interface PollSettings {
  source: string;
  target: string;
  /** Glue catalog and database of the Iceberg tables: `["glue_catalog", "cdc_dev_sales"]`. */
  sparkNamespace: string[];
  /** The target's MySQL-compatible server, or false when it has no MySQL database. */
  mysql: MySqlFlavor | false;
  tombstoneRetentionDays: number;
  /** Most messages one run takes (default 500). */
  maxMessages?: number;
  /** How old a finished run must be before the checkpoint moves past it (default one hour). */
  checkpointSettleMs?: number;
  /**
   * Failed runs of one manifest after which it is no longer re-submitted (default 3): the target then stops taking
   * work — a batch is never skipped — and says so on every tick, instead of paying for a doomed Glue run each time.
   */
  maxAttempts?: number;
}

export interface PollDeps {
  queue: TargetQueue;
  store: RunStore;
  runs: JobRuns;
  tables: readonly TableMetadata[];
  settings: PollSettings;
  logger: Logger;
  now?: () => Date;
  /** Run id suffix (default: random). */
  suffix?: () => string;
}

export type PollResult =
  | { outcome: "busy"; activeRuns: string[] }
  | { outcome: "blocked"; runId: string; manifestUri: string; failedRuns: string[] }
  | { outcome: "resubmitted"; runId: string; manifestUri: string; jobRunId: string }
  | { outcome: "idle" }
  | { outcome: "deferred"; runId: string; reason: string }
  | { outcome: "started"; runId: string; manifestUri: string; jobRunId: string; tables: number; files: number; messages: number };

export async function pollTarget(deps: PollDeps): Promise<PollResult> {
  const { queue, store, runs, settings, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const prefix = runsPrefix(settings.source, settings.target);

  const recent = await runs.recent();
  const active = recent.filter((r) => r.active).map((r) => r.id);
  if (active.length > 0) {
    logger.info("a run is in progress; waiting for the next tick", { activeRuns: active });
    return { outcome: "busy", activeRuns: active };
  }

  const pending = await pendingRuns(store, prefix, now(), settings.checkpointSettleMs ?? 3_600_000);
  if (pending.length > 0) {
    const oldest = pending[0];
    const manifestUri = store.uri(oldest.key);
    const failedRuns = recent.filter((r) => r.failed && r.manifestUri === manifestUri).map((r) => r.id);
    if (failedRuns.length >= (settings.maxAttempts ?? 3)) {
      logger.error("run failed repeatedly; the target waits until its manifest is fixed or its job succeeds", {
        runId: oldest.runId,
        manifestUri,
        failedRuns,
      });
      return { outcome: "blocked", runId: oldest.runId, manifestUri, failedRuns };
    }
    const r = await runs.start(manifestUri);
    if (!r.started) {
      logger.info("job refused the re-submission; waiting for the next tick", { runId: oldest.runId, reason: r.reason });
      return { outcome: "busy", activeRuns: [] };
    }
    logger.warn("re-submitted a run that did not finish", { runId: oldest.runId, jobRunId: r.jobRunId, pending: pending.length });
    return { outcome: "resubmitted", runId: oldest.runId, manifestUri, jobRunId: r.jobRunId };
  }

  const received = await receiveUpTo(queue, settings.maxMessages ?? 500);
  if (received.length === 0) return { outcome: "idle" };
  const batch = planBatch(received, settings.source, deps.tables);
  for (const { file, reason } of batch.rejected) {
    // Left on the queue: after maxReceiveCount it moves to the DLQ, whose alarm tells someone.
    logger.error("message cannot be applied by this target", { messageId: file.messageId, reason });
  }
  if (batch.tables.length === 0) return { outcome: "idle" };

  const runId = newRunId(now(), (deps.suffix ?? randomSuffix)());
  const key = manifestKey(prefix, runId);
  const manifestUri = store.uri(key);
  const manifest = buildRunManifest({
    target: `${settings.source}/${settings.target}`,
    runId,
    manifestUri,
    sparkNamespace: settings.sparkNamespace,
    mysql: settings.mysql,
    tombstoneRetentionDays: settings.tombstoneRetentionDays,
    now: now(),
    tables: batch.tables,
  });
  await store.writeDurably(key, `${JSON.stringify(manifest, null, 2)}\n`);
  const r = await runs.start(manifestUri);
  if (!r.started) {
    await store.remove(key);
    await queue.release(batch.included);
    logger.info("job refused the run; messages left for the next tick", { runId, reason: r.reason });
    return { outcome: "deferred", runId, reason: r.reason };
  }
  await queue.delete(batch.included);
  logger.info("run started", { runId, jobRunId: r.jobRunId, tables: batch.tables.length, files: batch.files });
  return {
    outcome: "started",
    runId,
    manifestUri,
    jobRunId: r.jobRunId,
    tables: batch.tables.length,
    files: batch.files,
    messages: batch.included.length,
  };
}

/** Manifests without a `.done` marker, oldest first; moves the checkpoint past the settled finished ones. */
async function pendingRuns(store: RunStore, prefix: string, now: Date, settleMs: number) {
  const ckKey = checkpointKey(prefix);
  const checkpoint = (await store.read(ckKey))?.trim() || undefined;
  const listed = runsInListing(prefix, await store.list(prefix, checkpoint));
  const next = advanceCheckpoint(listed, now, settleMs);
  if (next !== undefined) await store.writeDurably(ckKey, next);
  return listed.filter((r) => !r.done);
}

async function receiveUpTo(queue: TargetQueue, max: number): Promise<ReceivedFile[]> {
  const out: ReceivedFile[] = [];
  while (out.length < max) {
    const got = await queue.receive(Math.min(10, max - out.length));
    if (got.length === 0) break;
    out.push(...got);
  }
  return out;
}

function randomSuffix(): string {
  return Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, "0");
}
