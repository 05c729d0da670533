import * as path from "node:path";
import { readMetadataDir } from "../../../../metadata/load";
import { planBatch, type ReceivedFile } from "../../../../handlers/core/poller/batch";
import type { ValidatedFileMessage } from "../../../../handlers/core/messages";

const { tables } = readMetadataDir(path.resolve(__dirname, "../../../../metadata/sources/sales"));

let n = 0;
function received(table: string, file: string, over: Partial<ValidatedFileMessage> = {}): ReceivedFile {
  const [schema, name] = table.split(".");
  n++;
  return {
    messageId: `m${n}`,
    receiptHandle: `r${n}`,
    message: {
      version: 1,
      source: "sales",
      schema,
      table: name,
      bucket: "harmonized",
      key: `${schema}/${name}/${file}.parquet`,
      etag: `"e${n}"`,
      sizeBytes: 10,
      rowCount: 1,
      kind: file.startsWith("LOAD") ? "load" : "cdc",
      minSeq: null,
      maxSeq: null,
      validatedAt: "2026-11-22T00:00:00.000Z",
      ...over,
    },
  };
}

describe("planBatch", () => {
  it("groups by table (sorted), orders files as DMS wrote them and keeps a re-delivered file once", () => {
    const files = [
      received("dbo.Invoice", "20240101-000000200"),
      received("dbo.Customer", "20240101-000000100"),
      received("dbo.Invoice", "LOAD0000000A"),
      received("dbo.Invoice", "LOAD00000002"),
      received("dbo.Invoice", "20240101-000000100"),
      received("dbo.Invoice", "20240101-000000200"),
    ];
    const batch = planBatch(files, "sales", tables);
    expect(batch.tables.map((t) => [`${t.meta.schema}.${t.meta.table}`, t.files])).toEqual([
      ["dbo.Customer", ["s3://harmonized/dbo/Customer/20240101-000000100.parquet"]],
      [
        "dbo.Invoice",
        [
          "s3://harmonized/dbo/Invoice/LOAD00000002.parquet",
          "s3://harmonized/dbo/Invoice/LOAD0000000A.parquet",
          "s3://harmonized/dbo/Invoice/20240101-000000100.parquet",
          "s3://harmonized/dbo/Invoice/20240101-000000200.parquet",
        ],
      ],
    ]);
    expect(batch.files).toBe(5);
    // Both copies of the re-delivered file are covered, so both messages are deleted after the run starts.
    expect(batch.included.map((f) => f.messageId)).toEqual(files.map((f) => f.messageId));
    expect(batch.rejected).toEqual([]);
  });

  it("matches tables case-insensitively and rejects what this target cannot apply, with the reason", () => {
    const ok = received("DBO.customer", "20240101-000000100");
    const otherSource = received("dbo.Customer", "20240101-000000200", { source: "crm" });
    const unknown = received("dbo.Nope", "20240101-000000300");
    const unreadable: ReceivedFile = { messageId: "x", receiptHandle: "x", error: "validated-file message: key: Required" };
    const batch = planBatch([ok, otherSource, unknown, unreadable], "sales", tables);
    expect(batch.tables.map((t) => t.meta.table)).toEqual(["Customer"]);
    expect(batch.rejected.map((r) => r.reason)).toEqual([
      "message of source crm on a queue of source sales",
      "no metadata for table dbo.Nope",
      "validated-file message: key: Required",
    ]);
  });

  it("rejects a message whose key is not a DMS file of its table, and still plans the others", () => {
    // Ordering such a key would throw; thrown from planBatch, it would fail every tick and drag the whole received
    // batch, good messages included, to the DLQ.
    const ok = received("dbo.Customer", "20240101-000000100");
    const notDms = received("dbo.Customer", "20240101-000000200", { key: "dbo/Customer/export.csv" });
    const otherTable = received("dbo.Customer", "20240101-000000300", { key: "dbo/Invoice/20240101-000000300.parquet" });
    const batch = planBatch([ok, notDms, otherTable], "sales", tables);
    expect(batch.tables.map((t) => t.files)).toEqual([["s3://harmonized/dbo/Customer/20240101-000000100.parquet"]]);
    expect(batch.included.map((f) => f.messageId)).toEqual([ok.messageId]);
    expect(batch.rejected.map((r) => r.reason)).toEqual([
      'key "dbo/Customer/export.csv" does not end in .parquet; expected <schema>/<table>/<LOAD########|yyyymmdd-hhmmssnnn>.parquet',
      "key dbo/Invoice/20240101-000000300.parquet is a file of dbo.Invoice, not of dbo.Customer",
    ]);
  });
});
