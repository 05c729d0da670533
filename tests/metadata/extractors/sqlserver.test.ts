import { catalogToTables } from "../../../metadata/extract";
import { sqlServerCatalog } from "../../../metadata/extractors/sqlserver";
import { SQLSERVER_COLUMNS, SQLSERVER_KEYS } from "../fixtures/sqlserver-catalog";

const tables = catalogToTables("sqlserver", sqlServerCatalog(SQLSERVER_COLUMNS, SQLSERVER_KEYS));
const table = (id: string) => tables.find((t) => `${t.schema}.${t.table}` === id)!;
const column = (id: string, name: string) => table(id).columns.find((c) => c.name === name);

describe("SQL Server extractor over recorded sys.* result sets", () => {
  it("yields one table per schema.table, sorted", () => {
    expect(tables.map((t) => `${t.schema}.${t.table}`)).toEqual(["dbo.Everything", "sales.EventLog", "sales.OrderLine"]);
  });

  it("keeps the key in key order, not column order, and flags the table without one", () => {
    expect(table("sales.OrderLine").primaryKey).toEqual(["LineNo", "OrderId"]);
    expect(table("dbo.Everything").primaryKey).toEqual(["Id"]);
    expect(table("sales.EventLog").primaryKey).toEqual([]);
  });

  it("turns byte lengths into characters for nchar/nvarchar and resolves alias types to their base", () => {
    expect(column("dbo.Everything", "Name")).toEqual({
      name: "Name",
      ordinal: 15,
      sourceType: "nvarchar",
      dmsType: "WSTRING",
      length: 200,
      nullable: false,
      parquet: { physical: "BYTE_ARRAY", logical: { type: "STRING" } },
    });
    expect(column("dbo.Everything", "Phone")).toMatchObject({
      sourceType: "nvarchar",
      dmsType: "WSTRING",
      length: 20,
      nullable: true,
    });
    expect(column("dbo.Everything", "Code")).toMatchObject({ sourceType: "char", dmsType: "STRING", length: 3 });
  });

  it("maps numbers, dates and identifiers field by field", () => {
    expect(column("dbo.Everything", "Amount")).toEqual({
      name: "Amount",
      ordinal: 5,
      sourceType: "decimal",
      dmsType: "NUMERIC",
      precision: 18,
      scale: 2,
      nullable: false,
      parquet: { physical: "FIXED_LEN_BYTE_ARRAY", length: 8, logical: { type: "DECIMAL", precision: 18, scale: 2 } },
    });
    expect(column("dbo.Everything", "Tiny")).toMatchObject({
      dmsType: "UINT1",
      parquet: { logical: { type: "INTEGER", bitWidth: 8, signed: false } },
    });
    expect(column("dbo.Everything", "Created")).toMatchObject({ dmsType: "DATETIME", scale: 7, nullable: false });
    expect(column("dbo.Everything", "Legacy")).toMatchObject({ dmsType: "DATETIME", scale: 3 });
    expect(column("dbo.Everything", "Offset")).toMatchObject({ dmsType: "WSTRING", length: 34 });
    // time(7) keeps its precision and travels as text (the DMS rule changes it to a string): Spark cannot read TIME32.
    expect(column("dbo.Everything", "At")).toMatchObject({
      sourceType: "time",
      dmsType: "TIME",
      scale: 7,
      length: 16,
      parquet: { physical: "BYTE_ARRAY", logical: { type: "STRING" } },
    });
    expect(column("dbo.Everything", "Guid")).toMatchObject({ dmsType: "STRING", length: 36 });
    expect(column("dbo.Everything", "RowVer")).toMatchObject({ sourceType: "timestamp", dmsType: "BYTES", length: 8 });
    expect(column("dbo.Everything", "Node")).toMatchObject({ sourceType: "hierarchyid", dmsType: "WSTRING", length: 250 });
    expect(column("dbo.Everything", "Price")).toMatchObject({ dmsType: "NUMERIC", precision: 19, scale: 4 });
    // Sizing the DMS type does not carry is left out rather than copied from the catalog (int has precision 10 there).
    expect(Object.keys(column("sales.OrderLine", "OrderId")!).sort()).toEqual([
      "dmsType",
      "name",
      "nullable",
      "ordinal",
      "parquet",
      "sourceType",
    ]);
  });

  it("replicates the (max) types, LOBs and spatial types of a keyed table as LOBs; excludes unsupported types with a reason", () => {
    expect(table("dbo.Everything").excluded).toEqual([
      {
        name: "Anything",
        ordinal: 25,
        sourceType: "sql_variant",
        reason: "sql_variant: not a data type AWS DMS supports for SQL Server sources",
      },
    ]);
    expect(table("dbo.Everything").columns.map((c) => c.ordinal)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26,
    ]);
    const lobs = table("dbo.Everything").columns.filter((c) => c.lob === true);
    expect(lobs.map((c) => [c.name, c.sourceType, c.dmsType, c.parquet.logical?.type ?? c.parquet.physical])).toEqual([
      ["Notes", "nvarchar", "NCLOB", "STRING"],
      ["Photo", "varbinary", "BLOB", "BYTE_ARRAY"],
      ["Doc", "xml", "NCLOB", "STRING"],
      ["Place", "geography", "CLOB", "STRING"],
      ["Old", "text", "CLOB", "STRING"],
    ]);
  });

  it("refuses a table whose key column cannot be replicated", () => {
    const keys = [...SQLSERVER_KEYS, { schema_name: "dbo", table_name: "Everything", column_name: "Notes", key_ordinal: 2 }];
    expect(() => catalogToTables("sqlserver", sqlServerCatalog(SQLSERVER_COLUMNS, keys))).toThrow(
      /^dbo\.Everything: primary-key column Notes is excluded from replication \(LOB \(DMS NCLOB\): AWS DMS cannot replicate a LOB that is part of the primary key.*leave it out with --exclude dbo\.Everything$/,
    );
  });
});
