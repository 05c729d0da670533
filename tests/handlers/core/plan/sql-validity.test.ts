/**
 * Every statement the plan core can produce is valid SQL for its engine: Spark and Trino statements pass dt-sql-parser
 * (two-part names there, as its Spark grammar rejects three), MySQL statements run on MariaDB.
 */
import mysql from "mysql2/promise";
import { DIALECT, mariadb } from "../../../../handlers/core/plan/dialect";
import { defaultTableNames, TablePlan } from "../../../../handlers/core/plan/plan";
import { tombstoneCutoff } from "../../../../handlers/core/plan/sequence";
import { mysqlTestDatabase } from "../../../support/databases";
import { EVERY_TYPE, NO_KEY } from "./fixtures";
import { sqlErrors } from "../../../support/sql-parsers";

const FILES = [
  { uri: "s3://cdc-dev-sales-harmonized-111111111111/dbo/Order Lines/LOAD00000001.parquet" },
  { uri: "s3://cdc-dev-sales-harmonized-111111111111/dbo/Order Lines/LOAD0000000A.parquet" },
  { uri: "s3://cdc-dev-sales-harmonized-111111111111/dbo/Order Lines/20240102-120000000.parquet" },
  { uri: "s3://cdc-dev-sales-harmonized-111111111111/dbo/Order Lines/it's-20240102.parquet" },
];
const CUTOFF = tombstoneCutoff(new Date("2024-01-09T00:00:00Z"), 7);

/** Every statement of a plan: create, one batch, summary, expiry. */
function everyStatement(plan: TablePlan): string[] {
  const b = plan.batch(plan.dialect.name === "mysql" ? [] : FILES);
  return [...plan.create(), ...b.load, ...b.dedupe, ...b.guard, b.summary, ...b.merge, ...plan.expire(CUTOFF), ...b.cleanup];
}

describe.each(["spark", "trino"] as const)("%s statements", (dialect) => {
  describe.each([
    ["a keyed table", EVERY_TYPE],
    ["a table without a key", NO_KEY],
  ])("for %s", (_, meta) => {
    const plan = new TablePlan(meta, DIALECT[dialect], defaultTableNames(meta, ["cdc_dev_sales"]));
    const statements = everyStatement(plan);

    it("pass dt-sql-parser's validator", () => {
      expect(statements.length).toBeGreaterThan(meta.primaryKey.length > 0 ? 8 : 6);
      expect(statements.map((sql) => ({ sql, errors: sqlErrors(dialect, sql) })).filter((s) => s.errors.length > 0)).toEqual([]);
    });
  });

  it("the validator does reject broken SQL (the check has teeth)", () => {
    const plan = new TablePlan(EVERY_TYPE, DIALECT[dialect], defaultTableNames(EVERY_TYPE, ["cdc_dev_sales"]));
    const merge = plan.batch(FILES).merge[0];
    expect(sqlErrors(dialect, merge.replace("WHEN MATCHED", "WHEN MATCH"))).not.toEqual([]);
  });
});

const db = mysqlTestDatabase("cdc_apply_sql_validity");
db.describe("MySQL statements on MariaDB", () => {
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: db.url() });
  });
  afterAll(() => conn.end());

  it.each([
    ["a keyed table", EVERY_TYPE],
    ["a table without a key", NO_KEY],
  ])("all run for %s, twice (idempotent DDL), on empty staging", async (_, meta) => {
    // MariaDB runs here; the MySQL 8 rendering differs only in its collation's name (see plan.test.ts).
    const plan = new TablePlan(meta, mariadb);
    for (let i = 0; i < 2; i++) for (const sql of everyStatement(plan)) await conn.query(sql);
    const [tables] = await conn.query(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1",
    );
    const names = (tables as Array<{ t: string }>).map((r) => r.t);
    const expected =
      meta.primaryKey.length > 0
        ? [plan.names.target[0], plan.names.tombstones[0], plan.names.staging[0]]
        : [plan.names.target[0], plan.names.staging[0]];
    expect(names).toEqual(expect.arrayContaining(expected));
  });
});
