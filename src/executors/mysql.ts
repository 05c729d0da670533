/**
 * Runs the MySQL rendering of the CDC plan against a MySQL 8 or MariaDB target: the deduplicated batch is bulk-loaded
 * into the table's staging table (LOAD DATA LOCAL, or multi-row INSERTs where the server refuses it), then expiry,
 * guard, delete, tombstones and upsert run in one transaction per table. The same statements run from Glue over JDBC (handlers/glue/apply_changes.py).
 */
import mysql from "mysql2/promise";
import type { TableMetadata } from "../../metadata/format";
import type { TableShape } from "../../metadata/schema-diff";
import { mysqlDialect, type Dialect, type MySqlFlavor } from "../../handlers/core/plan/dialect";
import type { Generation, TablePlan } from "../../handlers/core/plan/plan";
import { TablePlans } from "./table-plans";
import { countsFromSummary, NO_CHANGES, type ApplyCounts } from "./counts";
import { StagingLoader } from "./mysql-staging";

/** The deduplicated batch as it goes into staging: values as strings (or null), one placeholder per column. */
export interface StagingRows {
  /** Column names in the order of each row; must equal the plan's `changes.columns`. */
  columns: string[];
  /** `?`, or `UNHEX(?)` for binary columns shipped as hex. */
  placeholders: string[];
  rows: Array<Array<string | null>>;
}

export interface MySqlApplyOptions {
  /** Expire tombstones of deletes older than this `cdc_timestamp` in the same transaction, before the guard. */
  tombstoneCutoff?: string;
  /** The batch belongs to this generation of the table (a reload; see handlers/core/plan/generation.ts). */
  generation?: Generation;
}

export class MySqlExecutor {
  private readonly staging: StagingLoader;
  private readonly dialect: Dialect;
  private readonly tables: TablePlans;

  constructor(
    readonly connection: mysql.Connection,
    /** Which server it is: the statements are the same, the binary NO PAD collation of the tables is named differently. */
    readonly flavor: MySqlFlavor,
  ) {
    this.staging = new StagingLoader(connection);
    this.dialect = mysqlDialect(flavor);
    this.tables = new TablePlans(this.dialect, (sql) => connection.query(sql));
  }

  /** Connects to `mysql://user:pass@host:port/database` (the database is where target tables live). */
  static async connect(url: string): Promise<MySqlExecutor> {
    const connection = await mysql.createConnection({
      uri: url,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      // Sessions run in UTC (DESIGN §5): the driver renders a Date parameter in UTC, the server converts TIMESTAMP
      // columns and NOW() in UTC, whatever the zone of this machine or of the server.
      timezone: "Z",
    });
    // Whatever the server's default: a value that does not fit is an error, never cut or clipped (the INSERT path of
    // the staging load relies on it), and backslashes escape as the client library assumes.
    await connection.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
    await connection.query("SET SESSION time_zone = '+00:00'");
    const [rows] = await connection.query("SELECT VERSION() AS version");
    const version = String((rows as Array<{ version: string }>)[0].version);
    return new MySqlExecutor(connection, /mariadb/i.test(version) ? "mariadb" : "mysql");
  }

  /** The MySQL plan of a table (cached per table id); names are unqualified, so they resolve in the connection's database. */
  plan(meta: TableMetadata): TablePlan {
    return this.tables.plan(meta);
  }

  /** Creates the target, tombstone and staging tables when missing. */
  ensureTables(plan: TablePlan): Promise<void> {
    return this.tables.ensureTables(plan);
  }

  /**
   * Alters the target, tombstone and staging tables from the `applied` shape to `meta`'s before the first batch of the
   * new shape (`TablePlans.evolve`): an ADD already done (a re-run) is skipped by its information_schema probe, as the
   * Glue job skips it. Returns the statements run.
   */
  evolve(meta: TableMetadata, applied: TableShape): Promise<string[]> {
    return this.tables.evolve(meta, applied, (probe) => this.names(probe));
  }

  /**
   * Sets the table's target and tombstones aside as `<name>__before_<tag>` and creates them anew (`TablePlans.rebuild`):
   * an incompatible change, rebuilt from a reload. Harmless to run again. Returns the statements run.
   */
  rebuild(meta: TableMetadata, rebuild: Parameters<TablePlans["rebuild"]>[1]): Promise<string[]> {
    return this.tables.rebuild(meta, rebuild, (probe) => this.names(probe));
  }

  /** The first column of a probe's rows. */
  private async names(probe: string): Promise<string[]> {
    const [rows] = await this.connection.query({ sql: probe, rowsAsArray: true });
    return (rows as unknown[][]).map((r) => String(r[0]));
  }

  /** Applies one deduplicated batch: fill staging, then expire, guard and merge in one transaction. */
  async apply(meta: TableMetadata, batch: StagingRows, options: MySqlApplyOptions = {}): Promise<ApplyCounts> {
    const plan = this.plan(meta);
    await this.ensureTables(plan);
    const statements = plan.batch([], options.generation);
    if (batch.columns.join("\n") !== statements.changes.columns.join("\n")) {
      throw new Error(
        `${plan.id}: staging rows have columns ${batch.columns.join(", ")}, expected ${statements.changes.columns.join(", ")}`,
      );
    }
    if (batch.rows.length === 0 && options.tombstoneCutoff === undefined && !options.generation) return NO_CHANGES;
    for (const sql of statements.load) await this.connection.query(sql);
    await this.staging.load(statements.changes.relation, batch);
    await this.connection.beginTransaction();
    try {
      if (options.tombstoneCutoff !== undefined) {
        for (const sql of plan.expire(options.tombstoneCutoff)) await this.connection.query(sql);
      }
      for (const sql of statements.guard) await this.connection.query(sql);
      const [summary] = await this.connection.query(statements.summary);
      const counts = countsFromSummary(summary as Array<{ action: string; n: string }>);
      for (const sql of statements.merge) await this.connection.query(sql);
      await this.connection.commit();
      for (const sql of statements.cleanup) await this.connection.query(sql);
      return counts;
    } catch (err) {
      await this.connection.rollback();
      throw err;
    }
  }

  /** Live rows in publication column order, every value as MySQL returns it with string numbers, sorted by every column. */
  async rows(meta: TableMetadata): Promise<Array<Record<string, unknown>>> {
    const plan = this.plan(meta);
    await this.ensureTables(plan);
    const cols = plan.publicationColumns().map((c) => this.dialect.quote(c));
    const order = cols.map((_, i) => String(i + 1)).join(", ");
    const [rows] = await this.connection.query(`SELECT ${cols.join(", ")} FROM ${plan.name("target")} ORDER BY ${order}`);
    return rows as Array<Record<string, unknown>>;
  }

  async close(): Promise<void> {
    await this.connection.end();
  }
}
