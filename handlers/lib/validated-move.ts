/**
 * What the validate Lambda does with one raw object: validate it in place (footer by range), then move it — to the
 * harmonized bucket with the validated-file message, or to quarantine with one alert. The order is what makes it
 * safe to retry at any point: copy, verify the copy, announce, and only then delete from raw. A duplicate or late
 * event for an object already moved finds nothing in raw and does nothing.
 */
import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "@aws-lambda-powertools/logger";
import { tableId, type TableMetadata } from "../../metadata/format";
import {
  claimedObject,
  VALIDATED_FILE_MESSAGE_VERSION,
  type LargeFileResultMessage,
  type ValidatedFileMessage,
} from "../core/messages";
import {
  largeFileVerdict,
  renderLargeFileChecks,
  unreadableLargeFileVerdict,
  type LargeFileChecks,
} from "../core/validation/large-file-checks";
import { validateObject, type ObjectValidation } from "../core/validation";
import {
  copyVerified,
  deleteIfUnchanged,
  headObject,
  s3RangeReader,
  SOURCE_ETAG_METADATA,
  type ObjectVersion,
} from "./s3-objects";
import type { S3ObjectEvent } from "./s3-event";

export interface ValidateSettings {
  source: string;
  harmonizedBucket: string;
  quarantineBucket: string;
  alertTopicArn: string;
  fanOutQueueUrl: string;
  /** Files at least this big without statistics go to the large-file job (when one is configured). */
  largeFileBytes: number;
  /** The DMS task's LobMaxSize in bytes in limited LOB mode; absent in full LOB mode (nothing is cut). */
  lobLimitBytes?: number;
}

export interface MoveDeps {
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  tables: readonly TableMetadata[];
  settings: ValidateSettings;
  logger: Logger;
  /** Starts the large-file Glue job for a file; absent → such files are validated here by reading column chunks. */
  startLargeFileJob?: (obj: ObjectVersion, result: ObjectValidation) => Promise<void>;
  now?: () => Date;
}

export type Outcome = "harmonized" | "quarantined" | "large-file-job" | "already-moved" | "gone" | "superseded";

/** S3 user metadata is ASCII and at most 2 KB per object; messages are percent-encoded and capped. */
const MAX_REASONS_CHARS = 1500;
/**
 * Violations listed in one alert: SNS refuses messages over 256 KB, and a file of the wrong table can have a violation
 * per column (thousands on a wide table). The alert gives the total; `cdc validate` on the file lists them all.
 */
export const MAX_ALERT_ERRORS = 50;

export async function validateAndMove(
  deps: MoveDeps,
  event: S3ObjectEvent,
): Promise<{ outcome: Outcome; result?: ObjectValidation }> {
  const { s3, settings, logger } = deps;
  const raw = await rawObject(deps, event);
  if ("outcome" in raw) return raw;
  const result = await validateObject({
    key: raw.key,
    tables: deps.tables,
    reader: s3RangeReader(s3, raw),
    largeFileBytes: deps.startLargeFileJob ? settings.largeFileBytes : undefined,
    lobLimitBytes: settings.lobLimitBytes,
  });
  if (result.largeFileJob && deps.startLargeFileJob) {
    await deps.startLargeFileJob(raw, result);
    logger.info("large file without statistics handed to the Glue job", {
      key: raw.key,
      sizeBytes: raw.size,
      columns: result.largeFileJob.columns,
    });
    return { outcome: "large-file-job", result };
  }
  return moveByVerdict(deps, raw, result);
}

/**
 * Finishes a file the large-file job checked: its verdict from the job's result row, then the same move as for a file
 * checked here — provided raw still holds the version the job read. A newer version has its own event and check.
 */
