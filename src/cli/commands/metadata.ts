/**
 * `cdc metadata extract`: read a source database's schema through its own catalog and write the committed metadata
 * files (`metadata/sources/<source>/`) that DMS, validation, the Glue catalog and the targets are built from.
 */
import * as path from "node:path";
import { Option, type Command } from "commander";
import { ENGINES, type Engine } from "../../config";
import { extractSource } from "../../../metadata/extract-source";
import { parseConnectionUrl } from "../../../metadata/extractors/connection";
import { EXIT, UserError, type CliIo } from "../io";
import { registerMetadataDiff } from "./metadata-diff";

const SOURCE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

interface ExtractFlags {
  engine: string;
  url: string;
  source: string;
  include: string[];
  exclude: string[];
  out?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerMetadataCommands(program: Command, io: CliIo): void {
  const metadata = program.command("metadata").description("Extract and inspect the committed metadata of source databases");
  metadata
    .command("extract")
    .description("Read a source database's tables from its catalog and write metadata/sources/<source>/")
    .requiredOption("--engine <engine>", `source engine: ${ENGINES.join(", ")}`)
    .addOption(
      // From the environment, the password stays out of shell history and process listings.
      new Option("--url <url>", "connection URL, e.g. postgres://user:password@host:5432/crm (the password is never printed)")
        .env("CDC_SOURCE_URL")
        .makeOptionMandatory(),
    )
    .requiredOption("--source <name>", "the source's name in the stack file (cdc:sources[].name)")
    .option("--include <glob>", "only tables matching this schema.table glob (repeatable)", collect, [])
    .option("--exclude <glob>", "leave out tables matching this schema.table glob (repeatable)", collect, [])
    .option("--out <dir>", "metadata directory (default: metadata/sources/<source>)")
    .action(async (flags: ExtractFlags) => {
      if (!(ENGINES as readonly string[]).includes(flags.engine)) {
        throw new UserError(
          `--engine: expected one of ${ENGINES.join(", ")}, received ${JSON.stringify(flags.engine)}`,
          EXIT.usage,
        );
      }
      if (!SOURCE_NAME.test(flags.source)) {
        throw new UserError(
          `--source: expected lower-kebab-case starting with a letter, received ${JSON.stringify(flags.source)}`,
          EXIT.usage,
        );
      }
      for (const glob of [...flags.include, ...flags.exclude]) {
        if (!/^[^.]+\.[^.]+$/.test(glob))
          throw new UserError(
            `--include/--exclude: expected a glob over schema.table such as "dbo.*", received ${JSON.stringify(glob)}`,
            EXIT.usage,
          );
      }
      const engine = flags.engine as Engine;
      const out = flags.out ?? path.join("metadata", "sources", flags.source);
      const c = parseConnectionUrl(engine, flags.url);
      io.err(`reading the ${engine} catalog at ${c.host}:${c.port}${c.database ? `/${c.database}` : ""}`);
      const result = await extractSource({
        engine,
        url: flags.url,
        source: flags.source,
        include: flags.include,
        exclude: flags.exclude,
        out,
        progress: (line) => io.err(`  ${line}`),
      });
      const n = result.tables.length;
      io.out(
        `${out}: ${n} ${n === 1 ? "table" : "tables"}, ${result.changed ? `written (extractedAt ${result.source.extractedAt})` : "unchanged"}`,
      );
    });
  registerMetadataDiff(metadata, io);
}
