/** Runs the `cdc` CLI in-process and captures what it prints. */
import { run } from "../../src/cli/main";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cdc(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l), exitCode: 0 });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}
