/**
 * The DDL that brings a table's physical tables from the shape they were applied with to the shape of the deployed
 * metadata (DESIGN §5 "Schema changes"), rendered per dialect from the one classification (metadata/schema-diff.ts):
 *
 *   add a column   Iceberg `ALTER TABLE … ADD COLUMNS (…)`, DuckDB `ADD COLUMN IF NOT EXISTS`, MySQL `ADD COLUMN`
 *                  on the target and the staging table (tombstones hold only the key, which an added column never is)
 *   widen/promote  Iceberg `ALTER COLUMN … TYPE` (only the promotions Iceberg allows reach here), DuckDB the same,
 *                  MySQL `MODIFY COLUMN` — on every physical table holding the column: the tombstones too when it is a
 *                  key column — and only where the dialect's column type actually changes (a longer string is the same
 *                  Iceberg `string`)
 *
 * An incompatible change yields no statement at all: the caller holds the table instead (see `schemaChangePlan`).
 *
 * Every statement can run again without harm, because a run whose `.done` marker is missing is run again from the
 * start: a type change to the type a column already has changes nothing in any engine; an ADD that Spark or MySQL would
 * refuse a second time carries `unless`, a query listing the table's columns, and the runner skips the statement when
 * the column is among them (DuckDB says `IF NOT EXISTS` itself). MySQL gets one ALTER per table (one rebuild, and
 * atomic in InnoDB, so its first added column tells whether all of it ran).
 */
import { z } from "zod";
import { targetTypes } from "../../../metadata/dms-types";
import type { ColumnMetadata } from "../../../metadata/format";
import {
  diffTable,
  hasIncompatible,
  tableShape,
  type ColumnShape,
  type SchemaChange,
  type TableShape,
} from "../../../metadata/schema-diff";
import { fitIdentifier, MYSQL_IDENTIFIER_MAX } from "../../../metadata/naming";
import { literal, type Dialect } from "./dialect";
import { GenerationSteps, type Generation } from "./generation";
import type { TableNames } from "./names";

/**
 * One DDL statement, skipped when `unless.probe` lists `unless.column` among its names: a column of the table, or (a
 * rebuild) the name of a table that already exists.
 */
export const schemaStatementSchema = z.strictObject({
  sql: z.string().min(1),
  unless: z.strictObject({ probe: z.string().min(1), column: z.string().min(1), field: z.string().min(1).optional() }).optional(),
});
export interface SchemaStatement {
  sql: string;
  unless?: {
    /**
     * A query whose first column (or `field`) holds the names (Spark's `DESCRIBE TABLE`: Spark 3.5 has no SHOW
     * COLUMNS for Iceberg tables; its other rows, `# Partitioning` and the like, are no column name).
     */
    probe: string;
    column: string;
    /** The probe's column holding the names, when not its first (Spark's `SHOW TABLES`: `tableName`). */
    field?: string;
  };
}

/** What moving a table from its applied shape to its metadata's takes. */
export interface SchemaChangePlan {
  changes: SchemaChange[];
  /** Whether the targets can follow; when false, `statements` is empty and the table is to be held. */
  compatible: boolean;
  statements: SchemaStatement[];
}

/** What the statements need of a table's plan (a `TablePlan` is one). */
export interface SchemaChangeTable {
  id: string;
  mode: "upsert" | "append";
  dialect: Dialect;
  names: TableNames;
  meta: { columns: ColumnMetadata[]; primaryKey: string[] };
  name(kind: keyof TableNames): string;
}

