/**
 * Glue Data Catalog tables for a source's harmonized DMS output: one external Parquet table per metadata table at
 * `s3://<harmonized bucket>/<schema>/<table>/`, with DMS's change columns (Op, cdc_timestamp, cdc_seq) followed by the
 * replicated source columns. Names are lower case because Glue stores them so; comparing what we would send with
 * what Glue returns then tells exactly whether a table needs an update.
 */
import type { Column, Table, TableInput } from "@aws-sdk/client-glue";
import { targetTypes } from "./dms-types";
import { tableId, type SourceMetadata, type TableMetadata } from "./format";

const PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
const PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
const PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";

/** Table parameters this project owns; a catalog table carrying `cdc_source_table` is managed by `cdc catalog sync`. */
export const GLUE_PARAMETERS = {
  sourceTable: "cdc_source_table",
  primaryKey: "cdc_primary_key",
  orderingColumn: "cdc_ordering_column",
} as const;

const CHANGE_COLUMNS: Column[] = [
  { Name: "op", Type: "string", Comment: "DMS operation: I insert, U update, D delete (before-image)" },
  { Name: "cdc_timestamp", Type: "string", Comment: "DMS commit timestamp of the change" },
  { Name: "cdc_seq", Type: "string", Comment: "DMS change sequence ($AR_H_CHANGE_SEQ); empty in full load" },
];

/** The Glue name of a metadata table: `<schema>_<table>`, lower case, Athena-safe. */
export function glueTableName(t: { schema: string; table: string }): string {
  return `${t.schema}_${t.table}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** The `TableInput` describing one table's harmonized files. */
export function glueTableInput(source: SourceMetadata, table: TableMetadata, harmonizedBucket: string): TableInput {
  const columns: Column[] = table.columns.map((c) => ({
    Name: c.name.toLowerCase(),
    Type: targetTypes(c).glue,
    // Athena has no TIME type: a TIME column is the text DMS writes for it (see `targetTypes`), which the comment says.
    Comment: `${c.name}: ${c.sourceType} (DMS ${c.dmsType}${c.dmsType === "TIME" ? " as text HH:MM:SS[.fffffff]" : ""})${c.nullable ? "" : ", not null"}`,
  }));
  const parameters: Record<string, string> = {
    classification: "parquet",
    EXTERNAL: "TRUE",
    [GLUE_PARAMETERS.sourceTable]: tableId(table),
    [GLUE_PARAMETERS.orderingColumn]: "cdc_seq",
  };
  // A table without a key is an append-only change log; saying nothing is clearer than an empty key.
  if (table.primaryKey.length > 0)
    parameters[GLUE_PARAMETERS.primaryKey] = table.primaryKey.map((k) => k.toLowerCase()).join(",");
  return {
    Name: glueTableName(table),
    Description: `${tableId(table)} of ${source.engine} database ${source.database} (source ${source.source}): validated DMS changes`,
    TableType: "EXTERNAL_TABLE",
    Parameters: parameters,
    PartitionKeys: [],
    StorageDescriptor: {
      Columns: [...CHANGE_COLUMNS, ...columns],
      Location: `s3://${harmonizedBucket}/${table.schema}/${table.table}/`,
      InputFormat: PARQUET_INPUT,
      OutputFormat: PARQUET_OUTPUT,
      Compressed: false,
      StoredAsSubDirectories: false,
      SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: { "serialization.format": "1" } },
    },
  };
}

/**
 * What differs between the catalog's table and the one we would write, as short labels (`columns`, `location`, …);
 * empty when no update is needed. Parameters someone else added are left alone.
 */
export function tableDifferences(existing: Table, desired: TableInput): string[] {
  const diffs: string[] = [];
  const sd = existing.StorageDescriptor ?? {};
  const want = desired.StorageDescriptor!;
  const cols = (cs: Column[] | undefined) => JSON.stringify((cs ?? []).map((c) => [c.Name, c.Type, c.Comment ?? ""]));
  if (cols(sd.Columns) !== cols(want.Columns)) diffs.push("columns");
  if (sd.Location !== want.Location) diffs.push("location");
  if (
    sd.InputFormat !== want.InputFormat ||
    sd.OutputFormat !== want.OutputFormat ||
    sd.SerdeInfo?.SerializationLibrary !== want.SerdeInfo?.SerializationLibrary ||
    JSON.stringify(sd.SerdeInfo?.Parameters ?? {}) !== JSON.stringify(want.SerdeInfo?.Parameters ?? {})
  ) {
    diffs.push("format");
  }
  if ((existing.PartitionKeys ?? []).length !== 0) diffs.push("partition keys");
  if (existing.TableType !== desired.TableType || (existing.Description ?? "") !== desired.Description) diffs.push("description");
  const have = existing.Parameters ?? {};
  const wantParams = desired.Parameters ?? {};
  const owned = new Set([...Object.keys(wantParams), ...Object.values(GLUE_PARAMETERS)]);
  if ([...owned].some((k) => have[k] !== wantParams[k])) diffs.push("parameters");
  return diffs;
}

/**
 * How the columns would change, one entry each, for a reviewer: `+ name type` added, `- name type` removed,
 * `~ name old → new` retyped, `~ name: comment` when only the comment (the source type) changed, and `columns
 * reordered` when the same columns come in another order. Empty when the columns are the same.
 */
export function columnDifferences(existing: Table, desired: TableInput): string[] {
  const have = existing.StorageDescriptor?.Columns ?? [];
  const want = desired.StorageDescriptor?.Columns ?? [];
  const haveByName = new Map(have.map((c) => [c.Name, c]));
  const wantNames = new Set(want.map((c) => c.Name));
  const diffs: string[] = [];
  for (const c of want) {
    const old = haveByName.get(c.Name);
    if (old === undefined) diffs.push(`+ ${c.Name} ${c.Type}`);
    else if (old.Type !== c.Type) diffs.push(`~ ${c.Name} ${old.Type} → ${c.Type}`);
    else if ((old.Comment ?? "") !== (c.Comment ?? "")) diffs.push(`~ ${c.Name}: comment`);
  }
  for (const c of have) if (!wantNames.has(c.Name)) diffs.push(`- ${c.Name} ${c.Type}`);
  const order = (cs: Column[]) => cs.map((c) => c.Name).filter((n) => haveByName.has(n) && wantNames.has(n));
  if (diffs.length === 0 && JSON.stringify(order(have)) !== JSON.stringify(order(want))) diffs.push("columns reordered");
  return diffs;
}
