/**
 * How commands talk to the person running them. Results go to stdout, progress and problems to stderr, so
 * `cdc … --json | jq` stays clean. Tests pass a capturing implementation.
 */
export interface CliIo {
  /** Results: the command's answer. */
  out(line: string): void;
  /** Progress, warnings and errors. */
  err(line: string): void;
  /** A command that finished but found problems (invalid files, say) sets this instead of throwing. */
  exitCode: number;
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    exitCode: 0,
  };
}

export { EXIT, UserError } from "../errors";
