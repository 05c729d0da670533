/**
 * `cdc validate <files…> --metadata <dir> [--json]`: the validate Lambda's rules on local files. The table comes
 * from each path exactly as from an S3 key (`…/<schema>/<table>/<file>.parquet`), so a DMS output directory copied
 * from the raw bucket validates as it would in AWS. A file that cannot be read is reported and the next one checked.
 * Exit 0 when every file is valid, 1 when any is not, 2 on usage errors.
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import { validateLocalFile, type ValidationResult } from "../../../handlers/core/validation";
import type { TableMetadata } from "../../../metadata/format";
import { readMetadataDir } from "../../../metadata/load";
import { EXIT, UserError, type CliIo } from "../io";
import { LOB_MAX_KB_HELP, lobLimitBytesFlag } from "../lob-limit-flag";
import { registerGenerateCommands } from "./generate";
import { registerQuarantineCommands } from "./quarantine";

interface ValidateFlags {
  metadata: string;
  json?: boolean;
  lobMaxKb: string;
}

/** Registers the validation family: `cdc validate`, `cdc generate` and `cdc quarantine replay`. */
export function registerValidateCommands(program: Command, io: CliIo): void {
  registerValidate(program, io);
  registerGenerateCommands(program, io);
  registerQuarantineCommands(program, io);
}

function registerValidate(program: Command, io: CliIo): void {
  program
    .command("validate")
    .description("Check DMS Parquet files against a source's metadata with the same rules as the validate Lambda")
    .argument("<files...>", "Parquet files; each path must end in <schema>/<table>/<LOAD########|yyyymmdd-hhmmssnnn>.parquet")
    .requiredOption("--metadata <dir>", "the source's metadata directory (metadata/sources/<source>)")
    .option("--json", "print a JSON array of {file, valid, table, errors: [{code, message}], warnings?}")
    .option("--lob-max-kb <kb>", LOB_MAX_KB_HELP, "32")
    .action(async (files: string[], flags: ValidateFlags) => {
      const lobLimitBytes = lobLimitBytesFlag(flags.lobMaxKb);
      if (!fs.existsSync(flags.metadata) || !fs.statSync(flags.metadata).isDirectory()) {
        throw new UserError(`--metadata ${flags.metadata}: no such directory`, EXIT.usage);
      }
      for (const f of files) {
        if (!fs.existsSync(f)) throw new UserError(`${f}: no such file`, EXIT.usage);
        if (!fs.statSync(f).isFile()) throw new UserError(`${f}: not a file`, EXIT.usage);
      }
      const { tables } = readMetadataDir(flags.metadata);
      const results: Array<{ file: string } & ValidationResult> = [];
      for (const [i, file] of files.entries()) {
        if (files.length > 20 && i % 20 === 0) io.err(`validating ${i + 1}–${Math.min(i + 20, files.length)} of ${files.length}`);
        results.push({ file, ...(await validateOne(file, tables, lobLimitBytes)) });
      }
      if (flags.json) {
        io.out(
          JSON.stringify(
            results.map((r) => ({ file: r.file, valid: r.valid, table: r.table, errors: r.errors, warnings: r.warnings })),
            null,
            2,
          ),
        );
      } else {
        for (const r of results) {
          io.out(
            `${r.file}: ${r.valid ? `ok (${r.table}, ${r.kind}, ${r.rowCount} rows)` : `INVALID${r.table ? ` (${r.table})` : ""}`}`,
          );
          for (const e of r.errors) io.out(`  ${e.code}: ${e.message}`);
          for (const w of r.warnings ?? []) io.out(`  warning ${w.code}: ${w.message}`);
        }
        const bad = results.filter((r) => !r.valid).length;
        io.err(`${results.length - bad} valid, ${bad} invalid`);
      }
      if (results.some((r) => !r.valid)) io.exitCode = EXIT.failed;
    });
}

/**
 * A damaged file is already a CORRUPT_FILE verdict; a file the system will not let us read (removed meanwhile, an I/O
 * error) is reported the same way here, where nothing retries, so one bad file never stops the others' checks.
 */
async function validateOne(
  file: string,
  tables: readonly TableMetadata[],
  lobLimitBytes: number | undefined,
): Promise<ValidationResult> {
  try {
    return await validateLocalFile(file, tables, lobLimitBytes);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ");
    return {
      valid: false,
      table: null,
      kind: null,
      errors: [{ code: "CORRUPT_FILE", message: `${file}: cannot be read (${reason})` }],
      rowCount: 0,
      minSeq: null,
      maxSeq: null,
    };
  }
}