export async function completeLargeFile(
  deps: MoveDeps,
  message: LargeFileResultMessage,
): Promise<{ outcome: Outcome; result?: ObjectValidation }> {
  const raw = await rawObject(deps, message);
  if ("outcome" in raw) return raw;
  if (raw.etag !== message.etag) {
    deps.logger.info("raw object replaced since the large-file job read it; its own event validates the new one", {
      key: raw.key,
      checked: message.etag,
      current: raw.etag,
    });
    return { outcome: "superseded" };
  }
  // The rules may have changed since the hand-off (a deployment with new metadata): then the row answers other
  // questions, and the file is validated again from the start.
  const checks = largeFileChecksFor(deps.tables, message.table, message.fileKind, raw);
  if (!checks || createHash("sha256").update(checks.sql).digest("hex") !== message.sqlSha256) {
    deps.logger.warn("large-file result answers checks that are no longer the current ones; validating again", {
      key: raw.key,
      table: message.table,
    });
    return validateAndMove(deps, raw);
  }
  const verdict =
    message.unreadable !== undefined
      ? unreadableLargeFileVerdict(raw.key, message.unreadable)
      : largeFileVerdict(checks, message.row);
  const result: ObjectValidation = {
    valid: verdict.errors.length === 0,
    table: message.table,
    kind: message.fileKind,
    ...verdict,
  };
  return moveByVerdict(deps, raw, result);
}

/**
 * A large-file verdict that did not come from the job's role: anyone allowed to send to the validation queue could
 * have written it, so it is not applied. One alert names the sender, the file and the queue; the message is then
 * consumed (the caller reports success), since retrying cannot make it trustworthy. The file stays in raw, where its
 * own event — or the reconciler — has it validated.
 */
export async function ignoreForeignVerdict(
  deps: MoveDeps,
  message: { body: string; senderId?: string; queueArn: string; expectedRoleId?: string },
): Promise<void> {
  const { settings, logger } = deps;
  const claimed = claimedObject(message.body);
  const details = {
    kind: "foreign-large-file-verdict",
    source: settings.source,
    senderId: message.senderId ?? "(none)",
    queue: message.queueArn,
    bucket: claimed.bucket,
    key: claimed.key,
    // Without a job there is no sender to trust: every verdict is foreign.
    expectedSender: message.expectedRoleId ? `${message.expectedRoleId}:<session>` : "(no large-file job deployed)",
  };
  logger.error("large-file verdict from a sender other than the large-file job's role ignored", details);
  await deps.sns.send(
    new PublishCommand({
      TopicArn: settings.alertTopicArn,
      Subject: `cdc ${settings.source}: large-file verdict from an unexpected sender ignored`.slice(0, 100),
      Message: JSON.stringify(details),
    }),
  );
}

/** The large-file checks of a raw object of `table` (`<schema>.<table>`), as the Lambda's metadata renders them now. */
export function largeFileChecksFor(
  tables: readonly TableMetadata[],
  table: string,
  kind: "load" | "cdc",
  obj: { bucket: string; key: string },
): LargeFileChecks | undefined {
  const meta = tables.find((t) => tableId(t) === table);
  return meta && renderLargeFileChecks(meta, kind, `s3://${obj.bucket}/${obj.key}`);
}

/** The raw object as it is now, or why there is nothing to do (already moved, or gone). */
async function rawObject(deps: MoveDeps, ref: { bucket: string; key: string }): Promise<ObjectVersion | { outcome: Outcome }> {
  const { s3, settings, logger } = deps;
  const head = await headObject(s3, ref);
  if (!head) {
    const moved =
      (await headObject(s3, { bucket: settings.harmonizedBucket, key: ref.key })) ??
      (await headObject(s3, { bucket: settings.quarantineBucket, key: ref.key }));
    const outcome: Outcome = moved ? "already-moved" : "gone";
    logger.info("raw object absent; nothing to do", {
      bucket: ref.bucket,
      key: ref.key,
      outcome,
      movedFrom: moved?.Metadata?.[SOURCE_ETAG_METADATA],
    });
    return { outcome };
  }
  return { bucket: ref.bucket, key: ref.key, etag: head.ETag as string, size: head.ContentLength ?? 0 };
}

