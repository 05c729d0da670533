/**
 * Settling finished runs: the outcome each `.done` marker records (applied or failed, per table) goes into the
 * target's state, in run order, once. A table that failed is held there and one alert says which table, file and
 * error, and the command that resumes it; its later files then wait (the poller leaves them out of runs) while the
 * other tables go on.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { runManifestSchema, runOutcomeSchema, tableOutcomes } from "../plan/manifest";
import { updateTargetState, type LoadedState, type VersionedStore } from "./state-store";
import { settleRun, type TableHold, type TableOutcome, type TransientRetryPolicy } from "./target-state";

/** The alert topic. */
export interface Alerts {
  publish(subject: string, message: string): Promise<void>;
}

export interface SettleDeps {
  store: VersionedStore & { read(key: string): Promise<string | undefined>; uri(key: string): string };
  alerts: Alerts;
  logger: Logger;
  source: string;
  target: string;
  lakeBucket: string;
  now: () => Date;
  /** Automatic retries of tables held on a transient error (none when absent). */
  transient?: TransientRetryPolicy;
}

/**
 * Settles the finished runs of `listed` (oldest first) that the state has not seen, stopping at the first run that
 * has not finished: a later run's outcome must never be recorded before an earlier one's. Returns the state after.
 */
export async function settleFinishedRuns(
  deps: SettleDeps,
  listed: ReadonlyArray<{ runId: string; key: string; done: boolean }>,
  loaded: LoadedState,
): Promise<LoadedState> {
  let current = loaded;
  for (const run of listed) {
    const through = current.state.settledThrough;
    if (through !== undefined && run.runId <= through) continue;
    if (!run.done) break;
    const manifestText = await deps.store.read(run.key);
    const doneText = await deps.store.read(run.key.replace(/\.json$/, ".done"));
    if (manifestText === undefined || doneText === undefined) break;
    const tables = outcomesOf(manifestText, doneText, deps.store.uri(run.key), deps.logger);
    let held: Array<{ table: string; hold: TableHold; retrying: boolean }> = [];
    current = await updateTargetState(
      deps.store,
      deps.source,
      deps.target,
      (state) => {
        const r = settleRun(
          state,
          { runId: run.runId, manifestUri: deps.store.uri(run.key), tables },
          deps.now(),
          deps.transient,
        );
        held = r.held;
        return r.state === state ? undefined : r.state;
      },
      current,
    );
    // After the write that holds the table won, so a retried write never alerts twice.
    for (const { table, hold, retrying } of held) {
      if (retrying) {
        // No alert yet: most such errors are gone by the retry; the alert goes out if the retries run out.
        deps.logger.warn("table held on a transient error; the poller retries it by itself", { table, ...hold });
        continue;
      }
      deps.logger.error("table held: its statements failed; its later files wait until it is resumed", { table, ...hold });
      const alert = holdAlert({ ...deps, table, hold });
      await deps.alerts.publish(alert.subject, alert.message);
    }
  }
  return current;
}

/**
 * The run's table outcomes; none when its manifest or marker cannot be read (logged): such a run cannot have been
 * applied by the job (it refuses a malformed manifest), and it must not stop every later run from settling.
 */
function outcomesOf(manifestText: string, doneText: string, uri: string, logger: Logger): TableOutcome[] {
  try {
    const done = runOutcomeSchema.parse(JSON.parse(doneText));
    // The job marks a failure whose cause is transient (apply_changes.py `is_transient`).
    const transient = new Set(
      (done.tables ?? []).filter((t) => t.status === "failed" && t.transient === true).map((t) => t.table),
    );
    return tableOutcomes(runManifestSchema.parse(JSON.parse(manifestText)), done).map((o) =>
      transient.has(o.table) ? { ...o, transient: true } : o,
    );
  } catch (err) {
    logger.error("finished run cannot be settled: its manifest or .done marker is not readable", {
      manifestUri: uri,
      error: (err as Error).message.split("\n")[0],
    });
    return [];
  }
}

/**
 * The alert of a held table: table, file, error, and the commands that show and end the hold. The message is the
 * alert contract's JSON (`kind: "table-held"`, read by the Slack notifier), indented and with its sentences in
 * `text`, so an e-mail subscriber reads it too: one message for every protocol, since SNS's per-protocol messages
 * (`MessageStructure: "json"`) are not honoured by moto or fauxqs and could not be shown to reach either reader.
 */
export function holdAlert(a: { source: string; target: string; lakeBucket: string; table: string; hold: TableHold }): {
  subject: string;
  message: string;
} {
  const where = `--lake-bucket ${a.lakeBucket} --source ${a.source} --target ${a.target}`;
  const n = a.hold.files.length;
  const command = `cdc target resume ${where} --table ${a.table}`;
  const alert = {
    kind: "table-held",
    source: a.source,
    target: a.target,
    table: a.table,
    runId: a.hold.runId,
    file: a.hold.file,
    files: n,
    error: a.hold.error,
    transient: a.hold.transient === true,
    command,
    status: `cdc target status ${where}`,
    text: [
      `Table ${a.table} of target ${a.source}/${a.target} is held: its statements failed in run ${a.hold.runId}.`,
      `File: ${a.hold.file}${n > 1 ? ` (the run had ${n} files of this table, ${a.hold.files[0]} first)` : ""}`,
      `Error: ${a.hold.error}`,
      ...(a.hold.transient
        ? [`The error looks transient (S3, network, memory, connection); the poller's automatic retries did not clear it.`]
        : []),
      `Its later files wait, in order; the target's other tables go on.`,
      `After fixing the cause (the file in harmonized, the metadata or the target), resume it:`,
      `  ${command}`,
      `Status: cdc target status ${where}`,
    ],
  };
  // SNS subjects stop at 100 characters.
  return { subject: `cdc: ${a.source}/${a.target} holds ${a.table}`.slice(0, 100), message: JSON.stringify(alert, null, 2) };
}
