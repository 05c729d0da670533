import type { Table } from "@aws-sdk/client-glue";
import { columnDifferences, glueTableInput, glueTableName, tableDifferences } from "../../metadata/glue-table-input";
import { readMetadataDir } from "../../metadata/load";
import * as path from "node:path";

const { source, tables } = readMetadataDir(path.join(__dirname, "../../metadata/sources/crm"));
const contacts = tables.find((t) => t.table === "contacts")!;
const input = glueTableInput(source, contacts, "cdc-dev-crm-harmonized-111111111111");
/** What Glue hands back for a table created from `input`. */
const asStored = (): Table => ({
  ...structuredClone(input),
  Name: input.Name!,
  DatabaseName: "cdc_dev_crm",
  CreateTime: new Date(),
  VersionId: "3",
});

describe("glueTableInput", () => {
  it("names tables schema_table in lower case, safe for Athena", () => {
    expect(glueTableName({ schema: "dbo", table: "InvoiceLine" })).toBe("dbo_invoiceline");
    expect(glueTableName({ schema: "SALES", table: "ORDER$ITEMS#2" })).toBe("sales_order_items_2");
  });

  it("describes a Parquet table under the harmonized bucket with the change columns first", () => {
    expect(input.Name).toBe("public_contacts");
    expect(input.TableType).toBe("EXTERNAL_TABLE");
    expect(input.Description).toBe("public.contacts of postgres database crm (source crm): validated DMS changes");
    expect(input.StorageDescriptor!.Location).toBe("s3://cdc-dev-crm-harmonized-111111111111/public/contacts/");
    expect(input.StorageDescriptor!.InputFormat).toBe("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    expect(input.StorageDescriptor!.OutputFormat).toBe("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat");
    expect(input.StorageDescriptor!.Columns).toEqual([
      { Name: "op", Type: "string", Comment: "DMS operation: I insert, U update, D delete (before-image)" },
      { Name: "cdc_timestamp", Type: "string", Comment: "DMS commit timestamp of the change" },
      { Name: "cdc_seq", Type: "string", Comment: "DMS change sequence ($AR_H_CHANGE_SEQ); empty in full load" },
      { Name: "id", Type: "bigint", Comment: "id: bigint (DMS INT8), not null" },
      { Name: "account_id", Type: "string", Comment: "account_id: uuid (DMS STRING), not null" },
      { Name: "email", Type: "string", Comment: "email: character varying (DMS WSTRING), not null" },
      { Name: "phone", Type: "string", Comment: "phone: character varying (DMS WSTRING)" },
      { Name: "preferences", Type: "string", Comment: "preferences: jsonb (DMS NCLOB)" },
      { Name: "opted_in", Type: "string", Comment: "opted_in: boolean (DMS STRING), not null" },
      { Name: "updated_at", Type: "timestamp", Comment: "updated_at: timestamp without time zone (DMS DATETIME), not null" },
      // Athena has no TIME: the text DMS writes for it (change-data-type rule), which the comment says.
      {
        Name: "best_call_time",
        Type: "string",
        Comment: "best_call_time: time without time zone (DMS TIME as text HH:MM:SS[.fffffff])",
      },
    ]);
    expect(input.Parameters).toEqual({
      classification: "parquet",
      EXTERNAL: "TRUE",
      cdc_source_table: "public.contacts",
      cdc_primary_key: "id",
      cdc_ordering_column: "cdc_seq",
    });
  });
});

describe("tableDifferences", () => {
  it("finds nothing when Glue holds what we would write, even with parameters others added", () => {
    const stored = asStored();
    stored.Parameters = { ...stored.Parameters, "projection.enabled": "false" };
    expect(tableDifferences(stored, input)).toEqual([]);
  });

  it("names each kind of drift", () => {
    const cases: Array<[(t: Table) => void, string[]]> = [
      [(t) => t.StorageDescriptor!.Columns!.pop(), ["columns"]],
      [(t) => (t.StorageDescriptor!.Columns![4].Type = "varchar(36)"), ["columns"]],
      [(t) => (t.StorageDescriptor!.Location = "s3://elsewhere/public/contacts/"), ["location"]],
      [(t) => (t.StorageDescriptor!.SerdeInfo = { SerializationLibrary: "org.openx.data.jsonserde.JsonSerDe" }), ["format"]],
      [(t) => (t.PartitionKeys = [{ Name: "dt", Type: "string" }]), ["partition keys"]],
      [(t) => (t.Description = "hand edited"), ["description"]],
      [(t) => (t.Parameters!.cdc_primary_key = "email"), ["parameters"]],
      [(t) => delete t.Parameters!.classification, ["parameters"]],
    ];
    for (const [drift, expected] of cases) {
      const stored = asStored();
      drift(stored);
      expect(tableDifferences(stored, input)).toEqual(expected);
    }
  });

  it("treats a key parameter left on a table that lost its key as drift", () => {
    const log = tables.find((t) => t.primaryKey.length === 0)!;
    const keyless = glueTableInput(source, log, "b");
    const stored: Table = {
      ...structuredClone(keyless),
      Name: keyless.Name!,
      Parameters: { ...keyless.Parameters, cdc_primary_key: "id" },
    };
    expect(tableDifferences(stored, keyless)).toEqual(["parameters"]);
  });
});

describe("columnDifferences", () => {
  it("lists each added, removed, retyped and re-commented column, and a pure reordering", () => {
    expect(columnDifferences(asStored(), input)).toEqual([]);
    const cols = () => input.StorageDescriptor!.Columns!;
    const drifted = asStored();
    const stored = drifted.StorageDescriptor!.Columns!;
    const added = stored.pop()!; // the input has it, the catalog not
    stored[4] = { ...stored[4], Type: "varchar(36)" };
    stored[3] = { ...stored[3], Comment: "hand edited" };
    stored.push({ Name: "legacy", Type: "int" });
    expect(columnDifferences(drifted, input)).toEqual([
      `~ ${stored[3].Name}: comment`,
      `~ ${stored[4].Name} varchar(36) → ${cols()[4].Type}`,
      `+ ${added.Name} ${added.Type}`,
      "- legacy int",
    ]);
    const reordered = asStored();
    reordered.StorageDescriptor!.Columns!.reverse();
    expect(columnDifferences(reordered, input)).toEqual(["columns reordered"]);
  });
});
