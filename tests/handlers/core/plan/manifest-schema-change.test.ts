import { buildRunManifest, runManifestSchema } from "../../../../handlers/core/plan/manifest";
import { tableShape } from "../../../../metadata/schema-diff";
import { AFTER, BEFORE, INCOMPATIBLE } from "./schema-change-fixtures";

const input = (meta: typeof BEFORE, applied?: ReturnType<typeof tableShape>) => ({
  target: "sales/reporting",
  runId: "r1",
  manifestUri: "s3://lake/runs/r1.json",
  sparkNamespace: ["glue_catalog", "cdc"],
  mysql: "mariadb" as const,
  tombstoneRetentionDays: 7,
  now: new Date("2024-01-01T00:00:00Z"),
  tables: [{ meta, files: ["s3://h/dbo/Evolving/20240101-000000001.parquet"], etags: ["e1"], ...(applied && { applied }) }],
});

describe("run manifest: schema changes", () => {
  it("records the shape it applies, and carries the ALTERs from the applied shape for Spark and MySQL", () => {
    const m = runManifestSchema.parse(buildRunManifest(input(AFTER, tableShape(BEFORE))));
    const t = m.tables[0];
    expect(t.shape).toEqual(tableShape(AFTER));
    expect(t.spark.evolve?.map((s) => s.sql)[0]).toBe(
      "ALTER TABLE `glue_catalog`.`cdc`.`dbo__evolving` ADD COLUMNS (`note` string, `flag` boolean)",
    );
    expect(t.mysql?.evolve?.map((s) => s.sql)).toHaveLength(3);
  });

  it("carries none when the applied shape is the metadata's, and refuses to plan an incompatible change", () => {
    const same = buildRunManifest(input(BEFORE, tableShape(BEFORE))).tables[0];
    expect([same.spark.evolve, same.mysql?.evolve]).toEqual([undefined, undefined]);
    expect(() => buildRunManifest(input(INCOMPATIBLE.drop, tableShape(BEFORE)))).toThrow(
      "dbo.Evolving: incompatible schema change; the table must be held, not planned",
    );
  });
});
