/** Shared pieces of the component tests: a provider to declare through and JSON policy decoding. */
import * as aws from "@pulumi/aws";
import type { SourceMetadata, TableMetadata } from "../../metadata/format";
import type { RecordedResource } from "../support/pulumi-mocks";

export const ACCOUNT = "111111111111";
export const KEY_ARN = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/ingestion`;

/** An explicit provider, as CdcPipeline passes one to every component. */
export function testProvider(name = "ingestion"): aws.Provider {
  return new aws.Provider(name, { region: "eu-west-2", allowedAccountIds: [ACCOUNT] });
}

/** The statements of a policy document recorded as a JSON string input. */
export function statements(r: RecordedResource, input = "policy"): Array<Record<string, unknown>> {
  const doc = JSON.parse(r.inputs[input] as string) as { Version: string; Statement: Array<Record<string, unknown>> };
  expect(doc.Version).toBe("2012-10-17");
  return doc.Statement;
}

/** The statement with this Sid; fails listing the Sids present. */
export function statement(r: RecordedResource, sid: string, input = "policy"): Record<string, unknown> {
  const all = statements(r, input);
  const found = all.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${r.name}.${input}; Sids: ${all.map((s) => s.Sid).join(", ")}`);
  return found;
}

/** Two small tables as the extractor would write them: one with an excluded LOB column, one without a key. */
export function testMetadata(source = "sales"): { source: SourceMetadata; tables: TableMetadata[] } {
  const tables: TableMetadata[] = [
    {
      schema: "dbo",
      table: "Order",
      columns: [
        {
          name: "OrderId",
          ordinal: 1,
          sourceType: "int",
          dmsType: "INT4",
          nullable: false,
          parquet: { physical: "INT32", logical: { type: "INTEGER", bitWidth: 32, signed: true } },
        },
        {
          name: "Note",
          ordinal: 2,
          sourceType: "nvarchar",
          dmsType: "WSTRING",
          length: 200,
          nullable: true,
          parquet: { physical: "BYTE_ARRAY", logical: { type: "STRING" } },
        },
      ],
      primaryKey: ["OrderId"],
      excluded: [{ name: "Scan", ordinal: 3, sourceType: "varbinary", reason: "LOB (DMS BLOB): excluded" }],
    },
    {
      schema: "dbo",
      table: "AuditEvent",
      columns: [
        {
          name: "Message",
          ordinal: 1,
          sourceType: "nvarchar",
          dmsType: "WSTRING",
          length: 400,
          nullable: false,
          parquet: { physical: "BYTE_ARRAY", logical: { type: "STRING" } },
        },
      ],
      primaryKey: [],
      excluded: [],
    },
  ];
  return {
    source: {
      source,
      engine: "sqlserver",
      database: "Sales",
      extractedAt: "2026-11-01T00:00:00.000Z",
      tables: ["dbo.AuditEvent", "dbo.Order"],
    },
    tables,
  };
}
