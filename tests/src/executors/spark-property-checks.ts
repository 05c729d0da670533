/**
 * What both Spark property suites (spark.property.test.ts, schema.spark.property.test.ts) check around each run of the
 * Glue job: that a run told to die at an injected failure did, and that Iceberg and MySQL hold the same rows.
 * Each returns a problem line instead of throwing, so a suite reports them all after the seeds ran.
 */
import type { TableMetadata } from "../../../metadata/format";
import { spark as sparkDialect } from "../../../handlers/core/plan/dialect";
import { defaultTableNames, TablePlan } from "../../../handlers/core/plan/plan";
import type { MySqlExecutor } from "../../../src/executors/mysql";
import { SparkJobError } from "../../../src/local/spark/spark-session";
import { canonicalRows } from "../../support/reference-model";

/** Undefined when `run` failed with the injected failure; else what happened instead. */
export async function missedInjectedFailure(runId: string, run: Promise<unknown>): Promise<string | undefined> {
  const failed = await run.then(
    () => undefined,
    (err: Error) => err,
  );
  if (failed instanceof SparkJobError && failed.kind === "InjectedFailure") return undefined;
  return `${runId}: expected the injected failure, got ${failed?.message ?? "success"}`;
}

/** The Iceberg target's live rows, and a problem line when MySQL's differ from them. */
export async function icebergRowsLikeMysql(
  query: (sql: string) => Promise<Array<Record<string, unknown>>>,
  mysql: MySqlExecutor,
  meta: TableMetadata,
  namespace: readonly string[],
): Promise<{ rows: Array<Record<string, unknown>>; problem?: string }> {
  const plan = new TablePlan(meta, sparkDialect, defaultTableNames(meta, namespace));
  const rows = await query(`SELECT ${plan.publicationColumns().map(sparkDialect.quote).join(", ")} FROM ${plan.name("target")}`);
  const [a, b] = [canonicalRows(meta, rows), canonicalRows(meta, await mysql.rows(meta))];
  const i = a.findIndex((row, n) => JSON.stringify(row) !== JSON.stringify(b[n]));
  if (i < 0 && a.length === b.length) return { rows };
  return {
    rows,
    problem: `${meta.schema}.${meta.table}: MySQL has ${b.length} rows, Iceberg ${a.length}; first difference: MySQL ${JSON.stringify(b[i])}, Iceberg ${JSON.stringify(a[i])}`,
  };
}