/** The changes from `applied` to the plan's metadata, and the statements applying them in the plan's dialect. */
export function schemaChangePlan(plan: SchemaChangeTable, applied: TableShape): SchemaChangePlan {
  const changes = diffTable(plan.id, applied, tableShape(plan.meta));
  if (hasIncompatible(changes)) return { changes, compatible: false, statements: [] };
  const d = plan.dialect;
  const q = (p: string) => d.quote(p);
  const before = new Map(applied.columns.map((c) => [c.name.toLowerCase(), c]));
  const keys = new Set(plan.meta.primaryKey.map((k) => k.toLowerCase()));
  const added = plan.meta.columns.filter((c) => !before.has(c.name.toLowerCase()));
  const retyped = plan.meta.columns.filter((c) => {
    const old = before.get(c.name.toLowerCase());
    return old !== undefined && d.columnType(asColumn(old)) !== d.columnType(c);
  });
  // The physical tables holding a column: tombstones only the key; MySQL's staging table every column.
  const tables = (c: ColumnMetadata): Array<keyof TableNames> => [
    "target",
    ...(plan.mode === "upsert" && keys.has(c.name.toLowerCase()) ? (["tombstones"] as const) : []),
    ...(d.merge === "staging" ? (["staging"] as const) : []),
  ];
  const kinds: Array<keyof TableNames> = ["target", "tombstones", "staging"];
  const statements: SchemaStatement[] = [];
  for (const kind of kinds) {
    const adds = added.filter((c) => tables(c).includes(kind));
    const types = retyped.filter((c) => tables(c).includes(kind));
    if (adds.length === 0 && types.length === 0) continue;
    const table = plan.name(kind);
    // In MySQL staging, the key (append: none of the source columns) is NOT NULL, as `TablePlan.create` declares it.
    const notNull = (c: ColumnMetadata) => plan.mode === "upsert" && keys.has(c.name.toLowerCase());
    if (d.name === "mysql") {
      const parts = [
        ...adds.map((c) => `ADD COLUMN ${q(c.name)} ${d.columnType(c)}`),
        ...types.map((c) => `MODIFY COLUMN ${q(c.name)} ${d.columnType(c)}${notNull(c) ? " NOT NULL" : ""}`),
      ];
      statements.push(withProbe(d, `ALTER TABLE ${table} ${parts.join(", ")}`, plan.names[kind], adds[0]));
      continue;
    }
    if (adds.length > 0) {
      if (d.name === "duckdb" || d.name === "trino") {
        for (const c of adds)
          statements.push({ sql: `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${q(c.name)} ${d.columnType(c)}` });
      } else {
        const list = adds.map((c) => `${q(c.name)} ${d.columnType(c)}`).join(", ");
        statements.push(withProbe(d, `ALTER TABLE ${table} ADD COLUMNS (${list})`, plan.names[kind], adds[0]));
      }
    }
    for (const c of types) {
      const set = d.name === "trino" ? "SET DATA TYPE" : "TYPE";
      statements.push({ sql: `ALTER TABLE ${table} ALTER COLUMN ${q(c.name)} ${set} ${d.columnType(c)}` });
    }
  }
  return { changes, compatible: true, statements };
}

/**
 * Rebuilding a table's targets after a change they cannot follow (an incompatible change, `cdc target resume
 * --rebuild`), in the run that starts the reload's generation, in this order:
 *
 * 1. Pin the generation's floor from the old tables (generation.ts): the highest sequence they hold. The reload's rows
 *    then carry it, so a replay of any change the old tables had is stale against them, as after any reload. Pinned
 *    on the empty new tables it would be zero, and every replayed old change would win.
 * 2. Set the target and tombstones aside under `<name>__before_<tag>`, kept, never dropped, for whoever wants to
 *    compare or restore: MySQL and DuckDB rename them (atomic, no copy); Iceberg copies them (`CREATE TABLE … AS
 *    SELECT`, committed atomically) and then drops them without PURGE — Spark's Hadoop catalog cannot rename tables,
 *    so a rename could not be proven here, and the copy works in every catalog. MySQL's staging table is scratch.
 * 3. Create the tables with the metadata's shape.
 * 4. Carry the old tombstones over when the key is the same (by name; a retyped key column is cast): a replayed old
 *    insert of a key deleted before the reload then stays deleted. After a key change there is nothing to carry.
 *
 * Re-runnable: the pin is stored once, setting aside is skipped once the backup exists, and tombstones are carried
 * only where missing. On Iceberg a retried run drops the tables the first attempt created, which held only rows the
 * retry applies again from the same files. `tag` should be the generation's: a later attempt of the same rebuild
 * (after a hold) then finds its backup instead of setting the half-built table aside.
 */
