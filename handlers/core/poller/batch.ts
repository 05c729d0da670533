/**
 * What one poller tick applies: the validated-file messages it received, grouped by table, each table's files in DMS
 * order (full load by counter, then CDC by name) with repeated deliveries of one file kept once. Fan-out may copy a
 * message twice and DMS files of one table may arrive out of order; the batch is the same either way.
 */
import { tableId, type TableMetadata } from "../../../metadata/format";
import { findTable } from "../../../metadata/load";
import { compareDmsFiles, parseDmsKey } from "../dms-key";
import type { ValidatedFileMessage } from "../messages";
import { unquoteEtag, type ManifestTableInput } from "../plan/manifest";

/** One received message: its SQS identity and, when it parsed, the validated-file message. */
export interface ReceivedFile {
  messageId: string;
  receiptHandle: string;
  message?: ValidatedFileMessage;
  /** Why it could not be parsed. */
  error?: string;
}

export interface PlannedBatch {
  /** Tables sorted by id, files in DMS order: the input of `buildRunManifest`. */
  tables: ManifestTableInput[];
  /** Distinct files in the batch. */
  files: number;
  /** Messages the batch covers: deleted once the run has started. */
  included: ReceivedFile[];
  /**
   * Messages this target cannot apply (unreadable, another source, a key that is not a DMS file of the message's table,
   * a table without metadata), with the reason. They stay out of the batch, so one bad message never blocks the others.
   */
  rejected: Array<{ file: ReceivedFile; reason: string }>;
}

/** Groups and orders the received files; `source` is the poller's own source, `tables` its metadata. */
export function planBatch(received: readonly ReceivedFile[], source: string, tables: readonly TableMetadata[]): PlannedBatch {
  const byTable = new Map<TableMetadata, Map<string, ValidatedFileMessage>>();
  const included: ReceivedFile[] = [];
  const rejected: PlannedBatch["rejected"] = [];
  for (const file of received) {
    const m = file.message;
    if (!m) {
      rejected.push({ file, reason: file.error ?? "unreadable message" });
      continue;
    }
    if (m.source !== source) {
      rejected.push({ file, reason: `message of source ${m.source} on a queue of source ${source}` });
      continue;
    }
    const key = parseDmsKey(m.key);
    if (!key.ok) {
      rejected.push({ file, reason: key.reason });
      continue;
    }
    if (key.value.schema.toLowerCase() !== m.schema.toLowerCase() || key.value.table.toLowerCase() !== m.table.toLowerCase()) {
      rejected.push({
        file,
        reason: `key ${m.key} is a file of ${key.value.schema}.${key.value.table}, not of ${m.schema}.${m.table}`,
      });
      continue;
    }
    const meta = findTable(tables, m.schema, m.table);
    if (!meta) {
      rejected.push({ file, reason: `no metadata for table ${m.schema}.${m.table}` });
      continue;
    }
    const files = byTable.get(meta) ?? new Map<string, ValidatedFileMessage>();
    files.set(`s3://${m.bucket}/${m.key}`, m);
    byTable.set(meta, files);
    included.push(file);
  }
  const planned = [...byTable.entries()]
    .sort(([a], [b]) => (tableId(a) < tableId(b) ? -1 : tableId(a) > tableId(b) ? 1 : 0))
    .map(([meta, files]) => {
      const ordered = [...files.entries()].sort(([, a], [, b]) => compareDmsFiles(a.key, b.key));
      // ISO-8601 UTC instants of one form compare as strings.
      const committed = ordered.map(([, m]) => m.latestCommitAt).filter((t): t is string => t !== undefined);
      const latestCommitAt = committed.length > 0 ? committed.reduce((a, b) => (a >= b ? a : b)) : undefined;
      return {
        meta,
        files: ordered.map(([uri]) => uri),
        etags: ordered.map(([, m]) => unquoteEtag(m.etag)),
        columns: ordered.map(([, m]) => m.columns),
        ...(latestCommitAt !== undefined ? { latestCommitAt } : {}),
      };
    });
  return { tables: planned, files: planned.reduce((n, t) => n + t.files.length, 0), included, rejected };
}
