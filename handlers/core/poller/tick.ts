/**
 * One poller tick for one target (DESIGN §1, §4, §5), written against small ports (ports.ts) so the same logic runs on
 * AWS (handlers/poll.ts: SQS, S3, SNS, Glue) and in local mode (moto and an in-process runner):
 *
 * 1. A run of the target's job is in progress → do nothing: never two runs of one target at once.
 * 2. Finished runs are settled into the target's state (settle.ts): each table applied up to its last file, or held
 *    with one alert when its statements failed. A held table's later files wait; the other tables go on.
 * 3. A manifest without its `.done` marker exists → its run died or never started: start it again, oldest first,
 *    and take no new work, so a batch is never skipped and batches apply in order. A run failing as a whole is retried
 *    with backoff and alerts once after `maxAttempts` failures; it holds no table and needs no one once its cause is
 *    gone (run-failure.ts).
 * 4. Otherwise drain the queue (batches of 10, up to a cap), and add the files harmonized holds beyond each table's
 *    mark that no run applied (sweep.ts: after a resume at once, for every table every `sweepIntervalMs`). A held
 *    table's files stay out. Nothing to do → start nothing (Glue costs money).
 * 5. Write the manifest and check it is durable, start the run, and only then delete the messages. A crash anywhere
 *    before the delete leaves the messages to come back and be applied again, which the plan makes a no-op (DESIGN §5).
 *    When the job refuses the run (concurrent-runs limit) the manifest is removed again — it never started, so it must
 *    not look like a failed run — and the messages are released for the next tick.
 */
import { tableId } from "../../../metadata/format";
import { DEFAULT_ICEBERG_SETTINGS } from "../plan/iceberg-settings";
import { buildRunManifest, manifestBody, sha256Hex } from "../plan/manifest";
import { pendingManifestSha256 } from "./manifest-trust";
import { planBatch, type ReceivedFile } from "./batch";
import { advanceCheckpoint, checkpointKey, manifestKey, newRunId, runsInListing, runsPrefix } from "./runs";
import { assignGenerations } from "./generations";
import { settleFinishedRuns } from "./settle";
import {
  DEFAULT_RUN_RETRY,
  observeRunFailures,
  runFailureAlert,
  runRetryDecision,
  type RunFailure,
  type RunRetryPolicy,
} from "./run-failure";
import { measureSettledRuns } from "./run-metrics";
import { loadTargetState, updateTargetState, type LoadedState } from "./state-store";
import { holdIncompatibleSchemas, rebuildWork } from "./schema-hold";
import { enableTableOptimizers } from "./table-optimizers";
import { keepFileColumns, keepLateFiles, retryTransientHolds, sweptTables, type TargetState } from "./target-state";
import { collectWork } from "./work";
import type { JobRunInfo, PollDeps, PollResult, TargetQueue } from "./ports";

