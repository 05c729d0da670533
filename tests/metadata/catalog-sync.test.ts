/**
 * syncCatalog's handling of Glue errors moto does not produce (it enforces no IAM and deletes whatever it is asked
 * to). Creating, updating, settling and pruning in batches run against moto in tests/src/cli/commands/catalog.test.ts.
 */
import * as path from "node:path";
import { BatchDeleteTableCommand, GetDatabaseCommand, GetTablesCommand, GlueClient, type Table } from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { syncCatalog } from "../../metadata/catalog-sync";
import { readMetadataDir } from "../../metadata/load";

const glue = mockClient(GlueClient);
const { source, tables } = readMetadataDir(path.join(__dirname, "../../metadata/sources/crm"));
const managed = (n: number): Table[] =>
  Array.from({ length: n }, (_, i) => ({
    Name: `old_${String(i).padStart(3, "0")}`,
    Parameters: { cdc_source_table: `public.old_${i}` },
  }));
const options = () => ({
  glue: new GlueClient({ region: "eu-west-2", credentials: { accessKeyId: "a", secretAccessKey: "b" } }),
  catalogId: "111111111111",
  database: "cdc_dev_crm",
  harmonizedBucket: "cdc-dev-crm-harmonized-111111111111",
  source,
  tables: [],
  prune: true,
});

beforeEach(() => {
  glue.reset();
  glue.on(GetDatabaseCommand).resolves({ Database: { Name: "cdc_dev_crm" } });
});

describe("syncCatalog errors", () => {
  it("fails loudly when Glue refuses a delete", async () => {
    glue.on(GetTablesCommand).resolves({ TableList: managed(2) });
    glue.on(BatchDeleteTableCommand).resolves({
      Errors: [{ TableName: "old_001", ErrorDetail: { ErrorCode: "AccessDeniedException", ErrorMessage: "not authorized" } }],
    });
    await expect(syncCatalog(options())).rejects.toThrow("Glue refused to delete old_001 (not authorized)");
  });

  it("passes other Glue errors through instead of treating them as a missing database", async () => {
    glue
      .on(GetDatabaseCommand)
      .rejects(Object.assign(new Error("User is not authorized to perform glue:GetDatabase"), { name: "AccessDeniedException" }));
    await expect(syncCatalog({ ...options(), tables })).rejects.toThrow("not authorized to perform glue:GetDatabase");
  });
});
