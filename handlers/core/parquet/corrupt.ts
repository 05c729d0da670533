/**
 * The file's own bytes are damaged or contradict themselves: a verdict on the file (CORRUPT_FILE, quarantine), never a
 * reason to retry. Errors of the range reader itself (S3 throttling, a network failure) are never turned into this:
 * they propagate unchanged, so the message is retried instead of a good file being quarantined.
 */
export class CorruptFileError extends Error {
  constructor(message: string) {
    // One line: the message ends up in an alert, a metric dimension and `cdc validate` output.
    super(message.replace(/\s*\n\s*/g, " "));
    this.name = "CorruptFileError";
  }
}

/** The message of anything a decoder threw, on one line. */
export function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.replace(/\s*\n\s*/g, " ");
}
