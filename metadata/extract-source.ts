/**
 * One extraction run: read the engine's catalog, keep the tables the globs select, map every column through DMS,
 * and write the metadata directory — keeping `extractedAt` when nothing changed, so re-extracting an unchanged
 * database changes no byte.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Engine } from "./engines";
import { UserError } from "../src/errors";
import { catalogToTables, keepExtractedAt, type Catalog } from "./extract";
import { readMysqlCatalog } from "./extractors/mysql";
import { readOracleCatalog } from "./extractors/oracle";
import { readPostgresCatalog } from "./extractors/postgres";
import { readSqlServerCatalog } from "./extractors/sqlserver";
import { tableId, type SourceMetadata, type TableMetadata } from "./format";
import { readMetadataDir, writeMetadataDir, type MetadataDir } from "./load";
import { checkMetadataNames } from "./name-checks";
import { selectTables } from "./table-glob";
import { carryPartitionSpecs } from "./partition-spec";

/** Reads a database's catalog: the only step that talks to the source. */
export type CatalogReader = (url: string) => Promise<{ database: string; catalog: Catalog }>;

export const CATALOG_READERS: Record<Engine, CatalogReader> = {
  sqlserver: readSqlServerCatalog,
  mysql: readMysqlCatalog,
  postgres: readPostgresCatalog,
  oracle: readOracleCatalog,
};

export interface ExtractOptions {
  engine: Engine;
  /** Connection URL; its password is never printed. */
  url: string;
  /** The source's stable name (`cdc:sources[].name`). */
  source: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** Metadata directory, `metadata/sources/<source>` by default. */
  out: string;
  /** Progress, one line per table. */
  progress?: (line: string) => void;
  now?: Date;
  /** Replaces the engine's reader (the examples replay recorded catalog rows through it). */
  reader?: CatalogReader;
}

export interface ExtractResult extends MetadataDir {
  /** False when the directory already held exactly these bytes. */
  changed: boolean;
}

/** Keeps the tables `include`/`exclude` select (globs over `schema.table`, case-insensitive). */
export function filterCatalog(catalog: Catalog, include: readonly string[], exclude: readonly string[]): Catalog {
  const ids = [...new Set(catalog.columns.map(tableId))];
  const keep = new Set(selectTables(ids, (id) => id, include, exclude));
  return {
    columns: catalog.columns.filter((c) => keep.has(tableId(c))),
    primaryKeys: catalog.primaryKeys.filter((k) => keep.has(tableId(k))),
  };
}

/** Builds the metadata of a source from an already-read catalog and writes it to `opts.out`. */
export function writeExtraction(opts: ExtractOptions, database: string, catalog: Catalog): ExtractResult {
  const selected = filterCatalog(catalog, opts.include ?? [], opts.exclude ?? []);
  if (selected.columns.length === 0) {
    const globs = [...(opts.include ?? []).map((g) => `--include ${g}`), ...(opts.exclude ?? []).map((g) => `--exclude ${g}`)];
    throw new UserError(
      `${opts.engine} database ${database}: no tables to extract${globs.length > 0 ? ` (${globs.join(" ")})` : ""}`,
    );
  }
  const tables = catalogToTables(opts.engine, selected);
  // Refused names (reserved, too long, colliding, or a schema like `x/../../pwned`) stop the run before any file is
  // written, with one line per problem.
  checkMetadataNames(tables);
  for (const t of tables) opts.progress?.(describeTable(t));
  const previous = readPrevious(opts, database);
  carryPartitionSpecs(tables, previous?.tables ?? [], opts.progress);
  const source: SourceMetadata = {
    source: opts.source,
    engine: opts.engine,
    database,
    extractedAt: keepExtractedAt(
      previous && { extractedAt: previous.source.extractedAt, tables: previous.tables },
      tables,
      opts.now ?? new Date(),
    ),
    tables: tables.map(tableId).sort(),
  };
  const changed =
    previous === undefined ||
    previous.source.extractedAt !== source.extractedAt ||
    previous.source.tables.join() !== source.tables.join();
  writeMetadataDir(opts.out, source, tables);
  return { source, tables, changed };
}

/** Reads the source's catalog through its engine's driver, then writes the metadata directory. */
export async function extractSource(opts: ExtractOptions): Promise<ExtractResult> {
  const { database, catalog } = await (opts.reader ?? CATALOG_READERS[opts.engine])(opts.url);
  return writeExtraction(opts, database, catalog);
}

/** The metadata already in `out`, when it describes the same source; a different source there is refused. */
function readPrevious(opts: ExtractOptions, database: string): MetadataDir | undefined {
  if (!fs.existsSync(path.join(opts.out, "source.json"))) return undefined;
  let previous: MetadataDir;
  try {
    previous = readMetadataDir(opts.out);
  } catch {
    // Unreadable or hand-broken metadata is what a fresh extraction replaces; it carries no extractedAt worth keeping.
    return undefined;
  }
  const { source, engine, database: db } = previous.source;
  if (source !== opts.source || engine !== opts.engine || db !== database) {
    throw new UserError(
      `${opts.out}: holds metadata of source ${source} (${engine} database ${db}), not ${opts.source} (${opts.engine} database ${database}); choose another --out`,
    );
  }
  return previous;
}

function describeTable(t: TableMetadata): string {
  const key =
    t.primaryKey.length > 0
      ? `primary key (${t.primaryKey.join(", ")})`
      : "no primary key: published as an append-only change log";
  const excluded = t.excluded.length > 0 ? `, ${t.excluded.length} excluded (${t.excluded.map((e) => e.name).join(", ")})` : "";
  return `${tableId(t)}: ${t.columns.length} ${t.columns.length === 1 ? "column" : "columns"}${excluded}, ${key}`;
}
