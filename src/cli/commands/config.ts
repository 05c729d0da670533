/**
 * `cdc config check`: check stack files with the very function the Pulumi program runs (`checkStack`), without Pulumi
 * or AWS — the fast feedback loop for someone adding a source in a pull request. Every stack is checked even when
 * another cannot be read, and each problem is one line naming its file, so CI logs and editors can point at it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import type { StackConfig } from "../../config";
import { checkStack } from "../../config-check";
import { readStackFile, stackFilePath } from "../../config-sources";
import { EXIT, UserError, type CliIo } from "../io";

interface CheckFlags {
  dir: string;
  metadata?: string;
}

export function registerConfigCommands(program: Command, io: CliIo): void {
  const config = program.command("config").description("Work with the stack settings in Pulumi.<stack>.yaml");
  config
    .command("check")
    .description("Check stack settings and each source's metadata as the program does; one line per problem")
    .argument("[stacks...]", "stack names (default: every Pulumi.<stack>.yaml in the project directory)")
    .option("-C, --dir <dir>", "project directory", ".")
    .option("--metadata <dir>", "directory with one metadata directory per source (default: <dir>/metadata/sources)")
    .action((stacks: string[], flags: CheckFlags) => {
      const names = stacks.length > 0 ? stacks : discoverStacks(flags.dir);
      if (names.length === 0) throw new UserError(`${path.resolve(flags.dir)}: no Pulumi.<stack>.yaml files`, EXIT.usage);
      const files = names.map((stack) => stackFilePath(stack, flags.dir));
      // A misspelt stack name is a bad call, not a bad stack: refuse it before checking anything.
      const missing = files.find((f) => !fs.existsSync(f));
      if (missing !== undefined) throw new UserError(`${missing}: no such stack file`, EXIT.usage);
      const metadataRoot = flags.metadata ?? path.join(flags.dir, "metadata", "sources");
      // Every file is checked, whatever the earlier ones held.
      const verdicts = files.map((file) => checkFile(file, metadataRoot, io));
      if (verdicts.includes(false)) io.exitCode = EXIT.failed;
    });
}

/** Checks one stack file and prints its verdict: ok with a summary, or one line per problem. True when ok. */
function checkFile(file: string, metadataRoot: string, io: CliIo): boolean {
  let raw: Record<string, unknown>;
  try {
    raw = readStackFile(file);
  } catch (err) {
    // Unreadable or not YAML: one line for this file, and the next file is still checked.
    if (!(err instanceof UserError)) throw err;
    io.out(err.message);
    return false;
  }
  const result = checkStack(raw, metadataRoot);
  if (result.ok) {
    io.out(`${file}: ok (${summary(result.stack.config)})`);
    return true;
  }
  for (const p of result.problems) io.out(`${file}: ${p}`);
  return false;
}

function discoverStacks(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new UserError(`${dir}: no such directory`, EXIT.usage);
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

function summary(c: StackConfig): string {
  const targets = c.sources.reduce((n, s) => n + s.targets.length, 0);
  const accounts = new Set([c.accounts.ingestion.accountId, c.accounts.lake.accountId]).size;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${plural(c.sources.length, "source")}, ${plural(targets, "target")}, ${plural(accounts, "account")}`;
}
