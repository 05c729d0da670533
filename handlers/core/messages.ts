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
});

export type ValidatedFileMessage = z.infer<typeof validatedFileMessageSchema>;

export const VALIDATED_FILE_MESSAGE_VERSION = 1 as const;

/** Parses a message body (JSON text), throwing a one-line error that names the offending field. */
export function parseValidatedFileMessage(body: string): ValidatedFileMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`validated-file message is not JSON: ${body.slice(0, 80)}`);
  }
  const r = validatedFileMessageSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`validated-file message: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}
