/**
 * Which runs start a new generation of a table (DESIGN §5 "Generations"; the statements are plan/generation.ts).
 *
 * DMS reloads a table by writing its full load again from `LOAD00000001.parquet`, under the same keys: the validated
 * file arrives with a new ETag. So a run's batch starts a new generation when it holds a LOAD file the table's state
 * records, as applied in the current generation, with another ETag — and harmonized holds that new ETag now. A
 * message naming a version harmonized no longer holds (a replay of the old generation's announcement, or an old
 * version overtaken by the reload) is dropped from the run: its bytes are gone, and the newer version has its own
 * message. A LOAD file the state does not know (a later file of the current load) joins the current generation.
 *
 * The generation id is the ETag of the LOAD file that started it, so a run re-taken after a hold, or a later run with
 * more LOAD files of the same reload, uses the same pinned floor. The state records the new generation only when a
 * run applied it: a held generation run is detected again, with the same id, after the resume.
 *
 * Not detected: a reload whose every LOAD file keeps its ETag (the same bytes: nothing to rebuild), and a reload
 * whose LOAD00000002… is applied before its LOAD00000001 arrives (applied into the old generation, then swept by the
 * rebuild until the next change of its rows; DMS writes LOAD00000001 first, the large-file path can reorder them).
 * Deployments whose state predates generations record the LOAD files from their next full-load file on.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import { tableId } from "../../../metadata/format";
import { unquoteEtag, type ManifestTableInput } from "../plan/manifest";
import { formatCdcTimestamp } from "../plan/sequence";
import { isLoadUri, keyOf, type TargetState } from "./target-state";

/**
 * The run's tables with superseded LOAD versions dropped and each table's generation set (see the file's comment).
 * `currentEtag` answers the harmonized object's ETag now (undefined when it is gone).
 */
export async function assignGenerations(
  tables: readonly ManifestTableInput[],
  state: TargetState,
  currentEtag: (key: string) => Promise<string | undefined>,
  at: Date,
  logger: Pick<Logger, "warn" | "info">,
): Promise<ManifestTableInput[]> {
  const out: ManifestTableInput[] = [];
  for (const t of tables) {
    const id = tableId(t.meta);
    const ts = state.tables[id];
    const recorded = ts?.loads ?? {};
    const kept: { files: string[]; etags: string[]; columns: Array<readonly string[] | undefined> } = {
      files: [],
      etags: [],
      columns: [],
    };
    let trigger: { file: string; etag: string } | undefined;
    for (const [i, file] of t.files.entries()) {
      const etag = unquoteEtag(t.etags[i]);
      const known = recorded[file];
      // A table waiting for a rebuild (schema-hold.ts) takes the reload's full load as a new generation even when no
      // run recorded the first one (state from before `loads`, or a CDC-only task): it is what the rebuild waits for.
      const reloaded = known !== undefined ? unquoteEtag(known) !== etag : ts?.rebuild !== undefined;
      if (isLoadUri(file) && reloaded) {
        const now = known === undefined ? etag : await currentEtag(keyOf(file));
        if (now === undefined || unquoteEtag(now) !== etag) {
          logger.warn("full-load file skipped: harmonized no longer holds the version its message names", {
            table: id,
            file,
            etag,
            current: now === undefined ? null : unquoteEtag(now),
          });
          continue;
        }
        trigger ??= { file, etag };
      }
      kept.files.push(file);
      kept.etags.push(etag);
      kept.columns.push(t.columns?.[i]);
    }
    if (kept.files.length === 0) continue;
    const files = { files: kept.files, etags: kept.etags, ...(t.columns && { columns: kept.columns }) };
    const stamp = formatCdcTimestamp(at);
    if (trigger) {
      logger.info("a reload of the table starts a new generation: it is rebuilt from the new full load", {
        table: id,
        file: trigger.file,
        etag: trigger.etag,
      });
      out.push({ ...t, ...files, generation: { id: trigger.etag, at: stamp, sweep: true, file: trigger.file } });
    } else if (ts?.generation && kept.files.some(isLoadUri)) {
      out.push({ ...t, ...files, generation: { id: ts.generation.id, at: stamp, sweep: false, file: ts.generation.file } });
    } else {
      out.push({ ...t, ...files });
    }
  }
  return out;
}
