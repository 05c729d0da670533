import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BatchDeleteTableCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
  type Table,
  type TableInput,
} from "@aws-sdk/client-glue";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { cdc } from "../../../support/cli";

const ROOT = path.join(__dirname, "../../../..");
const glue = mockClient(GlueClient);
const sts = mockClient(STSClient);

/** A Glue Data Catalog in memory: answers like Glue (EntityNotFoundException, stored tables with Glue's extra fields). */
class FakeCatalog {
  databases = new Map<string, { catalogId: string; tables: Map<string, Table> }>();
  credentials: string[] = [];

  install(): void {
    glue.reset();
    glue.on(GetDatabaseCommand).callsFake(async (input, getClient) => {
      await this.recordCredentials(getClient);
      const db = this.databases.get(input.Name);
      if (!db) throw new EntityNotFoundException({ message: `Database ${input.Name} not found.`, $metadata: {} });
      return { Database: { Name: input.Name, CatalogId: db.catalogId, CreateTime: new Date() } };
    });
    glue.on(CreateDatabaseCommand).callsFake((input) => {
      this.databases.set(input.DatabaseInput.Name, { catalogId: input.CatalogId, tables: new Map() });
      return {};
    });
    glue.on(GetTablesCommand).callsFake((input) => {
      const tables = [...(this.databases.get(input.DatabaseName)?.tables.values() ?? [])];
      // Two pages, the way Glue paginates long listings.
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const page = tables.slice(start, start + 4);
      return { TableList: page, NextToken: start + 4 < tables.length ? String(start + 4) : undefined };
    });
    glue.on(CreateTableCommand).callsFake((input) => {
      this.databases
        .get(input.DatabaseName)!
        .tables.set(input.TableInput.Name, this.stored(input.DatabaseName, input.TableInput));
      return {};
    });
    glue.on(UpdateTableCommand).callsFake((input) => {
      this.databases
        .get(input.DatabaseName)!
        .tables.set(input.TableInput.Name, this.stored(input.DatabaseName, input.TableInput));
      return {};
    });
    glue.on(BatchDeleteTableCommand).callsFake((input) => {
      for (const name of input.TablesToDelete) this.databases.get(input.DatabaseName)!.tables.delete(name);
      return { Errors: [] };
    });
  }

  private stored(database: string, input: TableInput): Table {
    return {
      ...structuredClone(input),
      Name: input.Name!,
      DatabaseName: database,
      CreateTime: new Date(),
      UpdateTime: new Date(),
      IsRegisteredWithLakeFormation: false,
      VersionId: "1",
    };
  }

  private async recordCredentials(getClient: () => GlueClient): Promise<void> {
    const provider = getClient().config.credentials;
    const creds = await provider();
    this.credentials.push(creds.accessKeyId);
  }
}

const writes = () =>
  [CreateDatabaseCommand, CreateTableCommand, UpdateTableCommand, BatchDeleteTableCommand].flatMap((c) =>
    glue.commandCalls(c as any),
  );

let catalog: FakeCatalog;
let work: string;
beforeEach(() => {
  catalog = new FakeCatalog();
  catalog.install();
  sts.reset();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-catalog-"));
  fs.cpSync(path.join(ROOT, "metadata/sources/sales"), path.join(work, "sales"), { recursive: true });
  process.env.AWS_ACCESS_KEY_ID = "AKIADEFAULTCHAIN";
  process.env.AWS_SECRET_ACCESS_KEY = "default-secret";
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
});

const sync = (...extra: string[]) =>
  cdc("catalog", "sync", "--source", "sales", "--stack", "dev", "-C", ROOT, "--metadata", path.join(work, "sales"), ...extra);
const editTable = (id: string, change: (json: any) => void) => {
  const file = path.join(work, "sales", "tables", `${id}.json`);
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  change(json);
  fs.writeFileSync(file, JSON.stringify(json));
};

