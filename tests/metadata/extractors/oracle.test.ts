import { catalogToTables } from "../../../metadata/extract";
import { oracleCatalog } from "../../../metadata/extractors/oracle";
import { lobReason } from "../../../metadata/type-mapping";
import { ORACLE_COLUMNS, ORACLE_KEYS } from "../fixtures/oracle-catalog";

const tables = catalogToTables("oracle", oracleCatalog(ORACLE_COLUMNS, ORACLE_KEYS));
const table = (name: string) => tables.find((t) => t.table === name)!;
const column = (t: string, name: string) => table(t).columns.find((c) => c.name === name);

describe("Oracle extractor over recorded ALL_TAB_COLS / ALL_CONSTRAINTS result sets", () => {
  it("yields the owner's tables sorted, with keys in position order and the keyless table flagged", () => {
    expect(tables.map((t) => [`${t.schema}.${t.table}`, t.primaryKey])).toEqual([
      ["SALES.AUDIT_TRAIL", []],
      ["SALES.ORDERS", ["ORDER_ID"]],
      ["SALES.ORDER_ITEMS", ["ORDER_ID", "ITEM_NO"]],
    ]);
  });

  it("maps NUMBER by precision and scale", () => {
    expect(column("ORDERS", "ORDER_ID")).toEqual({
      name: "ORDER_ID",
      ordinal: 1,
      sourceType: "number",
      dmsType: "NUMERIC",
      precision: 10,
      scale: 0,
      nullable: false,
      parquet: { physical: "FIXED_LEN_BYTE_ARRAY", length: 5, logical: { type: "DECIMAL", precision: 10, scale: 0 } },
    });
    expect(column("ORDERS", "CUSTOMER_ID")).toMatchObject({ dmsType: "NUMERIC", precision: 38, scale: 0 }); // INTEGER
    expect(column("ORDERS", "STATUS")).toMatchObject({ dmsType: "INT1", nullable: true });
    expect(column("ORDERS", "TOTAL")).toMatchObject({ dmsType: "NUMERIC", precision: 12, scale: 2 });
    expect(column("ORDERS", "WEIGHT")).toMatchObject({ dmsType: "NUMERIC", precision: 38, scale: 10 }); // bare NUMBER
    expect(column("ORDER_ITEMS", "ITEM_NO")).toMatchObject({ dmsType: "INT2" });
    expect(column("ORDER_ITEMS", "QTY")).toMatchObject({ dmsType: "INT4" });
    expect(column("ORDERS", "RATE")).toMatchObject({ sourceType: "binary_double", dmsType: "REAL8" });
    expect(column("ORDERS", "SCORE")).toMatchObject({ sourceType: "float", dmsType: "REAL8" });
  });

  it("strips digits from timestamp and interval type names and keeps the fraction as scale", () => {
    expect(column("ORDERS", "ORDERED_ON")).toMatchObject({ sourceType: "date", dmsType: "DATETIME", scale: 0 });
    expect(column("ORDERS", "UPDATED_AT")).toMatchObject({ sourceType: "timestamp", dmsType: "DATETIME", scale: 6 });
    expect(column("AUDIT_TRAIL", "HAPPENED")).toMatchObject({ sourceType: "timestamp", dmsType: "DATETIME", scale: 3 });
    expect(column("ORDERS", "PLACED_AT")).toMatchObject({ sourceType: "timestamp with time zone", dmsType: "STRING" });
    expect(column("ORDERS", "SLA")).toMatchObject({ sourceType: "interval day to second", dmsType: "STRING" });
  });

  it("uses character length for character types and byte length for RAW", () => {
    expect(column("ORDERS", "REFERENCE")).toMatchObject({ sourceType: "varchar2", dmsType: "STRING", length: 100 });
    expect(column("ORDERS", "CURRENCY")).toMatchObject({ sourceType: "char", dmsType: "STRING", length: 3, nullable: false });
    expect(column("ORDERS", "NOTE")).toMatchObject({ sourceType: "nvarchar2", dmsType: "WSTRING", length: 50 });
    expect(column("ORDERS", "TOKEN")).toMatchObject({ sourceType: "raw", dmsType: "BYTES", length: 16 });
  });

  it("replicates a keyed table's LOBs; excludes a keyless table's LOBs, virtual and unsupported columns with a reason", () => {
    expect(column("ORDERS", "DETAILS")).toMatchObject({ sourceType: "clob", dmsType: "CLOB", lob: true });
    expect(column("ORDERS", "SHAPE")).toMatchObject({ sourceType: "sdo_geometry", dmsType: "BLOB", lob: true });
    expect(table("ORDERS").excluded).toEqual([
      {
        name: "TOTAL_WITH_TAX",
        ordinal: 18,
        sourceType: "number",
        reason: "virtual column: AWS DMS does not replicate Oracle virtual columns",
      },
      { name: "LOCATOR", ordinal: 19, sourceType: "bfile", reason: "bfile: not a data type AWS DMS supports for Oracle sources" },
    ]);
    expect(table("AUDIT_TRAIL").excluded).toEqual([
      { name: "PAYLOAD", ordinal: 2, sourceType: "xmltype", reason: lobReason("CLOB") },
    ]);
  });
});
