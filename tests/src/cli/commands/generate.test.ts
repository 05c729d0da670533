import * as fs from "node:fs";
import * as path from "node:path";
import { cdc } from "../../../support/cli";
import { allTypesTable, ordersTable, tempDir, writeMetadata } from "../../../support/parquet-fixtures";

describe("cdc generate", () => {
  const tmp = tempDir("cdc-cli-generate");
  afterAll(tmp.cleanup);
  const metadata = path.join(tmp.dir, "metadata");
  beforeAll(() => writeMetadata(metadata, [allTypesTable(), ordersTable()]));

  it("writes LOAD then CDC files per table that `cdc validate` accepts, the same bytes for the same seed", async () => {
    const out = path.join(tmp.dir, "a");
    const r = await cdc(
      "generate",
      "--metadata",
      metadata,
      "--out",
      out,
      "--rows",
      "30",
      "--changes",
      "50",
      "--seed",
      "9",
      "--changes-per-file",
      "20",
    );
    expect(r.code).toBe(0);
    const files = r.stdout.split("\n").map((l) => l.split("\t")[0]);
    expect(files.map((f) => path.relative(out, f).split(path.sep).join("/"))).toEqual([
      "dbo/all_types/LOAD00000001.parquet",
      expect.stringMatching(/^dbo\/all_types\/\d{8}-\d{9}\.parquet$/),
      expect.stringMatching(/^dbo\/all_types\/\d{8}-\d{9}\.parquet$/),
      expect.stringMatching(/^dbo\/all_types\/\d{8}-\d{9}\.parquet$/),
      "dbo/orders/LOAD00000001.parquet",
      expect.stringMatching(/^dbo\/orders\/\d{8}-\d{9}\.parquet$/),
      expect.stringMatching(/^dbo\/orders\/\d{8}-\d{9}\.parquet$/),
      expect.stringMatching(/^dbo\/orders\/\d{8}-\d{9}\.parquet$/),
    ]);
    expect(r.stderr).toContain("wrote 8 files for 2 tables");
    expect((await cdc("validate", ...files, "--metadata", metadata)).code).toBe(0);

    const again = path.join(tmp.dir, "b");
    await cdc(
      "generate",
      "--metadata",
      metadata,
      "--out",
      again,
      "--rows",
      "30",
      "--changes",
      "50",
      "--seed",
      "9",
      "--changes-per-file",
      "20",
    );
    for (const f of files) expect(fs.readFileSync(f).equals(fs.readFileSync(path.join(again, path.relative(out, f))))).toBe(true);
  });

  it("limits to --table and can leave statistics out", async () => {
    const out = path.join(tmp.dir, "c");
    const r = await cdc(
      "generate",
      "--metadata",
      metadata,
      "--out",
      out,
      "--rows",
      "5",
      "--changes",
      "0",
      "--table",
      "DBO.orders",
      "--no-statistics",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path.join(out, "dbo", "orders", "LOAD00000001.parquet")}\tload\t5 rows`);
  });

  it.each([
    [["--rows", "-1"], /--rows: expected a whole number ≥ 0, received "-1"/],
    [["--seed", "abc"], /--seed: expected a whole number/],
    [["--duplicates", "2"], /--duplicates: expected a fraction between 0 and 1/],
    [["--table", "dbo.nope"], /--table dbo.nope: not in/],
  ])("refuses %j with exit 2", async (extra, message) => {
    const r = await cdc("generate", "--metadata", metadata, "--out", path.join(tmp.dir, "x"), ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
