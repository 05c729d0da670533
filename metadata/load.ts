/**
 * Reading and writing a source's committed metadata directory (`metadata/sources/<source>/`): `source.json` plus one
 * `tables/<schema>.<table>.json` per table. Reading validates every file and names the file and field of the first
 * problem, because these files are edited by hand in pull requests as often as they are extracted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { z } from "zod";
import { UserError } from "../src/errors";
import { fieldPath, issueMessages } from "./zod-messages";
import {
  serializeMetadata,
  sourceMetadataSchema,
  tableId,
  tableMetadataSchema,
  type SourceMetadata,
  type TableMetadata,
} from "./format";
import { checkMetadataNames, nameError, sourceNameProblems } from "./name-checks";

const SOURCE_FILE = "source.json";
const TABLES_DIR = "tables";

/** A source's metadata as read from (or written to) its directory. */
export interface MetadataDir {
  source: SourceMetadata;
  /** Sorted by `<schema>.<table>`. */
  tables: TableMetadata[];
}

/**
 * Reads and validates `dir/source.json` and every `dir/tables/*.json`, names included (DESIGN §4 "Names": reserved,
 * too long, unsafe, or colliding after target naming), so every loader refuses what the extractor refuses. Throws a
 * `UserError` naming the file and the field (`…/tables/public.orders.json: columns[2].dmsType: expected one of …`) on
 * the first problem found, or one line per table when tables collide.
 */
export function readMetadataDir(dir: string): MetadataDir {
  const sourceFile = path.join(dir, SOURCE_FILE);
  const source = parseFile(sourceFile, sourceMetadataSchema);
  const tablesDir = path.join(dir, TABLES_DIR);
  const files = fs.existsSync(tablesDir) ? fs.readdirSync(tablesDir).filter((f) => f.endsWith(".json")) : [];
  const fileOf = new Map<TableMetadata, string>();
  const tables = files.sort().map((f) => {
    const file = path.join(tablesDir, f);
    const table = parseFile(file, tableMetadataSchema);
    if (`${tableId(table)}.json` !== f) {
      throw new UserError(`${file}: schema and table say ${tableId(table)}; the file must be named ${tableId(table)}.json`);
    }
    checkTable(file, table);
    fileOf.set(table, file);
    return table;
  });
  const clashes = sourceNameProblems(tables);
  if (clashes.length > 0) throw nameError(clashes.map((p) => `${fileOf.get(p.table)}: ${p.message}`));
  const present = tables.map(tableId);
  const missing = source.tables.filter((t) => !present.includes(t));
  const unlisted = present.filter((t) => !source.tables.includes(t));
  if (missing.length > 0) {
    throw new UserError(`${sourceFile}: tables lists ${missing.join(", ")} but ${tablesDir} has no file for it`);
  }
  if (unlisted.length > 0) {
    throw new UserError(`${sourceFile}: tables does not list ${unlisted.join(", ")} (found in ${tablesDir})`);
  }
  return { source, tables };
}

/** The table `schema.table`, matched case-insensitively like DMS output keys are (DESIGN §4). */
export function findTable(tables: readonly TableMetadata[], schema: string, table: string): TableMetadata | undefined {
  const s = schema.toLowerCase();
  const t = table.toLowerCase();
  return tables.find((x) => x.schema.toLowerCase() === s && x.table.toLowerCase() === t);
}

/**
 * Writes `source.json` (its `tables` list set from `tables`) and one file per table with deterministic serialisation,
 * and removes table files of tables no longer present. Files whose content is unchanged are not rewritten. Returns
 * whether any file was written or removed.
 */
