/**
 * Schema changes on local Spark 3.5.4 + Iceberg 1.7.1 (the Glue 5 engine): an Iceberg table created with the applied
 * shape takes every compatible change, twice without harm (the ADD skipped by its probe, ALTER COLUMN TYPE to the
 * type a column has is a no-op), keeps its rows with the new columns NULL and then holds values only the new shape fits.
 */
import { spark as sparkDialect } from "../../../../handlers/core/plan/dialect";
import { defaultTableNames, TablePlan } from "../../../../handlers/core/plan/plan";
import { rebuildStatements, schemaChangePlan } from "../../../../handlers/core/plan/schema-change";
import { tableShape } from "../../../../metadata/schema-diff";
import { sparkDescribe, useLocalGlue } from "../../../support/spark";
import { AFTER, BEFORE, INCOMPATIBLE, runSchemaStatements } from "./schema-change-fixtures";

const NAMESPACE = ["glue_catalog", "cdc_schema"];

sparkDescribe("schema change on Iceberg (local Spark)", () => {
  const glue = useLocalGlue();

  it("takes every compatible change on the target and the key's on the tombstones, twice without harm", async () => {
    const spark = glue().spark;
    const names = defaultTableNames(BEFORE, NAMESPACE);
    for (const sql of new TablePlan(BEFORE, sparkDialect, names).create()) await spark.sql(sql);
    await spark.sql("INSERT INTO glue_catalog.cdc_schema.dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '1', NULL)");
    const plan = schemaChangePlan(new TablePlan(AFTER, sparkDialect, names), tableShape(BEFORE));
    const columns = async (probe: string) => (await spark.query(probe)).map((r) => String(Object.values(r)[0]));
    const run = () => runSchemaStatements(plan.statements, (sql) => spark.sql(sql), columns);
    expect((await run()).length).toBe(6);
    // The second time the ADD is skipped; each type change runs again and changes nothing.
    expect((await run()).map((s) => s.split(" ").slice(3, 5).join(" "))).toEqual([
      "ALTER COLUMN",
      "ALTER COLUMN",
      "ALTER COLUMN",
      "ALTER COLUMN",
      "ALTER COLUMN",
    ]);
    const described = async (table: string) =>
      (await spark.query(`DESCRIBE TABLE glue_catalog.cdc_schema.${table}`))
        .filter((r) => r.col_name && !String(r.col_name).startsWith("#"))
        .map((r) => `${r.col_name} ${r.data_type}`);
    expect(await described("dbo__evolving")).toEqual([
      "id bigint",
      "name string",
      "qty bigint",
      "price decimal(14,2)",
      "ratio double",
      "_cdc_seq string",
      "_cdc_timestamp string",
      "note string",
      "flag boolean",
    ]);
    expect(await described("dbo__evolving__tombstones")).toEqual(["id bigint", "_cdc_seq string", "_cdc_timestamp string"]);
    await spark.sql(
      "INSERT INTO glue_catalog.cdc_schema.dbo__evolving (id, name, qty, price, ratio, _cdc_seq, _cdc_timestamp, note, flag) VALUES (9223372036854775807, 'x', 9223372036854775807, 123456789012.25, 1e300, '3', NULL, 'n', true)",
    );
    expect(
      await spark.query(
        "SELECT CAST(id AS STRING) AS id, name, note, flag FROM glue_catalog.cdc_schema.dbo__evolving ORDER BY id",
      ),
    ).toEqual([
      { id: "1", name: "abc", note: null, flag: null },
      { id: "9223372036854775807", name: "x", note: "n", flag: true },
    ]);
  });

  it("rebuilds for every incompatible change: floor pinned from the old tables, copies aside, tombstones carried, twice without harm", async () => {
    const spark = glue().spark;
    const ns = "glue_catalog.cdc_schema";
    const names = defaultTableNames(BEFORE, NAMESPACE);
    const columns = async (probe: string, field?: string) =>
      (await spark.query(probe)).map((r) => String(field ? r[field] : Object.values(r)[0]));
    const ids = async (table: string) =>
      (await spark.query(`SELECT id FROM ${ns}.${table} ORDER BY id`)).map((r) => Number(r.id));
    for (const [kind, meta] of Object.entries(INCOMPATIBLE)) {
      for (const t of ["dbo__evolving", "dbo__evolving__tombstones", "_cdc_generations"])
        for (const name of [t, `${t}__before_gx`]) await spark.sql(`DROP TABLE IF EXISTS ${ns}.${name}`);
      for (const sql of new TablePlan(BEFORE, sparkDialect, names).create()) await spark.sql(sql);
      await spark.sql(`INSERT INTO ${ns}.dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '7', NULL)`);
      await spark.sql(`INSERT INTO ${ns}.dbo__evolving__tombstones VALUES (2, '5', NULL)`);
      const plan = new TablePlan(meta, sparkDialect, names);
      const generation = { id: "etag-of-the-reload", at: "2026-12-03 00:00:00.000000", sweep: true };
      const { statements, backups } = rebuildStatements(plan, { tag: "gx", generation, applied: tableShape(BEFORE) });
      expect(backups).toEqual(["dbo__evolving__before_gx", "dbo__evolving__tombstones__before_gx"]);
      const run = () => runSchemaStatements(statements, (sql) => spark.sql(sql), columns);
      const first = await run();
      expect(first.filter((sql) => sql.includes(" AS SELECT * FROM "))).toHaveLength(2);
      // Again, as a retried run: the copies exist and are not made again; the new tables are dropped and made again.
      expect((await run()).some((sql) => sql.includes(" AS SELECT * FROM "))).toBe(false);
      expect(await ids("dbo__evolving__before_gx")).toEqual([1]);
      expect(await ids("dbo__evolving__tombstones__before_gx")).toEqual([2]);
      expect(await ids("dbo__evolving")).toEqual([]);
      expect(await ids("dbo__evolving__tombstones")).toEqual(kind === "key" ? [] : [2]);
      expect(await spark.query(`SELECT floor_seq FROM ${ns}._cdc_generations`)).toEqual([{ floor_seq: "7" }]);
      const described = (await spark.query(`DESCRIBE TABLE ${ns}.dbo__evolving`))
        .map((r) => String(r.col_name))
        .filter((c) => c && !c.startsWith("#"));
      expect(described).toEqual(plan.publicationColumns());
    }
  });
});
