/**
 * The metadata a Lambda is deployed with: one minified `metadata.json` next to its code holding the source and only
 * the tables the function serves (the validate function: every table of the source; a target's poller: the tables its
 * globs match). One file instead of one per table keeps archives small and cold starts short at 500 tables, and a
 * poller that knows only its own tables can never sweep another target's files into its runs.
 * It is read back with the same checks as the committed directory, so a damaged archive is refused, not trusted.
 */
import * as path from "node:path";
import { z } from "zod";
import { UserError } from "../src/errors";
import { sourceMetadataSchema, tableId, tableMetadataSchema, type SourceMetadata, type TableMetadata } from "./format";
import { checkTable, parseFile, readMetadataDir, type MetadataDir } from "./load";
import { nameError, sourceNameProblems } from "./name-checks";

/** The file's name in the archive. */
export const DEPLOYED_METADATA_FILE = "metadata.json";

const deployedSchema = z.strictObject({ source: sourceMetadataSchema, tables: z.array(tableMetadataSchema) });

/** The deployed file's content: `source.tables` lists exactly the tables included, so the reader can check it. */
export function deployedMetadata(source: SourceMetadata, tables: readonly TableMetadata[]): string {
  const sorted = [...tables].sort((a, b) => (tableId(a) < tableId(b) ? -1 : tableId(a) > tableId(b) ? 1 : 0));
  return JSON.stringify({ source: { ...source, tables: sorted.map(tableId) }, tables: sorted });
}

/** Reads and checks a deployed `metadata.json` (`readMetadataDir`'s checks: schema, names, listing). */
export function readDeployedMetadata(file: string): MetadataDir {
  const { source, tables } = parseFile(file, deployedSchema);
  tables.forEach((t, i) => checkTable(`${file}: tables[${i}] (${tableId(t)})`, t));
  const clashes = sourceNameProblems(tables);
  if (clashes.length > 0) throw nameError(clashes.map((p) => `${file}: ${tableId(p.table)}: ${p.message}`));
  const ids = tables.map(tableId);
  if (ids.length !== source.tables.length || ids.some((id, i) => id !== source.tables[i])) {
    throw new UserError(`${file}: source.tables does not list exactly the tables the file holds, in order`);
  }
  return { source, tables };
}

/**
 * What a handler validates against: the directory `metadataDir` names (local runs and tests point it at
 * `metadata/sources/<source>/`), or else the file deployed next to its code in `codeDir`.
 */
export function handlerMetadata(metadataDir: string | undefined, codeDir: string): MetadataDir {
  return metadataDir ? readMetadataDir(metadataDir) : readDeployedMetadata(path.join(codeDir, DEPLOYED_METADATA_FILE));
}
