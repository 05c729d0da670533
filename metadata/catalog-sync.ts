/**
 * Brings a source's Glue database in line with its committed metadata: creates the database if missing, creates or
 * updates one table per metadata table, and reports managed tables whose metadata is gone (deleting them only when
 * asked). Idempotent: a catalog that already matches gets read calls only.
 */
import {
  BatchDeleteTableCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  paginateGetTables,
  UpdateTableCommand,
  type GlueClient,
  type Table,
} from "@aws-sdk/client-glue";
import type { SourceMetadata, TableMetadata } from "./format";
import { columnDifferences, GLUE_PARAMETERS, glueTableInput, tableDifferences } from "./glue-table-input";

export interface CatalogSyncOptions {
  glue: GlueClient;
  /** Account that owns the catalog (the lake account). */
  catalogId: string;
  database: string;
  harmonizedBucket: string;
  source: SourceMetadata;
  tables: readonly TableMetadata[];
  /** Delete managed tables whose metadata is gone. */
  prune?: boolean;
  /** Report what would change without changing anything. */
  dryRun?: boolean;
  progress?: (line: string) => void;
}

export interface CatalogSyncResult {
  databaseCreated: boolean;
  created: string[];
  /** What differs (`columns`, `location`, …) and, when the columns do, each column's change (`+ name type`, …). */
  updated: Array<{ table: string; changes: string[]; columns: string[] }>;
  unchanged: string[];
  /** Managed tables in the catalog with no metadata any more. */
  stale: string[];
  /** Stale tables deleted (only with `prune`). */
  deleted: string[];
}

/** Syncs the Glue database; see the module comment. */
export async function syncCatalog(opts: CatalogSyncOptions): Promise<CatalogSyncResult> {
  const { glue, catalogId, database } = opts;
  const say = opts.progress ?? (() => undefined);
  const verb = (done: string, would: string) => (opts.dryRun ? would : done);
  const result: CatalogSyncResult = { databaseCreated: false, created: [], updated: [], unchanged: [], stale: [], deleted: [] };

  const exists = await databaseExists(glue, catalogId, database);
  if (!exists) {
    say(`${verb("creating", "would create")} database ${database}`);
    if (!opts.dryRun) {
      await glue.send(
        new CreateDatabaseCommand({
          CatalogId: catalogId,
          DatabaseInput: {
            Name: database,
            Description: `Harmonized DMS changes of source ${opts.source.source} (managed by cdc catalog sync)`,
          },
        }),
      );
    }
    result.databaseCreated = true;
  }
  const existing = new Map<string, Table>();
  if (exists) {
    for await (const page of paginateGetTables({ client: glue }, { CatalogId: catalogId, DatabaseName: database })) {
      for (const t of page.TableList ?? []) if (t.Name) existing.set(t.Name, t);
    }
  }

  const wanted = new Set<string>();
  for (const table of opts.tables) {
    const input = glueTableInput(opts.source, table, opts.harmonizedBucket);
    const name = input.Name!;
    wanted.add(name);
    const current = existing.get(name);
    if (current === undefined) {
      say(`${verb("creating", "would create")} table ${database}.${name}`);
      if (!opts.dryRun)
        await glue.send(new CreateTableCommand({ CatalogId: catalogId, DatabaseName: database, TableInput: input }));
      result.created.push(name);
      continue;
    }
    const changes = tableDifferences(current, input);
    if (changes.length === 0) {
      result.unchanged.push(name);
      continue;
    }
    const columns = changes.includes("columns") ? columnDifferences(current, input) : [];
    say(`${verb("updating", "would update")} table ${database}.${name} (${changes.join(", ")})`);
    if (!opts.dryRun) {
      // Keep parameters other tools added (Athena, Lake Formation); ours are replaced, including one we no longer set.
      const owned = new Set<string>(Object.values(GLUE_PARAMETERS));
      const others = Object.entries(current.Parameters ?? {}).filter(([k]) => !owned.has(k));
      const Parameters = { ...Object.fromEntries(others), ...input.Parameters };
      await glue.send(
        new UpdateTableCommand({ CatalogId: catalogId, DatabaseName: database, TableInput: { ...input, Parameters } }),
      );
    }
    result.updated.push({ table: name, changes, columns });
  }

  for (const [name, t] of existing) {
    if (wanted.has(name) || t.Parameters?.[GLUE_PARAMETERS.sourceTable] === undefined) continue;
    result.stale.push(name);
  }
  result.stale.sort();
  if (result.stale.length > 0 && opts.prune) {
    say(`${verb("deleting", "would delete")} ${result.stale.map((n) => `${database}.${n}`).join(", ")}`);
    if (!opts.dryRun) {
      // BatchDeleteTable takes at most 100 names per call.
      for (let i = 0; i < result.stale.length; i += 100) {
        const r = await glue.send(
          new BatchDeleteTableCommand({
            CatalogId: catalogId,
            DatabaseName: database,
            TablesToDelete: result.stale.slice(i, i + 100),
          }),
        );
        const failed = r.Errors ?? [];
        if (failed.length > 0) {
          throw new Error(
            `Glue refused to delete ${failed.map((e) => `${e.TableName} (${e.ErrorDetail?.ErrorMessage ?? "unknown error"})`).join(", ")}`,
          );
        }
      }
    }
    result.deleted = [...result.stale];
  }
  return result;
}

async function databaseExists(glue: GlueClient, catalogId: string, name: string): Promise<boolean> {
  try {
    await glue.send(new GetDatabaseCommand({ CatalogId: catalogId, Name: name }));
    return true;
  } catch (err) {
    if (err instanceof EntityNotFoundException || (err as { name?: string }).name === "EntityNotFoundException") return false;
    throw err;
  }
}