export async function pollTarget(deps: PollDeps): Promise<PollResult> {
  const { queue, store, runs, settings, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const prefix = runsPrefix(settings.source, settings.target);

  const policy: RunRetryPolicy = {
    alertAfter: settings.maxAttempts ?? DEFAULT_RUN_RETRY.alertAfter,
    baseMs: settings.runRetryBaseMs ?? DEFAULT_RUN_RETRY.baseMs,
    maxMs: settings.runRetryMaxMs ?? DEFAULT_RUN_RETRY.maxMs,
  };
  const recent = await runs.recent();
  const active = recent.filter((r) => r.active).map((r) => r.id);
  if (active.length > 0) {
    logger.info("a run is in progress; waiting for the next tick", { activeRuns: active });
    return { outcome: "busy", activeRuns: active };
  }

  const ckKey = checkpointKey(prefix);
  const checkpoint = (await store.read(ckKey))?.trim() || undefined;
  const listed = runsInListing(prefix, await store.list(prefix, checkpoint));
  let loaded = await loadTargetState(store, settings.source, settings.target);
  const settledBefore = loaded.state.settledThrough;
  loaded = await settleFinishedRuns(
    {
      store,
      alerts: deps.alerts,
      logger,
      source: settings.source,
      target: settings.target,
      lakeBucket: settings.lakeBucket,
      now,
      transient: { retries: settings.transientRetries ?? 3, baseMs: policy.baseMs, maxMs: policy.maxMs },
    },
    listed,
    loaded,
  );
  if (deps.metrics) {
    const measure = { listed, before: settledBefore, after: loaded.state.settledThrough, store, recent, now: now() };
    // Measuring never holds up the work: a run it misses only leaves a gap in the metrics.
    await measureSettledRuns(measure, deps.metrics).catch((err: unknown) =>
      logger.warn("settled runs not measured", { error: (err as Error).message }),
    );
  }
  // Tables held on a transient error whose automatic retry is due go back into the work, as after a resume.
  let retried: string[] = [];
  loaded = await updateTargetState(
    store,
    settings.source,
    settings.target,
    (s) => {
      const r = retryTransientHolds(s, now());
      retried = r.resumed;
      return r.resumed.length > 0 ? r.state : undefined;
    },
    loaded,
  );
  for (const table of retried) logger.warn("retrying a table held on a transient error", { table });
  // Before any work is taken: a table whose new metadata its targets cannot follow is held now, with its files.
  const schemas = await holdIncompatibleSchemas(
    { ...settings, store, alerts: deps.alerts, logger, tables: deps.tables, now },
    loaded,
  );
  loaded = schemas.loaded;
  if (deps.optimizers && settings.optimizerRoleArn) {
    const optimizing = {
      source: settings.source,
      target: settings.target,
      optimizers: deps.optimizers,
      store,
      logger,
      database: settings.sparkNamespace[settings.sparkNamespace.length - 1],
      roleArn: settings.optimizerRoleArn,
      settings: settings.iceberg ?? DEFAULT_ICEBERG_SETTINGS,
      tables: deps.tables,
    };
    loaded = await enableTableOptimizers(optimizing, loaded);
  }
  // The checkpoint never passes a run whose outcome is not in the state yet.
  const settled = loaded.state.settledThrough;
  const next = advanceCheckpoint(
    listed.map((r) => ({ ...r, done: r.done && settled !== undefined && r.runId <= settled })),
    now(),
    settings.checkpointSettleMs ?? 3_600_000,
  );
  if (next !== undefined) await store.writeDurably(ckKey, next);
  for (const [table, t] of Object.entries(loaded.state.tables))
    if (t.held)
      logger.warn("table held; its files wait until `cdc target resume`", { table, since: t.held.since, error: t.held.error });

  const pending = listed.filter((r) => !r.done);
  const oldestPending = pending[0] && { runId: pending[0].runId, manifestUri: store.uri(pending[0].key) };
  const failed = recent.filter((r) => r.failed && oldestPending && r.manifestUri === oldestPending.manifestUri);
  loaded = await recordRunFailures(deps, oldestPending, failed, policy, loaded, now);
  if (pending.length > 0) {
    const oldest = pending[0];
    const manifestUri = store.uri(oldest.key);
    const failedRuns = failed.map((r) => r.id);
    const run = loaded.state.run;
    if (run?.runId === oldest.runId && !runRetryDecision(run, now(), policy).due) {
      logger.warn("run failed as a whole; no table is held, and it is retried with backoff", {
        runId: oldest.runId,
        failures: run.failures,
        retryAt: run.retryAt,
        error: run.error,
      });
      return { outcome: "waiting", runId: oldest.runId, manifestUri, failedRuns, retryAt: run.retryAt };
    }
    const sha = await pendingManifestSha256(deps, oldest, manifestUri, recent);
    if (sha === undefined) return { outcome: "blocked", runId: oldest.runId, manifestUri, failedRuns };
    const r = await runs.start(manifestUri, sha);
    if (!r.started) {
      logger.info("job refused the re-submission; waiting for the next tick", { runId: oldest.runId, reason: r.reason });
      return { outcome: "busy", activeRuns: [] };
    }
    logger.warn("re-submitted a run that did not finish", { runId: oldest.runId, jobRunId: r.jobRunId, pending: pending.length });
    return { outcome: "resubmitted", runId: oldest.runId, manifestUri, jobRunId: r.jobRunId };
  }

  const max = settings.maxMessages ?? 500;
  const received = await receiveUpTo(queue, max);
  const batch = planBatch(received, settings.source, deps.tables);
  for (const { file, reason } of batch.rejected) {
    // Left on the queue: after maxReceiveCount it moves to the DLQ, whose alarm tells someone.
    logger.error("message cannot be applied by this target", { messageId: file.messageId, reason });
  }
  let work = await collectWork({
    batch,
    state: loaded.state,
    tables: deps.tables,
    harmonized: deps.harmonized,
    harmonizedBucket: settings.harmonizedBucket,
    now: now(),
    sweepIntervalMs: settings.sweepIntervalMs ?? 3_600_000,
    sweepMinAgeMs: settings.sweepMinAgeMs ?? 900_000,
    maxFiles: max,
  });
  // Reloads: superseded full-load versions leave the run, a new full load starts a generation (generations.ts).
  work.tables = await assignGenerations(work.tables, loaded.state, (k) => deps.harmonized.etag(k), now(), logger);
  // What the run does to a table's targets first: alter them (a compatible change) or rebuild them (schema-hold.ts).
  const rebuilds = rebuildWork(work, loaded.state, deps.tables);
  work = rebuilds.work;
  work.tables = work.tables.map((t) => {
    const applied = schemas.evolve.get(tableId(t.meta));
    return applied && !t.rebuild ? { ...t, applied } : t;
  });
  for (const table of rebuilds.waiting)
    logger.warn("table waits for its reload's full load to be rebuilt (cdc dms reload-table)", { table });
  work.files = work.tables.reduce((n, t) => n + t.files.length, 0);
  // What a run taking this work changes in the state: late files of held tables kept, the sweep recorded.
  const recordWork = (state: TargetState, at: Date): TargetState => {
    let s = state;
    for (const [table, files] of work.heldFiles) s = keepLateFiles(s, table, files);
    for (const [table, columns] of work.heldColumns) s = keepFileColumns(s, table, columns);
    return work.periodic || work.sweptTables.length > 0 ? sweptTables(s, work.sweptTables, work.periodic ? at : undefined) : s;
  };
  const unchanged = (s: TargetState) => JSON.stringify(s);
  const save = async (at: Date) => {
    loaded = await updateTargetState(
      store,
      settings.source,
      settings.target,
      (s) => {
        const n = recordWork(s, at);
        return unchanged(n) === unchanged(s) ? undefined : n;
      },
      loaded,
    );
  };
  if (work.heldMessages.length > 0)
    logger.warn("files of held tables wait in harmonized; their messages are dropped", {
      tables: [...work.heldFiles.keys()],
      messages: work.heldMessages.length,
    });
  if (work.tables.length === 0) {
    // The held tables' files are in harmonized and found again after the resume; their messages would only loop.
    await save(now());
    await queue.delete(work.heldMessages);
    return { outcome: "idle" };
  }

  // One instant for the run id and the manifest's clock: a re-submission renders the manifest again from its run id.
  const createdAt = new Date(now().getTime());
  const runId = newRunId(createdAt, (deps.suffix ?? randomSuffix)());
  const key = manifestKey(prefix, runId);
  const manifestUri = store.uri(key);
  const manifest = buildRunManifest({
    target: `${settings.source}/${settings.target}`,
    runId,
    manifestUri,
    sparkNamespace: settings.sparkNamespace,
    mysql: settings.mysql,
    tombstoneRetentionDays: settings.tombstoneRetentionDays,
    iceberg: settings.iceberg,
    now: createdAt,
    tables: work.tables,
  });
  const body = manifestBody(manifest);
  await store.writeDurably(key, body);
  const r = await runs.start(manifestUri, sha256Hex(body));
  if (!r.started) {
    await store.remove(key);
    await queue.release(batch.included);
    logger.info("job refused the run; messages left for the next tick", { runId, reason: r.reason });
    return { outcome: "deferred", runId, reason: r.reason };
  }
  await save(now());
  await queue.delete([...work.included, ...work.heldMessages]);
  logger.info("run started", {
    runId,
    jobRunId: r.jobRunId,
    tables: work.tables.length,
    files: work.files,
    swept: work.sweptFiles,
  });
  return {
    outcome: "started",
    runId,
    manifestUri,
    jobRunId: r.jobRunId,
    tables: work.tables.length,
    files: work.files,
    messages: work.included.length,
    swept: work.sweptFiles,
  };
}

/**
 * Records the oldest pending manifest's failed runs in the state (a new failure moves the retry time; with no pending
 * manifest — it settled, or was removed by hand — nothing is failing any more), and sends the one alert of a failing
 * run once the write that marks it alerted has won, so two ticks never both send it.
 */
async function recordRunFailures(
  deps: PollDeps,
  run: { runId: string; manifestUri: string } | undefined,
  failed: readonly JobRunInfo[],
  policy: RunRetryPolicy,
  loaded: LoadedState,
  now: () => Date,
): Promise<LoadedState> {
  const { settings, store, logger } = deps;
  let alert: RunFailure | undefined;
  const next = await updateTargetState(
    store,
    settings.source,
    settings.target,
    (s) => {
      alert = undefined;
      if (run === undefined) {
        if (!s.run) return undefined;
        const { run: _gone, ...rest } = s;
        return rest;
      }
      const at = now();
      let f = observeRunFailures(s.run, run, failed, at, policy);
      if (f === undefined) return undefined;
      if (runRetryDecision(f, at, policy).alert) {
        f = { ...f, alertedAt: at.toISOString() };
        alert = f;
      }
      return JSON.stringify(f) === JSON.stringify(s.run) ? undefined : { ...s, run: f };
    },
    loaded,
  );
  if (alert) {
    logger.error("run failed as a whole repeatedly; no table is held, it is retried with backoff", { ...alert });
    const a = runFailureAlert({ ...settings, failure: alert });
    await deps.alerts.publish(a.subject, a.message);
  }
  return next;
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

export type { LoadedState };
