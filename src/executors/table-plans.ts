/**
 * What each executor keeps per table: its plan in the executor's dialect (rebuilt when the table's metadata object
 * changes) and whether its tables have been created in this session.
 */
import type { TableMetadata } from "../../metadata/format";
import { describeChange, type TableShape } from "../../metadata/schema-diff";
import type { Dialect } from "../../handlers/core/plan/dialect";
import { TablePlan, type Generation } from "../../handlers/core/plan/plan";
import { rebuildStatements, schemaChangePlan, type SchemaStatement } from "../../handlers/core/plan/schema-change";

export class TablePlans {
  private readonly plans = new Map<string, TablePlan>();
  private readonly created = new Set<string>();

  constructor(
    private readonly dialect: Dialect,
    /** Runs one DDL statement on the executor's connection. */
    private readonly run: (sql: string) => Promise<unknown>,
  ) {}

  /** The plan of a table, cached per table id. */
  plan(meta: TableMetadata): TablePlan {
    const id = `${meta.schema}.${meta.table}`;
    let plan = this.plans.get(id);
    if (!plan || plan.meta !== meta) {
      plan = new TablePlan(meta, this.dialect);
      this.plans.set(id, plan);
    }
    return plan;
  }

  /** Creates the plan's tables when missing (once per session: the DDL is `IF NOT EXISTS` anyway). */
  async ensureTables(plan: TablePlan): Promise<void> {
    if (this.created.has(plan.id)) return;
    for (const sql of plan.create()) await this.run(sql);
    this.created.add(plan.id);
  }

  /**
   * Brings the table's physical tables from the shape they were last applied with to `meta`'s (DESIGN §5 "Schema
   * changes"), before the first batch of the new shape: the statements of `schemaChangePlan`, in order, a statement
   * with `unless` skipped when `columns(probe)` lists its column, as the Glue job runs them. Running it again changes
   * nothing. An incompatible change throws without running anything: the table is to be held and reloaded, not altered.
   * Returns the statements run.
   */
  async evolve(meta: TableMetadata, applied: TableShape, columns?: (probe: string) => Promise<string[]>): Promise<string[]> {
    const plan = this.plan(meta);
    await this.ensureTables(plan);
    const change = schemaChangePlan(plan, applied);
    if (!change.compatible) {
      const incompatible = change.changes.filter((c) => !c.compatible).map(describeChange);
      throw new Error(`the targets cannot follow ${incompatible.join("; ")}; hold the table and reload it`);
    }
    return this.runStatements(plan, change.statements, columns);
  }

  /**
   * Rebuilds the table's targets with `meta`'s shape (`rebuildStatements`: the generation's floor pinned from the old
   * tables, which are set aside as `<name>__before_<tag>`, their tombstones carried over): the run that starts a
   * reload's generation after an incompatible change. Running it again changes nothing. Returns the statements run.
   */
  async rebuild(
    meta: TableMetadata,
    rebuild: { tag: string; generation?: Generation; applied?: TableShape },
    columns?: (probe: string) => Promise<string[]>,
  ): Promise<string[]> {
    const plan = this.plan(meta);
    await this.ensureTables(plan);
    return this.runStatements(plan, rebuildStatements(plan, rebuild).statements, columns);
  }

  /** Runs schema statements in order, one with `unless` skipped when `columns(probe)` lists its name. */
  private async runStatements(
    plan: TablePlan,
    statements: readonly SchemaStatement[],
    columns?: (probe: string) => Promise<string[]>,
  ): Promise<string[]> {
    const ran: string[] = [];
    for (const s of statements) {
      if (s.unless) {
        if (!columns) throw new Error(`${plan.id}: ${this.dialect.name} has no probe for: ${s.sql}`);
        const have = (await columns(s.unless.probe)).map((c) => c.toLowerCase());
        if (have.includes(s.unless.column.toLowerCase())) continue;
      }
      await this.run(s.sql);
      ran.push(s.sql);
    }
    return ran;
  }
}
