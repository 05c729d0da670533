/**
 * `cdc docs config`: writes docs/configuration.md from the stack-config schema (src/config-docs.ts), or with `--check`
 * only says whether the committed file is current. A test runs the same comparison, so a schema change without the
 * regenerated reference fails CI with the command to run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { CONFIGURATION_DOC, CONFIGURATION_DOC_COMMAND, configurationDoc } from "../../config-docs";
import { EXIT, type CliIo } from "../io";

export function registerDocsCommands(program: Command, io: CliIo): void {
  const docs = program.command("docs").description("Generate the reference documentation under docs/");
  docs
    .command("config")
    .description(`Write ${CONFIGURATION_DOC} from the stack-config schema (src/config.ts)`)
    .option("-C, --dir <dir>", "project directory", ".")
    .option("--check", "write nothing; exit 1 when the file differs from what would be written")
    .action(async (flags: { dir: string; check?: boolean }) => {
      const file = path.join(flags.dir, CONFIGURATION_DOC);
      const expected = await configurationDoc();
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
      if (flags.check) {
        if (current === expected) io.out(`${file}: up to date`);
        else {
          io.out(`${file}: ${current === undefined ? "missing" : "out of date"}; run \`${CONFIGURATION_DOC_COMMAND}\``);
          io.exitCode = EXIT.failed;
        }
        return;
      }
      if (current === expected) {
        io.out(`${file}: unchanged`);
        return;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, expected);
      io.out(`${file}: written`);
    });
}