export function writeMetadataDir(dir: string, source: SourceMetadata, tables: readonly TableMetadata[]): boolean {
  // Before anything is written: names the check refuses include those that would put a file outside `dir`.
  checkMetadataNames(tables);
  const ids = tables.map(tableId);
  const tablesDir = path.join(dir, TABLES_DIR);
  const files = ids.map((id) => path.join(tablesDir, `${id}.json`));
  const stray = files.find((f) => path.dirname(f) !== tablesDir);
  // Unreachable while the name rules refuse separators; kept so a future rule change cannot reopen path traversal.
  if (stray !== undefined) throw new UserError(`${stray}: metadata file outside ${tablesDir}; refusing to write`);
  fs.mkdirSync(tablesDir, { recursive: true });
  let changed = false;
  tables.forEach((table, i) => {
    changed = writeIfChanged(files[i], serializeMetadata(tableMetadataSchema.parse(table))) || changed;
  });
  const keep = new Set(ids.map((id) => `${id}.json`));
  for (const f of fs.readdirSync(tablesDir)) {
    if (f.endsWith(".json") && !keep.has(f)) {
      fs.rmSync(path.join(tablesDir, f));
      changed = true;
    }
  }
  const listed = sourceMetadataSchema.parse({ ...source, tables: [...ids].sort() });
  return writeIfChanged(path.join(dir, SOURCE_FILE), serializeMetadata(listed)) || changed;
}

function writeIfChanged(file: string, text: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return false;
  // Write then rename, so an interrupted run never leaves a half-written file for the next reader.
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return true;
}

/** Reads `file` as JSON and validates it with `schema`; a problem is one line naming the file and the field. */
export function parseFile<T extends z.ZodType>(file: string, schema: T): z.output<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`${file}: cannot read metadata (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const result = schema.safeParse(json, { error: metadataIssueMessage });
  if (!result.success) {
    // A misspelt field also shows up as the real one missing; the misspelling (with its suggestion) says more.
    const issue = result.error.issues.find((i) => i.code === "unrecognized_keys") ?? result.error.issues[0];
    const at = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
    throw new UserError(`${file}: ${at.length > 0 ? `${fieldPath(at)}: ` : ""}${issue.message}`);
  }
  return result.data;
}

const metadataIssueMessage = issueMessages({ key: "field", object: "an object" });

/**
 * What the zod schema does not say about one table: names unique across replicated and excluded columns, and ordinals
 * (the key's columns and the replicated columns' own names are checked by the schema, name-rules.ts).
 */
export function checkTable(file: string, t: TableMetadata): void {
  const names = new Map<string, string>();
  const ordinals = new Set<number>();
  const all = [
    ...t.columns.map((c, i) => ({ c, at: `columns[${i}]` })),
    ...t.excluded.map((c, i) => ({ c, at: `excluded[${i}]` })),
  ];
  for (const { c, at } of all) {
    const prior = names.get(c.name.toLowerCase());
    if (prior !== undefined) throw new UserError(`${file}: ${at}.name: ${c.name} is also ${prior}`);
    names.set(c.name.toLowerCase(), `${at}.name`);
    if (ordinals.has(c.ordinal)) throw new UserError(`${file}: ${at}.ordinal: ${c.ordinal} is used by another column`);
    ordinals.add(c.ordinal);
  }
  t.columns.forEach((c, i) => {
    // Metadata written before TIME columns travelled as text: files of that shape cannot be read by Spark or Athena.
    if (c.parquet.logical?.type === "TIME" || (c.dmsType === "TIME" && c.parquet.logical?.type !== "STRING")) {
      throw new UserError(
        `${file}: columns[${i}].parquet: ${c.name} (DMS ${c.dmsType}) must be BYTE_ARRAY STRING: TIME columns travel as text HH:MM:SS[.fffffff], since Spark 3.5 and Athena cannot read a Parquet TIME; re-extract the metadata`,
      );
    }
  });
  for (let i = 1; i < t.columns.length; i++) {
    if (t.columns[i].ordinal <= t.columns[i - 1].ordinal) {
      throw new UserError(`${file}: columns[${i}].ordinal: columns must be in source ordinal order`);
    }
  }
}
