/**
 * Where a target's run manifests live in the lake bucket and how the poller reads that folder (DESIGN §4):
 *
 *   runs/<source>/<target>/<runId>.json   the manifest the Glue job gets as `--manifest`
 *   runs/<source>/<target>/<runId>.done   written by the job when every table is applied (the manifest's `doneUri`)
 *   runs/<source>/<target>/checkpoint     the manifest key up to which every run is known to be done
 *
 * Run ids start with the poller's UTC clock (`20261122T010203123Z-1a2b3c`), so key order is creation order and "oldest
 * pending first" is a plain listing. The checkpoint keeps that listing short: a target polled every 2 minutes writes
 * 260 000 manifests a year, and only the few after the checkpoint are ever listed.
 */

/** `runs/<source>/<target>/`: every key of one target's runs starts with it. */
export function runsPrefix(source: string, target: string): string {
  return `runs/${source}/${target}/`;
}

const RUN_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[a-z0-9]+$/;

/** A new run id: the UTC time to the millisecond, then a random suffix so two pollers never collide. */
export function newRunId(now: Date, suffix: string): string {
  if (!/^[a-z0-9]+$/.test(suffix)) throw new Error(`run id suffix ${JSON.stringify(suffix)}: expected [a-z0-9]+`);
  return `${now.toISOString().replace(/[-:.]/g, "")}-${suffix}`;
}

/** When a run id was made; undefined for anything that is not a run id. */
export function runIdTime(runId: string): Date | undefined {
  const m = RUN_ID.exec(runId);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
}

export function manifestKey(prefix: string, runId: string): string {
  return `${prefix}${runId}.json`;
}

export function checkpointKey(prefix: string): string {
  return `${prefix}checkpoint`;
}

/** The manifests of a listing, oldest first, each with whether its `.done` marker is there. */
export function runsInListing(prefix: string, keys: readonly string[]): Array<{ runId: string; key: string; done: boolean }> {
  const ids = (suffix: string) =>
    new Set(
      keys
        .filter((k) => k.startsWith(prefix) && k.endsWith(suffix))
        .map((k) => k.slice(prefix.length, -suffix.length))
        .filter((id) => runIdTime(id) !== undefined),
    );
  const done = ids(".done");
  return [...ids(".json")].sort().map((runId) => ({ runId, key: manifestKey(prefix, runId), done: done.has(runId) }));
}

/**
 * How far the checkpoint may move: past the leading manifests that are done and older than `settleMs`. The delay
 * covers a poller that made its run id, then took a while to write the manifest: its key must not land behind the
 * checkpoint, where no listing would ever see it again. Returns undefined when the checkpoint stays where it is.
 */
export function advanceCheckpoint(
  runs: ReadonlyArray<{ runId: string; key: string; done: boolean }>,
  now: Date,
  settleMs: number,
): string | undefined {
  let last: string | undefined;
  for (const run of runs) {
    const made = runIdTime(run.runId);
    if (!run.done || !made || now.getTime() - made.getTime() < settleMs) break;
    last = run.key;
  }
  return last;
}