describe("cdc catalog sync", () => {
  it("first run creates the database and every table", async () => {
    const r = await sync();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("cdc_dev_sales: database created; 6 created, 0 updated, 0 unchanged");
    expect(glue.commandCalls(CreateDatabaseCommand).map((c) => c.args[0].input)).toEqual([
      {
        CatalogId: "111111111111",
        DatabaseInput: {
          Name: "cdc_dev_sales",
          Description: "Harmonized DMS changes of source sales (managed by cdc catalog sync)",
        },
      },
    ]);
    const created = glue.commandCalls(CreateTableCommand).map((c) => c.args[0].input);
    expect(created.map((i) => i.TableInput!.Name)).toEqual([
      "billing_subscription",
      "dbo_auditevent",
      "dbo_customer",
      "dbo_invoice",
      "dbo_invoiceline",
      "dbo_payment",
    ]);
    const invoice = created.find((i) => i.TableInput!.Name === "dbo_invoice")!;
    expect(invoice.CatalogId).toBe("111111111111");
    expect(invoice.DatabaseName).toBe("cdc_dev_sales");
    expect(invoice.TableInput!.StorageDescriptor!.Location).toBe("s3://cdc-dev-sales-harmonized-111111111111/dbo/Invoice/");
    expect(invoice.TableInput!.StorageDescriptor!.SerdeInfo).toEqual({
      SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
      Parameters: { "serialization.format": "1" },
    });
    expect(invoice.TableInput!.StorageDescriptor!.Columns!.map((c) => [c.Name, c.Type])).toEqual([
      ["op", "string"],
      ["cdc_timestamp", "string"],
      ["cdc_seq", "string"],
      ["invoiceid", "int"],
      ["customerid", "int"],
      ["invoicenumber", "string"],
      ["issuedon", "date"],
      ["dueon", "date"],
      ["status", "smallint"],
      ["currency", "string"],
      ["total", "decimal(19,4)"],
      ["issuedat", "string"],
    ]);
    expect(invoice.TableInput!.Parameters).toEqual({
      classification: "parquet",
      EXTERNAL: "TRUE",
      cdc_source_table: "dbo.Invoice",
      cdc_primary_key: "invoiceid",
      cdc_ordering_column: "cdc_seq",
    });
    const audit = created.find((i) => i.TableInput!.Name === "dbo_auditevent")!;
    expect(audit.TableInput!.Parameters).not.toHaveProperty("cdc_primary_key");
    expect(created.find((i) => i.TableInput!.Name === "dbo_invoiceline")!.TableInput!.Parameters!.cdc_primary_key).toBe(
      "invoiceid,linenumber",
    );
    expect(r.stderr).toContain("  creating table cdc_dev_sales.dbo_invoice");
  });

  it("second run makes no write call", async () => {
    await sync();
    glue.resetHistory();
    const r = await sync();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("cdc_dev_sales: 0 created, 0 updated, 6 unchanged");
    expect(writes()).toEqual([]);
    expect(glue.commandCalls(GetTablesCommand).length).toBe(2);
  });

  it("a changed column updates exactly that table, keeping parameters other tools added", async () => {
    await sync();
    const stored = catalog.databases.get("cdc_dev_sales")!.tables.get("dbo_invoice")!;
    stored.Parameters = { ...stored.Parameters, "lakeformation.managed": "yes" };
    editTable("dbo.Invoice", (t) => {
      const total = t.columns.find((c: any) => c.name === "Total");
      total.precision = 21;
      total.parquet = { physical: "FIXED_LEN_BYTE_ARRAY", length: 9, logical: { type: "DECIMAL", precision: 21, scale: 4 } };
    });
    glue.resetHistory();
    const r = await sync();
    expect(r.stdout).toBe("cdc_dev_sales: 0 created, 1 updated, 5 unchanged");
    expect(r.stderr).toContain("  updating table cdc_dev_sales.dbo_invoice (columns)");
    const updates = glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.TableInput!.Name)).toEqual(["dbo_invoice"]);
    expect(updates[0].TableInput!.StorageDescriptor!.Columns!.find((c) => c.Name === "total")!.Type).toBe("decimal(21,4)");
    expect(updates[0].TableInput!.Parameters!["lakeformation.managed"]).toBe("yes");
    expect(writes().length).toBe(1);
    glue.resetHistory();
    expect((await sync()).stdout).toBe("cdc_dev_sales: 0 created, 0 updated, 6 unchanged");
  });

  it("drops the key parameter of a table that lost its key, then settles", async () => {
    await sync();
    editTable("dbo.Payment", (t) => (t.primaryKey = []));
    glue.resetHistory();
    expect((await sync()).stdout).toBe("cdc_dev_sales: 0 created, 1 updated, 5 unchanged");
    const [update] = glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(update.TableInput!.Name).toBe("dbo_payment");
    expect(update.TableInput!.Parameters).not.toHaveProperty("cdc_primary_key");
    glue.resetHistory();
    expect((await sync()).stdout).toBe("cdc_dev_sales: 0 created, 0 updated, 6 unchanged");
    expect(writes()).toEqual([]);
  });

  it("reports tables whose metadata is gone, and deletes them only with --prune", async () => {
    await sync();
    catalog.databases.get("cdc_dev_sales")!.tables.set("hand_made", { Name: "hand_made", Parameters: {} });
    fs.rmSync(path.join(work, "sales", "tables", "dbo.AuditEvent.json"));
    const meta = JSON.parse(fs.readFileSync(path.join(work, "sales", "source.json"), "utf8"));
    meta.tables = meta.tables.filter((t: string) => t !== "dbo.AuditEvent");
    fs.writeFileSync(path.join(work, "sales", "source.json"), JSON.stringify(meta));
    glue.resetHistory();

    const report = await sync();
    expect(report.stdout.split("\n")).toEqual([
      "cdc_dev_sales: 0 created, 0 updated, 5 unchanged",
      "cdc_dev_sales.dbo_auditevent: no metadata; left in place (--prune deletes it)",
    ]);
    expect(writes()).toEqual([]);

    const pruned = await sync("--prune");
    expect(pruned.stdout.split("\n")[1]).toBe("cdc_dev_sales.dbo_auditevent: deleted (no metadata)");
    expect(glue.commandCalls(BatchDeleteTableCommand).map((c) => c.args[0].input)).toEqual([
      { CatalogId: "111111111111", DatabaseName: "cdc_dev_sales", TablesToDelete: ["dbo_auditevent"] },
    ]);
    // A table this command did not create is never touched.
    expect([...catalog.databases.get("cdc_dev_sales")!.tables.keys()]).toContain("hand_made");
  });

  it("--dry-run reports without writing", async () => {
    const r = await sync("--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("cdc_dev_sales: database would be created; 6 would be created, 0 would be updated, 0 unchanged");
    expect(r.stderr).toContain("  would create table cdc_dev_sales.dbo_payment");
    expect(writes()).toEqual([]);
  });

  it("assumes the cross-account role when given and uses its credentials, in the lake account's catalog", async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: "ASIALAKEROLE",
        SecretAccessKey: "s",
        SessionToken: "t",
        Expiration: new Date(Date.now() + 3600_000),
      },
    });
    const roleArn = "arn:aws:iam::555555555555:role/cdc-catalog";
    const r = await cdc(
      "catalog",
      "sync",
      "--source",
      "sales",
      "--stack",
      "prod",
      "-C",
      ROOT,
      "--metadata",
      path.join(work, "sales"),
      "--role-arn",
      roleArn,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("cdc_prod_sales: database created; 6 created, 0 updated, 0 unchanged");
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: roleArn, RoleSessionName: "cdc-catalog-sync", DurationSeconds: 3600 },
    ]);
    expect(catalog.credentials).toEqual(["ASIALAKEROLE"]);
    const created = glue.commandCalls(CreateTableCommand).map((c) => c.args[0].input);
    expect(new Set(created.map((c) => c.CatalogId))).toEqual(new Set(["555555555555"]));
    expect(created[0].TableInput!.StorageDescriptor!.Location).toBe(
      "s3://cdc-prod-sales-harmonized-555555555555/billing/Subscription/",
    );
  });

  it("uses the default credential chain without --role-arn", async () => {
    await sync();
    expect(sts.commandCalls(AssumeRoleCommand)).toEqual([]);
    expect(catalog.credentials).toEqual(["AKIADEFAULTCHAIN"]);
  });

  it("refuses bad input in one line", async () => {
    const unknown = await cdc("catalog", "sync", "--source", "billing", "--stack", "dev", "-C", ROOT);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      `cdc: ${path.join(ROOT, "Pulumi.dev.yaml")}: no source named billing (sources: sales, crm)`,
    ]);
    const crm = await sync("--source", "crm");
    expect(crm.code).toBe(1);
    expect(crm.stderr).toBe(
      `cdc: ${path.join(work, "sales", "source.json")}: describes source sales (sqlserver), but ${path.join(ROOT, "Pulumi.dev.yaml")} has crm (postgres)`,
    );
    const role = await sync("--role-arn", "lake-admin");
    expect([role.code, role.stderr]).toEqual([
      2,
      'cdc: --role-arn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), received "lake-admin"',
    ]);
    editTable("dbo.Invoice", (t) => (t.columns[0].dmsType = "INTEGER"));
    const bad = await sync();
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cdc: .*dbo\.Invoice\.json: columns\[0\]\.dmsType: expected one of "BOOLEAN"/);
    expect(writes()).toEqual([]);
  });
});
