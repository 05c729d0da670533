import { buildRunManifest, runManifestSchema, type BuildManifestInput } from "../../../../handlers/core/plan/manifest";
import { EVERY_TYPE, NO_KEY } from "./fixtures";

const input: BuildManifestInput = {
  target: "sales/reporting",
  runId: "run-0001",
  manifestUri: "s3://lake/runs/reporting/run-0001.json",
  sparkNamespace: ["glue_catalog", "cdc_dev_sales"],
  mysql: "mysql",
  tombstoneRetentionDays: 7,
  now: new Date("2024-01-08T00:00:00Z"),
  tables: [
    { meta: EVERY_TYPE, files: ["s3://h/dbo/Order Lines/LOAD00000001.parquet"], etags: ['"e1"'] },
    { meta: NO_KEY, files: ["s3://h/dbo/select/20240102-120000000.parquet"], etags: ["e2"] },
  ],
};

describe("the run manifest", () => {
  it("carries every statement, rendered, and the .done marker next to the manifest", () => {
    const m = buildRunManifest(input);
    expect(runManifestSchema.parse(m)).toEqual(m);
    expect(m.doneUri).toBe("s3://lake/runs/reporting/run-0001.done");
    expect(m.createdAt).toBe("2024-01-08T00:00:00.000Z");
    const [keyed, log] = m.tables;
    expect(keyed.spark.create[0]).toContain("`glue_catalog`.`cdc_dev_sales`.`dbo__order lines`");
    expect(keyed.spark.expire).toEqual([expect.stringContaining("< '2024-01-01 00:00:00.000000'")]);
    // Expiry first: a retried run then meets the same tombstones its first attempt left (see TablePlan.expire).
    expect(keyed.mysql?.apply[0]).toContain("< '2024-01-01 00:00:00.000000'");
    expect(keyed.mysql?.apply.slice(1).some((s) => s.includes("< '2024-01-01"))).toBe(false);
    expect(keyed.mysql?.stage).toEqual({
      fromView: "cdc_changes_dbo_order_lines",
      table: "`dbo__order lines__staging`",
      columns: [...EVERY_TYPE.columns.map((c) => c.name), "_cdc_op", "_cdc_seq", "_cdc_timestamp", "_cdc_row"],
    });
    expect(log.spark.expire).toEqual([]);
    // Each file pinned by its version, unquoted; a manifest with fewer ETags than files is refused.
    expect(m.tables.map((t) => t.etags)).toEqual([["e1"], ["e2"]]);
    const unpinned = { ...m, tables: [{ ...keyed, etags: [] }] };
    expect(runManifestSchema.safeParse(unpinned).error?.issues[0].path).toEqual(["tables", 0, "etags"]);
    expect(() => buildRunManifest({ ...input, tables: [{ ...input.tables[0], etags: [] }] })).toThrow(
      "dbo.Order Lines: expected one ETag per file",
    );
  });

  it("renders a generation's batch: floor pinned before the load, full-load rows at the floor, sweep after the merge", () => {
    const generation = {
      id: "9b2cf535f27731c974343645a3985328",
      at: "2024-01-08 00:00:00.000000",
      sweep: true,
      file: "s3://h/x",
    };
    const plain = buildRunManifest(input).tables[0];
    const m = buildRunManifest({ ...input, tables: [{ ...input.tables[0], generation }] }).tables[0];
    expect(m.generation).toEqual(generation);
    // Statements of a normal batch stay as they are; the generation adds the pin and the sweep around them.
    expect(m.spark.load.slice(-plain.spark.load.length).join("\n")).not.toBe(plain.spark.load.join("\n"));
    expect(m.spark.load[0]).toContain("CREATE TABLE IF NOT EXISTS `glue_catalog`.`cdc_dev_sales`.`_cdc_generations`");
    expect(m.spark.load[1]).toMatch(/^INSERT INTO .*`_cdc_generations`.*WHERE NOT EXISTS/);
    expect(m.spark.load[2]).toContain("THEN (SELECT p.`floor_seq` FROM");
    expect(m.spark.merge.slice(0, plain.spark.merge.length)).toEqual(plain.spark.merge);
    expect(m.spark.merge.slice(plain.spark.merge.length)).toEqual([
      expect.stringMatching(/^MERGE INTO .*__tombstones/),
      expect.stringMatching(/^DELETE FROM .*`dbo__order lines` AS t WHERE/),
    ]);
    expect(m.mysql?.load[1]).toMatch(/^INSERT INTO `_cdc_generations`/);
    expect(m.mysql?.apply.at(-1)).toMatch(/^DELETE t FROM `dbo__order lines` AS t WHERE/);
    const later = buildRunManifest({ ...input, tables: [{ ...input.tables[0], generation: { ...generation, sweep: false } }] });
    expect(later.tables[0].spark.merge).toEqual(plain.spark.merge);
  });

  it("has no MySQL part for a target without MySQL", () => {
    expect(buildRunManifest({ ...input, mysql: false }).tables.every((t) => t.mysql === undefined)).toBe(true);
  });

  it("refuses a manifest the runner could not execute, naming the field", () => {
    const m = buildRunManifest(input);
    const bad = { ...m, doneUri: "s3://lake/x.json", tables: [{ ...m.tables[0], files: ["/local/file.parquet"] }] };
    const r = runManifestSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "doneUri: expected an s3:// URI ending in .done",
      "tables.0.files.0: expected an s3:// URI",
    ]);
  });
});
