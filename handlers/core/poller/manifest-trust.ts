/**
 * Which manifest hash the poller vouches for when it re-submits a manifest that has no `.done` marker (DESIGN §4, issue
 * #12 "trust boundaries"). The job runs a manifest only if its bytes hash to the `--manifest_sha256` argument, so the
 * hash must come from somewhere that whoever can write the lake bucket cannot: the earlier Glue run of the same
 * manifest (its arguments, kept by Glue) or, when Glue no longer lists one (the first start never happened, or the run
 * history moved on), the poller rendering the manifest again from its own settings (Iceberg's write properties
 * included), metadata, the run id in the key and the stored file lists — only a manifest byte-identical to what the
 * poller would write is vouched for. Its SQL is then the poller's own; the files it names are the stored ones (values
 * only ever reach the statements as data).
 */
import { findTable } from "../../../metadata/load";
import { buildRunManifest, manifestBody, runManifestSchema, sha256Hex } from "../plan/manifest";
import { runIdTime } from "./runs";
import type { JobRunInfo, PollDeps } from "./ports";

/** The hash to pass with a re-submitted manifest, or undefined (logged) when the poller cannot vouch for its bytes. */
export async function pendingManifestSha256(
  deps: Pick<PollDeps, "store" | "tables" | "settings" | "logger">,
  run: { runId: string; key: string },
  manifestUri: string,
  recent: readonly JobRunInfo[],
): Promise<string | undefined> {
  const recorded = recent.find((r) => r.manifestUri === manifestUri && r.manifestSha256)?.manifestSha256;
  if (recorded) return recorded;
  const text = await deps.store.read(run.key);
  const refuse = (why: string) => {
    deps.logger.error("pending manifest not re-submitted: the poller cannot vouch for its bytes", { manifestUri, why });
    return undefined;
  };
  if (text === undefined) return refuse("it is gone");
  let rendered: string;
  try {
    const stored = runManifestSchema.parse(JSON.parse(text));
    const s = deps.settings;
    rendered = manifestBody(
      buildRunManifest({
        target: `${s.source}/${s.target}`,
        runId: run.runId,
        manifestUri,
        sparkNamespace: s.sparkNamespace,
        mysql: s.mysql,
        tombstoneRetentionDays: s.tombstoneRetentionDays,
        iceberg: s.iceberg,
        // The poller makes the run id and the manifest at one instant (tick.ts), so the tombstone cutoff cannot move.
        now: runIdTime(run.runId) ?? new Date(Number.NaN),
        // Only inputs that choose no statement are read back: which files, their versions and generation, the commit
        // time (a metric). A schema change, a rebuild or files read by their columns pick statements (ALTER, set-aside,
        // NULL columns); taken from the manifest, they would let whoever writes the bucket pick them, so a manifest
        // that carries one is not vouched for.
        tables: stored.tables.map((t) => {
          const [schema, ...rest] = t.table.split(".");
          const meta = findTable(deps.tables, schema, rest.join("."));
          if (!meta) throw new Error(`table ${t.table} has no metadata`);
          return { meta, files: t.files, etags: t.etags, generation: t.generation, latestCommitAt: t.latestCommitAt };
        }),
      }),
    );
  } catch (err) {
    return refuse((err as Error).message.split("\n")[0]);
  }
  return rendered === text ? sha256Hex(text) : refuse("it differs from the manifest the poller renders for its tables and files");
}
