import { renderLargeFileChecks } from "../../../../handlers/core/validation/large-file-checks";
import { allTypesTable, ordersTable, table } from "../../../support/parquet-fixtures";
import { sqlErrors } from "../../../support/sql-parsers";

const sparkSqlErrors = (sql: string) => sqlErrors("spark", sql);

describe("large-file checks as Spark SQL", () => {
  it("renders the value rules of a CDC file as one aggregate", () => {
    const r = renderLargeFileChecks(ordersTable(), "cdc", "s3://raw/dbo/orders/20240102-030405678.parquet");
    expect(r.sql).toBe(
      [
        "SELECT",
        "  COUNT(*) AS row_count,",
        "  COUNT_IF(`Op` IS NULL OR `Op` NOT IN ('D', 'I', 'U')) AS check_1,",
        "  COUNT_IF(`cdc_seq` IS NULL OR NOT (`cdc_seq` RLIKE '^[0-9]{1,35}\\\\z')) AS check_2,",
        "  MIN_BY(`cdc_seq`, LPAD(`cdc_seq`, 35, '0')) AS min_seq,",
        "  MAX_BY(`cdc_seq`, LPAD(`cdc_seq`, 35, '0')) AS max_seq,",
        "  COUNT_IF(`id` IS NULL) AS check_3,",
        "  COUNT_IF(`name` IS NULL AND (`Op` IS NULL OR `Op` <> 'D')) AS check_4",
        "FROM parquet.`s3://raw/dbo/orders/20240102-030405678.parquet`",
      ].join("\n"),
    );
    expect(r.checks.map((c) => [c.alias, c.code, c.column])).toEqual([
      ["check_1", "BAD_OP", "Op"],
      ["check_2", "BAD_SEQ", "cdc_seq"],
      ["check_3", "NULL_PRIMARY_KEY", "id"],
      ["check_4", "NULL_IN_NOT_NULL", "name"],
    ]);
    expect(r.seqAliases).toEqual({ min: "min_seq", max: "max_seq" });
  });

  it("allows only inserts in a full-load file and skips the sequence there", () => {
    const r = renderLargeFileChecks(ordersTable(), "load", "s3://raw/dbo/orders/LOAD00000001.parquet");
    expect(r.sql).toContain("NOT IN ('I')");
    expect(r.sql).not.toContain("cdc_seq");
    expect(r.sql).toContain("COUNT_IF(`name` IS NULL) AS check_3");
    expect(r.seqAliases).toBeUndefined();
  });

  it.each([
    ["orders CDC", ordersTable(), "cdc", "s3://raw/dbo/orders/20240102-030405678.parquet"],
    ["all types, full load", allTypesTable(), "load", "s3://raw/dbo/all_types/LOAD00000001.parquet"],
    [
      "awkward names and key",
      table(
        "odd schema",
        "we`ird",
        [
          { name: "col`1", dmsType: "INT4" },
          { name: "naïve name", dmsType: "STRING", nullable: false },
        ],
        ["col`1"],
      ),
      "cdc",
      "s3://raw/odd schema/we`ird/20240102-030405678.parquet",
    ],
  ] as const)("%s parses as Spark SQL", (_n, t, kind, uri) => {
    expect(sparkSqlErrors(renderLargeFileChecks(t, kind, uri).sql)).toEqual([]);
  });

  it("the syntax check itself rejects broken SQL", () => {
    expect(sparkSqlErrors("SELECT COUNT_IF(`a` IS NULL AS x FROM parquet.`s3://b/k`").length).toBeGreaterThan(0);
  });
});
