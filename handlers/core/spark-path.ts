/**
 * A file's URI as Spark reads it in `parquet.\`…\``. Spark expands glob patterns in that path (Hadoop's GlobPattern),
 * so a `[`, `]`, `{`, `}`, `*` or `?` in a schema or table name (all legal in SQL Server, MySQL and PostgreSQL) would
 * make the path match other files or none ("Path does not exist"). Backslash-escaped, each stands for itself; a
 * backslash itself is escaped too, though metadata refuses it in schema and table names.
 */
export function sparkFilePath(uri: string): string {
  return uri.replace(/[[\]{}*?\\]/g, "\\$&");
}
