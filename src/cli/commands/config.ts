/**
 * `cdc config check`: validate stack files exactly as the Pulumi program will, without Pulumi or AWS — the fast
 * feedback loop for someone adding a source in a pull request.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import type { StackConfig } from "../../config";
import { ConfigError } from "../../config-issues";
import { loadStackFile, stackFilePath } from "../../config-sources";
import { EXIT, UserError, type CliIo } from "../io";

export function registerConfigCommands(program: Command, io: CliIo): void {
  const config = program.command("config").description("Work with the stack settings in Pulumi.<stack>.yaml");
  config
    .command("check")
    .description("Validate stack settings; prints every problem with its config path")
    .argument("[stacks...]", "stack names (default: every Pulumi.<stack>.yaml in the project directory)")
    .option("-C, --dir <dir>", "project directory", ".")
    .action((stacks: string[], opts: { dir: string }) => {
      const names = stacks.length > 0 ? stacks : discoverStacks(opts.dir);
      if (names.length === 0) throw new UserError(`${path.resolve(opts.dir)}: no Pulumi.<stack>.yaml files`, EXIT.usage);
      let failed = 0;
      for (const stack of names) {
        const file = stackFilePath(stack, opts.dir);
        if (!fs.existsSync(file)) throw new UserError(`${file}: no such stack file`, EXIT.usage);
        try {
          io.out(`${file}: ok (${summary(loadStackFile(file))})`);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          failed++;
          io.out(`${file}: ${err.problems.length} ${err.problems.length === 1 ? "problem" : "problems"}`);
          for (const p of err.problems) io.out(`  ${p}`);
        }
      }
      if (failed > 0) io.exitCode = EXIT.failed;
    });
}

function discoverStacks(dir: string): string[] {
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
