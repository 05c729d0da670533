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
 * The rebuild of a change the targets cannot follow (`rebuildStatements`), on each executor's own engine: the floor of
 * the reload's generation pinned from the old tables, the old target and tombstones set aside whole as
 * `<name>__before_<tag>`, the tables created again with the new shape, the tombstones carried over when the key is the
 * same; and a second run (a retried manifest) changes nothing.
 */
const REBUILDS = Object.entries(INCOMPATIBLE).map(([kind, meta]) => [kind, meta] as const);
const GENERATION = { id: "etag-of-the-reload", at: "2026-12-03 00:00:00.000000", sweep: true };
const OLD_ROW = "INSERT INTO dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '00000000000000000000000000000000007', NULL)";
const OLD_TOMBSTONE = "INSERT INTO dbo__evolving__tombstones VALUES (2, '00000000000000000000000000000000005', NULL)";

/** What a rebuild left, read with `query` (rows as objects): backups, new tables, the pinned floor. */
async function rebuilt(query: (sql: string) => Promise<Array<Record<string, unknown>>>) {
  const ids = async (table: string) => (await query(`SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));
  return {
    backup: await ids("dbo__evolving__before_gx"),
    backupTombstones: await ids("dbo__evolving__tombstones__before_gx"),
    target: await ids("dbo__evolving"),
    tombstones: await ids("dbo__evolving__tombstones"),
    floors: (await query("SELECT floor_seq FROM _cdc_generations")).map((r) => String(r.floor_seq)),
  };
}

const expected = (kind: string) => ({
  backup: [1],
  backupTombstones: [2],
  target: [],
  // After a key change there is no key to carry a tombstone by.
  tombstones: kind === "key" ? [] : [2],
  floors: ["00000000000000000000000000000000007"],
});

describe("DuckDB executor rebuild", () => {
  it.each(REBUILDS)("%s: pins the floor, sets the old tables aside whole, creates the new shape, once", async (kind, meta) => {
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    try {
      await duck.ensureTables(duck.plan(BEFORE));
      await duck.connection.run(OLD_ROW);
      await duck.connection.run(OLD_TOMBSTONE);
      const query = async (sql: string) => (await duck.connection.runAndReadAll(sql)).getRowObjectsJson();
      const rebuild = { tag: "gx", generation: GENERATION, applied: tableShape(BEFORE) };
      await duck.rebuild(meta, rebuild);
      expect(await rebuilt(query)).toEqual(expected(kind));
      await duck.rebuild(meta, rebuild);
      expect(await rebuilt(query)).toEqual(expected(kind));
      const columns = await query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'dbo__evolving' ORDER BY ordinal_position",
      );
      expect(columns.map((r) => r.column_name)).toEqual(duck.plan(meta).publicationColumns());
    } finally {
      duck.close();
    }
  });
});

db.describe("MySQL executor rebuild", () => {
  it.each(REBUILDS)("%s: pins the floor, renames the old tables aside, creates the new shape, once", async (kind, meta) => {
    const mysql = await MySqlExecutor.connect(db.url());
    try {
      for (const t of ["dbo__evolving", "dbo__evolving__tombstones", "dbo__evolving__staging", "_cdc_generations"])
        await mysql.connection.query(`DROP TABLE IF EXISTS ${t}, ${t}__before_gx`);
      await mysql.ensureTables(mysql.plan(BEFORE));
      await mysql.connection.query(OLD_ROW);
      await mysql.connection.query(OLD_TOMBSTONE);
      const query = async (sql: string) => (await mysql.connection.query(sql))[0] as Array<Record<string, unknown>>;
      const rebuild = { tag: "gx", generation: GENERATION, applied: tableShape(BEFORE) };
      await mysql.rebuild(meta, rebuild);
      expect(await rebuilt(query)).toEqual(expected(kind));
      await mysql.rebuild(meta, rebuild);
      expect(await rebuilt(query)).toEqual(expected(kind));
      const columns = await query(
        "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dbo__evolving' ORDER BY ORDINAL_POSITION",
      );
      expect(columns.map((r) => r.c)).toEqual(mysql.plan(meta).publicationColumns());
    } finally {
      await mysql.close();
    }
  });
});
