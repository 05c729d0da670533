import { catalogToTables, keepExtractedAt, type Catalog } from "../../metadata/extract";
import type { TableMetadata } from "../../metadata/format";
import { UserError } from "../../src/errors";

const catalog: Catalog = {
  columns: [
    { schema: "public", table: "orders", name: "note", ordinal: 3, sourceType: "text", nullable: true },
    { schema: "public", table: "orders", name: "id", ordinal: 1, sourceType: "integer", nullable: false },
    {
      schema: "public",
      table: "orders",
      name: "total",
      ordinal: 2,
      sourceType: "numeric",
      precision: 10,
      scale: 2,
      nullable: false,
    },
    { schema: "public", table: "blobs", name: "data", ordinal: 1, sourceType: "bytea", nullable: true },
  ],
  primaryKeys: [{ schema: "public", table: "orders", column: "id", position: 1 }],
};
const orders = (): TableMetadata[] =>
  catalogToTables("postgres", { ...catalog, columns: catalog.columns.filter((c) => c.table === "orders") });

describe("catalogToTables", () => {
  it("orders columns by ordinal, whatever order the catalog returned them in", () => {
    const [t] = orders();
    expect(t.columns.map((c) => c.name)).toEqual(["id", "total", "note"]);
    expect(t.primaryKey).toEqual(["id"]);
  });

  it("replicates a LOB column of a keyed table, marked as a LOB with the Parquet type DMS writes", () => {
    const [t] = orders();
    expect(t.excluded).toEqual([]);
    expect(t.columns[2]).toEqual({
      name: "note",
      ordinal: 3,
      sourceType: "text",
      dmsType: "NCLOB",
      nullable: true,
      parquet: { physical: "BYTE_ARRAY", logical: { type: "STRING" } },
      lob: true,
    });
    expect(t.columns.slice(0, 2).every((c) => c.lob === undefined)).toBe(true);
  });

  it("keeps a keyless table's LOB columns excluded, with the reason", () => {
    const keyless: Catalog = {
      columns: [
        { schema: "public", table: "log", name: "at", ordinal: 1, sourceType: "date", nullable: false },
        { schema: "public", table: "log", name: "body", ordinal: 2, sourceType: "bytea", nullable: true },
        { schema: "public", table: "log", name: "tags", ordinal: 3, sourceType: "text", isArray: true, nullable: true },
      ],
      primaryKeys: [],
    };
    const [t] = catalogToTables("postgres", keyless);
    expect(t.columns.map((c) => c.name)).toEqual(["at"]);
    expect(t.excluded).toEqual([
      {
        name: "body",
        ordinal: 2,
        sourceType: "bytea",
        reason: "LOB (DMS BLOB): AWS DMS replicates LOBs only for tables with a primary key; excluded",
      },
      {
        name: "tags",
        ordinal: 3,
        sourceType: "text",
        reason: "LOB (DMS NCLOB): AWS DMS replicates LOBs only for tables with a primary key; excluded",
      },
    ]);
  });

  it("refuses a table with no column DMS can replicate, naming the flag that leaves it out", () => {
    expect(() => catalogToTables("postgres", catalog)).toThrow(UserError);
    expect(() => catalogToTables("postgres", catalog)).toThrow(
      "public.blobs: no column AWS DMS can replicate (data: bytea); leave it out with --exclude public.blobs",
    );
  });
});

describe("keepExtractedAt", () => {
  const now = new Date("2026-11-22T10:00:00.000Z");
  it("keeps the previous time when every table is unchanged (in any order)", () => {
    const tables = [...orders(), { ...orders()[0], table: "orders2" }];
    expect(keepExtractedAt({ extractedAt: "2026-01-01T00:00:00.000Z", tables }, [...tables].reverse(), now)).toBe(
      "2026-01-01T00:00:00.000Z",
    );
  });

  it("moves to now when a column, a key or the table list changed, or when there was nothing before", () => {
    const before = orders();
    const nullable = orders();
    nullable[0].columns[1].nullable = true;
    const keyless = orders();
    keyless[0].primaryKey = [];
    const previous = { extractedAt: "2026-01-01T00:00:00.000Z", tables: before };
    expect(keepExtractedAt(previous, nullable, now)).toBe(now.toISOString());
    expect(keepExtractedAt(previous, keyless, now)).toBe(now.toISOString());
    expect(keepExtractedAt(previous, [], now)).toBe(now.toISOString());
    expect(keepExtractedAt(undefined, before, now)).toBe(now.toISOString());
  });
});
