/**
 * What a target's Iceberg tables are created with (write properties, partition spec) and the maintenance SQL run on
 * them: rendered text, validity under dt-sql-parser's Spark grammar, and the metadata rules of `partitionBy`.
 */
import { spark } from "../../../../handlers/core/plan/dialect";
import { maintainedTables, maintenanceStatements } from "../../../../handlers/core/plan/iceberg-maintenance";
import {
  DEFAULT_ICEBERG_SETTINGS,
  icebergSettingsFromJson,
  icebergTableProperties,
} from "../../../../handlers/core/plan/iceberg-settings";
import { defaultTableNames, TablePlan } from "../../../../handlers/core/plan/plan";
import { tableMetadataSchema, type TableMetadata } from "../../../../metadata/format";
import { carryPartitionSpecs } from "../../../../metadata/partition-spec";
import { sqlErrors } from "../../../support/sql-parsers";
import { EVERY_TYPE, NO_KEY } from "./fixtures";

const NS = ["glue_catalog", "cdc_dev_sales"];
const MOR = { ...DEFAULT_ICEBERG_SETTINGS, writeMode: "merge-on-read" as const, targetFileSizeMiB: 64, metadataVersionsKept: 10 };
const PARTITIONED: TableMetadata = {
  ...EVERY_TYPE,
  partitionBy: [
    { column: "c_datetime", transform: "day" },
    { column: "order", transform: "bucket", width: 16 },
  ],
};

describe("CREATE TABLE of an Iceberg target", () => {
  it("without target settings, is what it always was: format-version 2 only, unpartitioned", () => {
    const [target, tombstones] = new TablePlan(EVERY_TYPE, spark, defaultTableNames(EVERY_TYPE, NS)).create();
    for (const sql of [target, tombstones]) {
      expect(sql).toMatch(/USING iceberg TBLPROPERTIES \('format-version' = '2'\)$/);
      expect(sql).not.toContain("PARTITIONED BY");
    }
  });

  it("carries the target's write properties on the table and its tombstones, the write mode for all three operations", () => {
    const statements = new TablePlan(EVERY_TYPE, spark, defaultTableNames(EVERY_TYPE, NS), MOR).create();
    const expected =
      "TBLPROPERTIES ('format-version' = '2', 'write.target-file-size-bytes' = '67108864', " +
      "'write.metadata.delete-after-commit.enabled' = 'true', 'write.metadata.previous-versions-max' = '10', " +
      "'write.merge.mode' = 'merge-on-read', 'write.update.mode' = 'merge-on-read', 'write.delete.mode' = 'merge-on-read')";
    expect(statements).toHaveLength(2);
    for (const sql of statements) expect(sql.endsWith(expected)).toBe(true);
  });

  it("defaults to copy-on-write, 128 MiB files and 100 metadata versions", () => {
    expect(icebergTableProperties(DEFAULT_ICEBERG_SETTINGS)).toMatchObject({
      "write.target-file-size-bytes": String(128 * 1024 * 1024),
      "write.metadata.previous-versions-max": "100",
      "write.merge.mode": "copy-on-write",
      "write.update.mode": "copy-on-write",
      "write.delete.mode": "copy-on-write",
    });
  });

  it("partitions the target (never its tombstones) by the metadata's spec", () => {
    const [target, tombstones] = new TablePlan(PARTITIONED, spark, defaultTableNames(PARTITIONED, NS), MOR).create();
    expect(target).toContain("USING iceberg PARTITIONED BY (days(`c_datetime`), bucket(16, `order`)) TBLPROPERTIES");
    expect(tombstones).not.toContain("PARTITIONED BY");
  });

  it.each([
    ["keyed, partitioned", PARTITIONED],
    ["change log", { ...NO_KEY, partitionBy: [{ column: "c_string", transform: "truncate", width: 4 }] } as TableMetadata],
  ])("passes dt-sql-parser's Spark grammar (%s)", (_, meta) => {
    // Two-part names: the parser's Spark grammar refuses three.
    const statements = new TablePlan(meta, spark, defaultTableNames(meta, ["cdc_dev_sales"]), MOR).create();
    expect(statements.map((sql) => sqlErrors("spark", sql)).flat()).toEqual([]);
  });
});

