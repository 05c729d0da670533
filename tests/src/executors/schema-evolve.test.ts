/**
 * The executors' `evolve` (src/executors/table-plans.ts): the schema-change statements run on the executor's own
 * connection, MySQL's ADD skipped by its information_schema probe on a second run, and an incompatible change refused
 * with one line naming it, before any statement runs. The statements themselves: tests/handlers/core/plan/schema-change*.
 */
import { tableShape } from "../../../metadata/schema-diff";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { mysqlTestDatabase } from "../../support/databases";
import { AFTER, BEFORE, INCOMPATIBLE } from "../../handlers/core/plan/schema-change-fixtures";

/** The row written in the old shape, after the change: its values kept, the added columns NULL. */
const KEPT = [
  { id: "1", name: "abc", qty: "2", price: "3.25", ratio: 0.5, note: null, flag: null, _cdc_seq: "1", _cdc_timestamp: null },
];
const refusal =
  "the targets cannot follow dbo.Evolving: drop-column ratio REAL4 (incompatible: a rename is a drop and an add); hold the table and reload it";

describe("DuckDB executor evolve", () => {
  it("alters the tables created in the applied shape, again without harm, and refuses an incompatible change", async () => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    try {
      await duck.ensureTables(duck.plan(BEFORE));
      await duck.connection.run("INSERT INTO dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '1', NULL)");
      await expect(duck.evolve(INCOMPATIBLE.drop, tableShape(BEFORE))).rejects.toThrow(refusal);
      const first = await duck.evolve(AFTER, tableShape(BEFORE));
      expect(await duck.evolve(AFTER, tableShape(BEFORE))).toEqual(first);
      expect(first.filter((sql) => sql.includes(" ADD COLUMN IF NOT EXISTS "))).toHaveLength(2);
      expect(await duck.rows(AFTER)).toEqual(KEPT);
    } finally {
      duck.close();
    }
  });
});

const db = mysqlTestDatabase("cdc_schema_evolve");
db.describe("MySQL executor evolve", () => {
  it("alters target, tombstones and staging; a second run skips what its probe finds done", async () => {
    const mysql = await MySqlExecutor.connect(db.url());
    try {
      await mysql.ensureTables(mysql.plan(BEFORE));
      await mysql.connection.query("INSERT INTO dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '1', NULL)");
      await expect(mysql.evolve(INCOMPATIBLE.drop, tableShape(BEFORE))).rejects.toThrow(refusal);
      expect(await mysql.evolve(AFTER, tableShape(BEFORE))).toHaveLength(3);
      // Each table is one ALTER; those adding a column are skipped, the tombstones' MODIFY runs again.
      expect(await mysql.evolve(AFTER, tableShape(BEFORE))).toEqual([
        "ALTER TABLE `dbo__evolving__tombstones` MODIFY COLUMN `id` BIGINT NOT NULL",
      ]);
      expect(await mysql.rows(AFTER)).toEqual(KEPT);
    } finally {
      await mysql.close();
    }
  });
});
