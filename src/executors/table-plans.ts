/**
 * What each executor keeps per table: its plan in the executor's dialect (rebuilt when the table's metadata object
 * changes) and whether its tables have been created in this session.
 */
import type { TableMetadata } from "../../metadata/format";
import type { Dialect } from "../../handlers/core/plan/dialect";
import { TablePlan } from "../../handlers/core/plan/plan";

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
}
