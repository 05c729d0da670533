import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { extractSource, filterCatalog, type ExtractOptions } from "../../metadata/extract-source";
import type { Catalog } from "../../metadata/extract";
import { readMetadataDir } from "../../metadata/load";

const catalog: Catalog = {
  columns: [
    { schema: "dbo", table: "Orders", name: "Id", ordinal: 1, sourceType: "int", nullable: false },
    { schema: "dbo", table: "Lines", name: "Id", ordinal: 1, sourceType: "int", nullable: false },
    { schema: "audit", table: "Log", name: "At", ordinal: 1, sourceType: "datetime2", scale: 7, nullable: false },
  ],
  primaryKeys: [
    { schema: "dbo", table: "Orders", column: "Id", position: 1 },
    { schema: "dbo", table: "Lines", column: "Id", position: 1 },
  ],
};

let out: string;
beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-extract-source-"));
});
afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

const options = (extra: Partial<ExtractOptions> = {}): ExtractOptions => ({
  engine: "sqlserver",
  url: "sqlserver://reader:pw@db/Sales",
  source: "sales",
  out,
  now: new Date("2026-11-22T01:00:00.000Z"),
  reader: async () => ({ database: "Sales", catalog }),
  ...extra,
});

describe("extractSource", () => {
  it("filters keys with their tables", () => {
    expect(filterCatalog(catalog, ["dbo.*"], ["*.Lines"])).toEqual({
      columns: [catalog.columns[0]],
      primaryKeys: [catalog.primaryKeys[0]],
    });
  });

  it("writes the selected tables, reports each, and reports an unchanged rerun as unchanged", async () => {
    const progress: string[] = [];
    const first = await extractSource(options({ exclude: ["audit.*"], progress: (l) => progress.push(l) }));
    expect(first.changed).toBe(true);
    expect(progress).toEqual(["dbo.Lines: 1 column, primary key (Id)", "dbo.Orders: 1 column, primary key (Id)"]);
    expect(readMetadataDir(out).source).toEqual({
      source: "sales",
      engine: "sqlserver",
      database: "Sales",
      extractedAt: "2026-11-22T01:00:00.000Z",
      tables: ["dbo.Lines", "dbo.Orders"],
    });
    const second = await extractSource(options({ exclude: ["audit.*"], now: new Date("2026-11-23T00:00:00.000Z") }));
    expect(second.changed).toBe(false);
    expect(second.source.extractedAt).toBe("2026-11-22T01:00:00.000Z");
  });

  it("replaces metadata someone broke by hand instead of failing on it", async () => {
    await extractSource(options());
    fs.writeFileSync(path.join(out, "tables", "dbo.Orders.json"), "{ not json");
    const again = await extractSource(options({ now: new Date("2026-11-24T00:00:00.000Z") }));
    expect(again.changed).toBe(true);
    expect(readMetadataDir(out).tables.map((t) => t.table)).toEqual(["Log", "Lines", "Orders"]);
  });

  it("refuses an output directory holding another database's metadata", async () => {
    await extractSource(options());
    await expect(extractSource(options({ reader: async () => ({ database: "Sales_Copy", catalog }) }))).rejects.toThrow(
      `${out}: holds metadata of source sales (sqlserver database Sales), not sales (sqlserver database Sales_Copy); choose another --out`,
    );
  });
});