export function rebuildStatements(
  plan: SchemaChangeTable & { create(): string[] },
  rebuild: { tag: string; generation?: Generation; applied?: TableShape },
): { statements: SchemaStatement[]; backups: string[] } {
  const d = plan.dialect;
  const kinds: Array<keyof TableNames> = plan.mode === "upsert" ? ["target", "tombstones"] : ["target"];
  const statements: SchemaStatement[] = [];
  if (plan.mode === "upsert" && rebuild.generation)
    statements.push(...new GenerationSteps(plan, rebuild.generation).pin().map((sql) => ({ sql })));
  const backups: Partial<Record<keyof TableNames, string[]>> = {};
  for (const kind of kinds) {
    const name = plan.names[kind];
    const last = name[name.length - 1];
    const backup = [...name.slice(0, -1), fitIdentifier(`${last}__before_${rebuild.tag}`, MYSQL_IDENTIFIER_MAX)];
    const [from, to] = [plan.name(kind), backup.map((p) => d.quote(p)).join(".")];
    const exists = tableProbe(d, backup);
    backups[kind] = backup;
    if (d.name === "spark") {
      statements.push({ sql: `CREATE TABLE ${to} USING iceberg AS SELECT * FROM ${from}`, unless: exists });
      statements.push({ sql: `DROP TABLE IF EXISTS ${from}` });
    } else if (d.name === "mysql") {
      statements.push({ sql: `RENAME TABLE ${from} TO ${to}`, unless: exists });
    } else {
      statements.push({ sql: `ALTER TABLE ${from} RENAME TO ${d.quote(backup[backup.length - 1])}`, unless: exists });
    }
  }
  if (d.merge === "staging") statements.push({ sql: `DROP TABLE IF EXISTS ${plan.name("staging")}` });
  statements.push(...plan.create().map((sql) => ({ sql })));
  const oldKey = rebuild.applied?.primaryKey.map((k) => k.toLowerCase()).join(",");
  if (backups.tombstones && oldKey === plan.meta.primaryKey.map((k) => k.toLowerCase()).join(",")) {
    const q = (p: string) => d.quote(p);
    const keys = plan.meta.primaryKey.map((k) => plan.meta.columns.find((c) => c.name === k) as ColumnMetadata);
    const into = plan.name("tombstones");
    const from = backups.tombstones.map(q).join(".");
    const cast = (c: ColumnMetadata) => `CAST(b.${q(c.name)} AS ${d.columnType(c)})`;
    statements.push({
      sql:
        `INSERT INTO ${into} (${[...keys.map((c) => q(c.name)), q("_cdc_seq"), q("_cdc_timestamp")].join(", ")}) ` +
        `SELECT ${[...keys.map(cast), `b.${q("_cdc_seq")}`, `b.${q("_cdc_timestamp")}`].join(", ")} FROM ${from} AS b ` +
        `WHERE NOT EXISTS (SELECT 1 FROM ${into} AS t WHERE ${keys.map((c) => `t.${q(c.name)} = ${cast(c)}`).join(" AND ")})`,
    });
  }
  return { statements, backups: Object.values(backups).map((b) => b[b.length - 1]) };
}

/** A probe listing `name` when that table exists. */
function tableProbe(d: Dialect, name: string[]): NonNullable<SchemaStatement["unless"]> {
  const table = name[name.length - 1];
  if (d.name === "spark")
    return {
      probe: `SHOW TABLES IN ${name
        .slice(0, -1)
        .map((p) => d.quote(p))
        .join(".")}`,
      field: "tableName",
      column: table,
    };
  const schema = name.length > 1 ? literal(d, name[name.length - 2]) : d.name === "mysql" ? "DATABASE()" : "current_schema()";
  const [t, s] = d.name === "mysql" ? ["TABLE_NAME", "TABLE_SCHEMA"] : ["table_name", "table_schema"];
  return {
    probe: `SELECT ${t} FROM information_schema.${d.name === "mysql" ? "TABLES" : "tables"} WHERE ${s} = ${schema} AND ${t} = ${literal(d, table)}`,
    column: table,
  };
}

/** `sql` with the probe that tells whether `added` (the statement's first added column) is already there. */
function withProbe(d: Dialect, sql: string, name: string[], added: ColumnMetadata | undefined): SchemaStatement {
  if (!added) return { sql };
  const probe =
    d.name === "mysql"
      ? `SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${name.length > 1 ? literal(d, name[name.length - 2]) : "DATABASE()"} AND TABLE_NAME = ${literal(d, name[name.length - 1])}`
      : `DESCRIBE TABLE ${name.map((p) => d.quote(p)).join(".")}`;
  return { sql, unless: { probe, column: added.name } };
}

/** A column of an applied shape as the dialects type it (they read only its DMS type and sizing). */
function asColumn(c: ColumnShape): ColumnMetadata {
  return { ...c, ordinal: 1, sourceType: c.dmsType.toLowerCase(), parquet: targetTypes(c).parquet };
}
