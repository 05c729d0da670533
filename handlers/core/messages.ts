/**
 * The validated-file message (DESIGN §4): what the validate Lambda emits for every file it moved to the harmonized
 * bucket, and what fan-out copies into each target's queue. Consumers parse it with this schema, so a producer change
 * that breaks them fails loudly at the boundary instead of deep inside a merge.
 */
import { z } from "zod";

/** A 35-digit `$AR_H_CHANGE_SEQ`; null for full-load files, which carry no change sequence. */
const seq = z
  .string()
  .regex(/^\d{1,35}$/)
  .nullable();

export const validatedFileMessageSchema = z.strictObject({
  version: z.literal(1),
  /** Source name from the stack config (`sales`). */
  source: z.string().min(1),
  schema: z.string().min(1),
  table: z.string().min(1),
  /** Harmonized bucket and key the file now lives at. */
  bucket: z.string().min(3),
  key: z.string().min(1),
  etag: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  rowCount: z.number().int().nonnegative(),
  kind: z.enum(["load", "cdc"]),
  minSeq: seq,
  maxSeq: seq,
  validatedAt: z.iso.datetime(),
  /**
   * When the file's newest change was committed at the source (its largest `cdc_timestamp`, ISO-8601 UTC), when the
   * footer says: the poller measures "commit to target" from it. Optional, so messages without it stay valid.
   */
  latestCommitAt: z.iso.datetime().optional(),
  /**
   * The file's source columns (DMS's `Op`, `cdc_seq` and `cdc_timestamp` aside), as validation found them: exactly the
   * columns of the metadata it was validated against. A file validated before a column was added lacks it, and the
   * run reads it as NULL there (plan.ts `BatchFile.columns`). Optional, so messages without it stay valid.
   */
  columns: z.array(z.string().min(1)).optional(),
  /**
   * Validation warnings on the (valid) file: LOB columns with values that reach the limited-LOB-mode limit and may have
   * been cut by DMS. Optional, so messages without it stay valid.
   */
  warnings: z
    .array(z.strictObject({ code: z.string().min(1), column: z.string().min(1), count: z.number().int().positive() }))
    .optional(),
});

export type ValidatedFileMessage = z.infer<typeof validatedFileMessageSchema>;

export const VALIDATED_FILE_MESSAGE_VERSION = 1 as const;

/** Parses a message body (JSON text), throwing a one-line error that names the offending field. */
export function parseValidatedFileMessage(body: string): ValidatedFileMessage {
  return parseMessage(validatedFileMessageSchema, "validated-file message", body);
}

/** A message body checked against `schema`; errors name `what` and the offending field, in one line. */
function parseMessage<T>(schema: z.ZodType<T>, what: string, body: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`${what} is not JSON: ${body.slice(0, 80)}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${what}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}

/**
 * The large-file Glue job's answer (on the validation queue, next to S3 events): the raw object it checked, a digest of
 * the SQL it ran and the single result row. The validate Lambda renders the checks again and, when they are the ones
 * that ran, turns the row into a verdict (`largeFileVerdict`) and moves the file as for a file it checked itself.
 */
export const largeFileResultSchema = z.strictObject({
  version: z.literal(1),
  kind: z.literal("large-file-result"),
  bucket: z.string().min(3),
  key: z.string().min(1),
  /** The version checked: the file is moved only if raw still holds exactly it. */
  etag: z.string().min(1),
  table: z.string().min(1),
  fileKind: z.enum(["load", "cdc"]),
  /** SHA-256 (hex) of the SQL the job ran: the Lambda trusts the row only for the checks it would render itself. */
  sqlSha256: z.string().regex(/^[0-9a-f]{64}$/),
  row: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  /**
   * Set, with an empty row, when Spark could not decode the file's bytes (a damaged page the footer does not show):
   * the reader's one-line cause. The Lambda quarantines the file as CORRUPT_FILE.
   */
  unreadable: z.string().min(1).max(2000).optional(),
});

export type LargeFileResultMessage = z.infer<typeof largeFileResultSchema>;

/** True for a message body that claims to be a large-file result (then {@link parseLargeFileResult} must accept it). */
export function isLargeFileResult(body: string): boolean {
  try {
    return (JSON.parse(body) as { kind?: unknown } | null)?.kind === "large-file-result";
  } catch {
    return false;
  }
}

/** Parses a large-file result body, throwing a one-line error that names the offending field. */
export function parseLargeFileResult(body: string): LargeFileResultMessage {
  return parseMessage(largeFileResultSchema, "large-file result", body);
}

/**
 * True when SQS says `senderId` sent the message as the large-file job's role, identified by the role's unique id
 * (`AROA…`, which a deleted and re-created role of the same name does not share). For a role, SQS's `SenderId` is
 * `<role unique id>:<role session name>` — "For an IAM role, returns the IAM role ID, for example
 * ABCDE1F2GH3I4JK5LMNOP:i-a123b456" (SQS ReceiveMessage API reference, MessageSystemAttributeNames, SenderId:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html); role unique ids start
 * with AROA (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-prefixes). SQS sets
 * the attribute itself, so a sender cannot choose it; the session name is the caller's and proves nothing.
 */
export function sentByRole(senderId: string | undefined, roleUniqueId: string | undefined): boolean {
  if (!senderId || !roleUniqueId || !/^AROA[A-Z0-9]+$/.test(roleUniqueId)) return false;
  const [role, session, ...rest] = senderId.split(":");
  return role === roleUniqueId && !!session && rest.length === 0;
}

/**
 * The file a message body names, as far as it names one: for the alert about a message that is not trusted, which may
 * be malformed on purpose. Only strings are taken, and cut, so an alert never carries more than a key's worth.
 */
export function claimedObject(body: string): { bucket?: string; key?: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {};
  }
  const m = (json ?? {}) as { bucket?: unknown; key?: unknown };
  const text = (v: unknown) => (typeof v === "string" ? v.slice(0, 1024) : undefined);
  return { bucket: text(m.bucket), key: text(m.key) };
}
