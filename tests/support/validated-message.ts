/**
 * The validated-file message (DESIGN §4) the validate Lambda sends for a generated file once it is in harmonized: what
 * the poller tests put on a target queue.
 */
import * as fs from "node:fs";
import type { ValidatedFileMessage } from "../../handlers/core/messages";
import type { GeneratedFile } from "../../src/local/dms-generator";

export function validatedFileMessage(
  f: GeneratedFile,
  where: { bucket: string; etag: string; validatedAt: string },
): ValidatedFileMessage {
  return {
    version: 1,
    source: "sales",
    schema: f.schema,
    table: f.table,
    bucket: where.bucket,
    key: f.key,
    etag: where.etag,
    sizeBytes: fs.statSync(f.path).size,
    rowCount: f.rows,
    kind: f.kind,
    minSeq: f.minSeq,
    maxSeq: f.maxSeq,
    validatedAt: where.validatedAt,
  };
}