/** Harmonized with the validated-file message, or quarantine with one alert; raw is deleted last, if unchanged. */
async function moveByVerdict(
  deps: MoveDeps,
  raw: ObjectVersion,
  result: ObjectValidation,
): Promise<{ outcome: Outcome; result?: ObjectValidation }> {
  const { s3, settings, logger } = deps;
  const validatedAt = (deps.now?.() ?? new Date()).toISOString();
  if (result.valid) {
    const to = { bucket: settings.harmonizedBucket, key: raw.key };
    const etag = await copyVerified(s3, raw, to, {
      "cdc-validation": "passed",
      "cdc-kind": result.kind ?? "",
      "cdc-row-count": String(result.rowCount),
      "cdc-min-seq": result.minSeq ?? "",
      "cdc-max-seq": result.maxSeq ?? "",
      "cdc-validated-at": validatedAt,
    });
    const meta = deps.tables.find((t) => tableId(t) === result.table) as TableMetadata;
    const message: ValidatedFileMessage = {
      version: VALIDATED_FILE_MESSAGE_VERSION,
      source: settings.source,
      schema: meta.schema,
      table: meta.table,
      bucket: to.bucket,
      key: to.key,
      etag,
      sizeBytes: raw.size,
      rowCount: result.rowCount,
      kind: result.kind as "load" | "cdc",
      minSeq: result.minSeq,
      maxSeq: result.maxSeq,
      validatedAt,
      ...(result.latestCommitAt !== undefined ? { latestCommitAt: result.latestCommitAt } : {}),
      // A valid file has every column of the metadata and no other (MISSING_COLUMN, UNEXPECTED_COLUMN).
      columns: meta.columns.map((c) => c.name),
      ...(result.warnings && { warnings: result.warnings.map(({ code, column, count }) => ({ code, column, count })) }),
    };
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: settings.fanOutQueueUrl, MessageBody: JSON.stringify(message) }));
    const deleted = await deleteIfUnchanged(s3, raw);
    logger.info("file harmonized", { key: raw.key, table: result.table, rowCount: result.rowCount, deleted });
    for (const w of result.warnings ?? [])
      logger.warn(w.message, { key: raw.key, code: w.code, column: w.column, count: w.count });
    return { outcome: deleted ? "harmonized" : "superseded", result };
  }
  const to = { bucket: settings.quarantineBucket, key: raw.key };
  await copyVerified(s3, raw, to, {
    "cdc-validation": "failed",
    // Rows the file holds, for reconciliation with DMS (handlers/core/dms/evidence.ts): no footer read needed later.
    "cdc-kind": result.kind ?? "",
    "cdc-row-count": String(result.rowCount),
    "cdc-error-codes": [...new Set(result.errors.map((e) => e.code))].join(","),
    "cdc-errors": encodedPrefix(JSON.stringify(result.errors), MAX_REASONS_CHARS),
    "cdc-validated-at": validatedAt,
  });
  await deps.sns.send(
    new PublishCommand({
      TopicArn: settings.alertTopicArn,
      Subject: `cdc ${settings.source}: file quarantined (${result.errors[0]?.code ?? "INVALID"})`.slice(0, 100),
      Message: JSON.stringify({
        kind: "validation-failed",
        source: settings.source,
        table: result.table,
        rawBucket: raw.bucket,
        quarantineBucket: to.bucket,
        key: raw.key,
        sizeBytes: raw.size,
        errors: result.errors.slice(0, MAX_ALERT_ERRORS),
        errorCount: result.errors.length,
        // The Lambda does not know the stack name; `--stack` is required, so the placeholder says to fill it in.
        replay: `cdc quarantine replay --stack <stack> --source ${settings.source}${result.table ? ` --table ${result.table}` : ""}`,
      }),
    }),
  );
  const deleted = await deleteIfUnchanged(s3, raw);
  logger.warn("file quarantined", { key: raw.key, table: result.table, errors: result.errors, deleted });
  return { outcome: deleted ? "quarantined" : "superseded", result };
}

/** Percent-encoded `text`, cut to at most `max` characters without splitting an escape, so it always decodes. */
export function encodedPrefix(text: string, max: number): string {
  const encoded = encodeURIComponent(text);
  if (encoded.length <= max) return encoded;
  let cut = encoded.slice(0, max);
  cut = cut.replace(/%[0-9A-F]?$/, "");
  // A multi-byte character's escapes must all stay or all go.
  while (cut.length > 0) {
    try {
      decodeURIComponent(cut);
      return cut;
    } catch {
      cut = cut.slice(0, cut.lastIndexOf("%"));
    }
  }
  return cut;
}
