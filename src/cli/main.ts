/**
 * The `cdc` command. Each subcommand lives in `commands/` and registers itself here; this file only wires them up
 * and turns errors into one line and an exit code.
 */
import { Command, CommanderError } from "commander";
import pkg from "../../package.json";
import { ConfigError } from "../config-issues";
import { registerConfigCommands } from "./commands/config";
import { registerDocsCommands } from "./commands/docs";
import { registerCatalogCommands } from "./commands/catalog";
import { registerMetadataCommands } from "./commands/metadata";
import { registerValidateCommands } from "./commands/validate";
import { registerReplayCommands } from "./commands/replay";
import { registerLocalCommands } from "./commands/local";
import { registerModelCommands } from "./commands/model";
import { registerTargetCommands } from "./commands/target";
import { registerDmsCommands } from "./commands/dms";
import { registerReconcileCommands } from "./commands/reconcile";
import { EXIT, processIo, UserError, type CliIo } from "./io";

export function buildCli(io: CliIo): Command {
  const program = new Command("cdc")
    .description("Change-data-capture pipelines from source databases through DMS and S3 to MySQL and Athena")
    .version(pkg.version, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  registerConfigCommands(program, io);
  registerMetadataCommands(program, io);
  registerCatalogCommands(program, io);
  registerValidateCommands(program, io);
  registerReplayCommands(program, io);
  registerLocalCommands(program, io);
  registerModelCommands(program, io);
  registerTargetCommands(program, io);
  registerDmsCommands(program, io);
  registerReconcileCommands(program, io);
  registerDocsCommands(program, io);
  // Subcommands inherit output and exit handling, so usage errors anywhere come back here as CommanderError.
  for (const cmd of program.commands) applyDefaults(cmd, io);
  return program;
}

function applyDefaults(cmd: Command, io: CliIo): void {
  cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  for (const sub of cmd.commands) applyDefaults(sub, io);
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildCli(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return io.exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message; help and version are successful exits.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help")
      return EXIT.ok;
    return EXIT.usage;
  }
  if (err instanceof UserError) {
    io.err(`cdc: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    io.err(`cdc: ${err.message}`);
    return EXIT.failed;
  }
  io.err(`cdc: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.failed;
}
