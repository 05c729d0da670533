/**
 * What every engine's extractor shares: the normalised catalog rows each engine module produces from its own catalog
 * query, the pure step from those rows to `TableMetadata`, and the rule that keeps `extractedAt` when nothing changed.
 */
import type { Engine } from "./engines";
import { UserError } from "../src/errors";
import { targetTypes } from "./dms-types";
import { serializeMetadata, tableId, type ColumnMetadata, type ExcludedColumn, type TableMetadata } from "./format";
import { isLob, lobKeyReason, lobReason, mapSourceType, type SourceColumnType, type TypeMapping } from "./type-mapping";

/** One column as an engine module reads it from its catalog. */
export interface CatalogColumn extends SourceColumnType {
  schema: string;
  table: string;
  name: string;
  /** 1-based position in the table. */
  ordinal: number;
  nullable: boolean;
}

/** One primary-key column. */
export interface CatalogKeyColumn {
  schema: string;
  table: string;
  column: string;
  /** 1-based position in the key. */
  position: number;
}

/** Everything an extraction needs to know about a database, engine-neutral. */
export interface Catalog {
  columns: CatalogColumn[];
  primaryKeys: CatalogKeyColumn[];
}

/** Tables of a catalog, sorted by `<schema>.<table>`, columns in ordinal order, each type mapped through DMS. */
export function catalogToTables(engine: Engine, catalog: Catalog): TableMetadata[] {
  const byTable = new Map<string, CatalogColumn[]>();
  for (const c of catalog.columns) {
    const id = tableId(c);
    byTable.set(id, [...(byTable.get(id) ?? []), c]);
  }
  const keys = new Map<string, CatalogKeyColumn[]>();
  for (const k of catalog.primaryKeys) {
    const id = tableId(k);
    keys.set(id, [...(keys.get(id) ?? []), k]);
  }
  return [...byTable.keys()].sort().map((id) => {
    const cols = byTable.get(id)!.sort((a, b) => a.ordinal - b.ordinal);
    const primaryKey = (keys.get(id) ?? []).sort((a, b) => a.position - b.position).map((k) => k.column);
    const columns: ColumnMetadata[] = [];
    const excluded: ExcludedColumn[] = [];
    for (const c of cols) {
      const mapped = keyedMapping(mapSourceType(engine, c), primaryKey, c.name);
      if ("excluded" in mapped) {
        excluded.push({ name: c.name, ordinal: c.ordinal, sourceType: c.sourceType, reason: mapped.excluded });
      } else {
        const t = mapped.replicated;
        columns.push({
          name: c.name,
          ordinal: c.ordinal,
          sourceType: c.sourceType,
          dmsType: t.dmsType,
          ...(t.length !== undefined && { length: t.length }),
          ...(t.precision !== undefined && { precision: t.precision }),
          ...(t.scale !== undefined && { scale: t.scale }),
          nullable: c.nullable,
          parquet: targetTypes(t).parquet,
          ...(isLob(t.dmsType) && { lob: true as const }),
        });
      }
    }
    if (columns.length === 0) {
      throw new UserError(
        `${id}: no column AWS DMS can replicate (${excluded.map((e) => `${e.name}: ${e.sourceType}`).join(", ")}); leave it out with --exclude ${id}`,
      );
    }
    const replicated = new Set(columns.map((c) => c.name));
    const lostKey = primaryKey.filter((k) => !replicated.has(k));
    if (lostKey.length > 0) {
      // A key DMS cannot carry would leave the targets unable to merge; say so rather than publish a wrong key.
      throw new UserError(
        `${id}: primary-key column ${lostKey.join(", ")} is excluded from replication (${excluded.find((e) => e.name === lostKey[0])?.reason}); leave it out with --exclude ${id}`,
      );
    }
    return { schema: cols[0].schema, table: cols[0].table, columns, primaryKey, excluded };
  });
}

/**
 * DMS replicates LOBs only for tables with a primary key, and never as part of that key: in a keyless table a LOB
 * column keeps its exclusion, and a LOB key column is excluded (which then refuses the table, see the key check).
 */
function keyedMapping(mapped: TypeMapping, primaryKey: readonly string[], column: string): TypeMapping {
  if ("excluded" in mapped || !isLob(mapped.replicated.dmsType)) return mapped;
  if (primaryKey.includes(column)) return { excluded: lobKeyReason(mapped.replicated.dmsType) };
  if (primaryKey.length === 0) return { excluded: lobReason(mapped.replicated.dmsType) };
  return mapped;
}

/**
 * `extractedAt` for a new extraction: the previous value when every table file would be byte-identical (so an
 * unchanged database changes no byte), otherwise `now`.
 */
export function keepExtractedAt(
  previous: { extractedAt: string; tables: readonly TableMetadata[] } | undefined,
  tables: readonly TableMetadata[],
  now: Date,
): string {
  if (previous !== undefined && sameTables(previous.tables, tables)) return previous.extractedAt;
  return now.toISOString();
}

function sameTables(a: readonly TableMetadata[], b: readonly TableMetadata[]): boolean {
  const text = (ts: readonly TableMetadata[]) =>
    [...ts].sort((x, y) => (tableId(x) < tableId(y) ? -1 : 1)).map(serializeMetadata);
  return JSON.stringify(text(a)) === JSON.stringify(text(b));
}
