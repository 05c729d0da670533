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

/**
 * The rebuild of a change the targets cannot follow (`rebuildStatements`): the old target and tombstones are set aside
 * whole as `<name>__before_<tag>`, the tables are created again with the new shape, and a second run changes nothing.
 */
const REBUILDS = Object.entries(INCOMPATIBLE).map(([kind, meta]) => [kind, meta, `r_${kind.toLowerCase()}`] as const);

describe("DuckDB executor rebuild", () => {
  it.each(REBUILDS)("%s: sets the old tables aside whole and creates the new shape, once", async (_kind, meta, tag) => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    try {
      await duck.ensureTables(duck.plan(BEFORE));
      await duck.connection.run("INSERT INTO dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '1', NULL)");
      expect(await duck.rebuild(meta, tag)).toEqual([
        `ALTER TABLE "dbo__evolving" RENAME TO "dbo__evolving__before_${tag}"`,
        `ALTER TABLE "dbo__evolving__tombstones" RENAME TO "dbo__evolving__tombstones__before_${tag}"`,
      ]);
      expect(await duck.rebuild(meta, tag)).toEqual([]);
      const kept = await duck.connection.runAndReadAll(`SELECT id, name FROM "dbo__evolving__before_${tag}"`);
      expect(kept.getRowObjectsJson()).toEqual([{ id: 1, name: "abc" }]);
      expect(await duck.rows(meta)).toEqual([]);
      const columns = await duck.connection.runAndReadAll(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'dbo__evolving' ORDER BY ordinal_position",
      );
      expect(columns.getRows().map((r) => String(r[0]))).toEqual(duck.plan(meta).publicationColumns());
    } finally {
      duck.close();
    }
  });
});

db.describe("MySQL executor rebuild", () => {
  it.each(REBUILDS)(
    "%s: renames target and tombstones aside, drops staging, creates the new shape, once",
    async (_kind, meta, tag) => {
      const mysql = await MySqlExecutor.connect(db.url());
      try {
        for (const t of ["dbo__evolving", "dbo__evolving__tombstones", "dbo__evolving__staging"])
          await mysql.connection.query(`DROP TABLE IF EXISTS ${t}`);
        await mysql.ensureTables(mysql.plan(BEFORE));
        await mysql.connection.query("INSERT INTO dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '1', NULL)");
        expect(await mysql.rebuild(meta, tag)).toEqual([
          `RENAME TABLE \`dbo__evolving\` TO \`dbo__evolving__before_${tag}\``,
          `RENAME TABLE \`dbo__evolving__tombstones\` TO \`dbo__evolving__tombstones__before_${tag}\``,
          "DROP TABLE IF EXISTS `dbo__evolving__staging`",
        ]);
        expect(await mysql.rebuild(meta, tag)).toEqual(["DROP TABLE IF EXISTS `dbo__evolving__staging`"]);
        const [kept] = await mysql.connection.query(`SELECT id, name FROM dbo__evolving__before_${tag}`);
        expect(kept).toEqual([{ id: 1, name: "abc" }]);
        expect(await mysql.rows(meta)).toEqual([]);
        const [columns] = await mysql.connection.query({
          sql: "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dbo__evolving' ORDER BY ORDINAL_POSITION",
          rowsAsArray: true,
        });
        expect((columns as unknown[][]).map((r) => r[0])).toEqual(mysql.plan(meta).publicationColumns());
      } finally {
        await mysql.close();
      }
    },
  );
});
