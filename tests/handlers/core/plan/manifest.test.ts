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
    { meta: EVERY_TYPE, files: ["s3://h/dbo/Order Lines/LOAD00000001.parquet"] },
    { meta: NO_KEY, files: ["s3://h/dbo/select/20240102-120000000.parquet"] },
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