describe("partitionBy in table metadata", () => {
  const parse = (partitionBy: unknown) =>
    tableMetadataSchema.safeParse({ ...EVERY_TYPE, partitionBy }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

  it("accepts transforms that fit their column's type", () => {
    expect(parse(PARTITIONED.partitionBy)).toBeUndefined();
    expect(
      parse([
        { column: "c_date", transform: "month" },
        { column: "c_int4", transform: "identity" },
      ]),
    ).toBeUndefined();
  });

  it("refuses, one line each, what Iceberg would refuse at CREATE TABLE", () => {
    expect(
      parse([
        { column: "nope", transform: "day" },
        { column: "c_int4", transform: "day" },
        { column: "c_date", transform: "hour" },
        { column: "c_string", transform: "bucket" },
        { column: "c_date", transform: "year", width: 3 },
        { column: "c_real8", transform: "bucket", width: 8 },
        { column: "order", transform: "identity" },
        { column: "order", transform: "identity" },
      ]),
    ).toEqual([
      "partitionBy.0.column: partition column nope is not a replicated column of the table",
      "partitionBy.1.transform: day cannot partition c_int4 (int)",
      "partitionBy.2.transform: hour cannot partition c_date (date)",
      "partitionBy.3.width: bucket needs a width",
      "partitionBy.4.width: only bucket and truncate take a width, not year",
      "partitionBy.5.transform: bucket cannot partition c_real8 (double)",
      "partitionBy.7.transform: identity(order) is listed twice",
    ]);
  });

  it("survives a re-extraction while its columns do, and is dropped with a line when they do not", () => {
    const fresh = [{ ...EVERY_TYPE }, { ...NO_KEY }];
    const lines: string[] = [];
    const previous = [PARTITIONED, { ...NO_KEY, partitionBy: [{ column: "gone", transform: "identity" as const }] }];
    carryPartitionSpecs(fresh, previous, (l) => lines.push(l));
    expect(fresh[0].partitionBy).toEqual(PARTITIONED.partitionBy);
    expect(fresh[1].partitionBy).toBeUndefined();
    expect(lines).toEqual(["dbo.select: partitionBy dropped: partition column gone is not a replicated column of the table"]);
  });
});

describe("maintenance statements", () => {
  const now = new Date("2024-03-10T12:00:00Z");

  it("are the three Iceberg procedures with the settings' cut-offs", () => {
    const s = { ...DEFAULT_ICEBERG_SETTINGS, compactionMinInputFiles: 5, snapshotsToKeep: 3 };
    expect(maintenanceStatements("cdc_dev_sales", "sales__stock levels", s, now)).toEqual({
      compaction: [
        "CALL glue_catalog.system.rewrite_data_files(table => '`cdc_dev_sales`.`sales__stock levels`', strategy => 'binpack', " +
          "options => map('min-input-files', '5', 'delete-file-threshold', '1', 'remove-dangling-deletes', 'true'))",
      ],
      retention: [
        "CALL glue_catalog.system.expire_snapshots(table => '`cdc_dev_sales`.`sales__stock levels`', " +
          "older_than => TIMESTAMP '2024-03-05 12:00:00.000', retain_last => 3)",
      ],
      orphans: [
        "CALL glue_catalog.system.remove_orphan_files(table => '`cdc_dev_sales`.`sales__stock levels`', " +
          "older_than => TIMESTAMP '2024-03-07 12:00:00.000')",
      ],
    });
  });

  it("leave compaction out when the target turned it off", () => {
    expect(maintenanceStatements("d", "t", { ...DEFAULT_ICEBERG_SETTINGS, compaction: false }, now).compaction).toEqual([]);
  });

  it("cover the target and, for a keyed table, its tombstones", () => {
    expect(maintainedTables(EVERY_TYPE)).toEqual(["dbo__order lines", "dbo__order lines__tombstones"]);
    expect(maintainedTables(NO_KEY)).toEqual(["dbo__select"]);
  });
});

describe("the poller's ICEBERG variable", () => {
  it("is the defaults when unset, and the settings when set", () => {
    expect(icebergSettingsFromJson(undefined, "ICEBERG")).toEqual(DEFAULT_ICEBERG_SETTINGS);
    expect(icebergSettingsFromJson('{"writeMode":"merge-on-read"}', "ICEBERG").writeMode).toBe("merge-on-read");
  });

  it("refuses a malformed value with one line naming it", () => {
    expect(() => icebergSettingsFromJson("{", "ICEBERG")).toThrow(/^ICEBERG: not JSON/);
    expect(() => icebergSettingsFromJson('{"snapshotsToKeep":0}', "ICEBERG")).toThrow(/^ICEBERG: snapshotsToKeep: /);
  });
});
