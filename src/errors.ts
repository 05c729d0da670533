/** Exit codes shared by every command: 1 when the input is bad (invalid files or settings), 2 when the call itself is. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * A problem the person running the tool can fix (bad flag, unreadable file, invalid settings). Its message is one
 * line naming the file, setting or column and what was expected; it is printed without a stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = "UserError";
  }
}
