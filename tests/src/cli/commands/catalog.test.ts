/**
 * `cdc catalog sync` against moto's Glue Data Catalog and STS, the CLI's own clients pointed at it through the SDK's
 * AWS_ENDPOINT_URL. Every request passes a logging proxy, so what the command sent — which calls, signed with which
 * credentials — is observed on the wire. Refusals and error shapes moto cannot produce are in catalog-errors.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CreateTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
  type Table,
} from "@aws-sdk/client-glue";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { cdc } from "../../../support/cli";
import { motoDescribe, startRequestLog, useMoto, type RequestLog } from "../../../support/moto";

const ROOT = path.join(__dirname, "../../../..");
const REGION = "eu-west-2"; // the stacks' cdc:region
const ENV = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"] as const;
const WRITE = /^glue:(Create|Update|Delete|BatchDelete)/;

motoDescribe("cdc catalog sync on moto (Glue Data Catalog, STS)", () => {
  const aws = useMoto();
  let log: RequestLog;
  let work: string;
  let saved: Partial<Record<(typeof ENV)[number], string>>;
  /** Reads moto's catalog as the default credentials' account (moto's 123456789012). */
  let glue: GlueClient;

  beforeAll(async () => {
    log = await startRequestLog(aws().endpoint);
    glue = new GlueClient({ ...aws().clientConfig, region: REGION });
  });
  afterAll(async () => {
    glue?.destroy();
    await log?.stop();
  });
  beforeEach(async () => {
    await aws().reset();
    log.clear();
    saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
    for (const k of ENV) delete process.env[k];
    // The default credential chain, as the command finds it; the endpoint is the SDK's standard override.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: log.endpoint,
      AWS_ACCESS_KEY_ID: "AKIADEFAULTCHAIN",
      AWS_SECRET_ACCESS_KEY: "x",
    });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-catalog-"));
    fs.cpSync(path.join(ROOT, "metadata/sources/sales"), path.join(work, "sales"), { recursive: true });
  });
  afterEach(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  const sync = (...extra: string[]) =>
    cdc("catalog", "sync", "--source", "sales", "--stack", "dev", "-C", ROOT, "--metadata", path.join(work, "sales"), ...extra);
  const writes = () => log.operations("glue").filter((op) => WRITE.test(op));
  const tables = async (client = glue, database = "cdc_dev_sales"): Promise<Table[]> =>
    (await client.send(new GetTablesCommand({ DatabaseName: database }))).TableList ?? [];
  const editTable = (id: string, change: (json: any) => void) => {
    const file = path.join(work, "sales", "tables", `${id}.json`);
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    change(json);
    fs.writeFileSync(file, JSON.stringify(json));
  };

  it("first run creates the database and every table as Athena reads them; a second run makes no write call", async () => {
    const r = await sync();
    expect([r.code, r.stdout]).toEqual([0, "cdc_dev_sales: database created; 6 created, 0 updated, 0 unchanged"]);
    expect(r.stderr).toContain("  creating table cdc_dev_sales.dbo_invoice");
    expect(writes()).toEqual(["glue:CreateDatabase", ...Array(6).fill("glue:CreateTable")]);
    // In the lake account's catalog (dev is one account, 111111111111).
    const created = log.requests.filter((q) => q.operation === "CreateTable").map((q) => JSON.parse(q.body));
    expect(new Set(created.map((c) => c.CatalogId))).toEqual(new Set(["111111111111"]));

    const db = await glue.send(new GetDatabaseCommand({ Name: "cdc_dev_sales" }));
    expect(db.Database?.Description).toBe("Harmonized DMS changes of source sales (managed by cdc catalog sync)");
    const stored = await tables();
    expect(stored.map((t) => t.Name).sort()).toEqual([
      "billing_subscription",
      "dbo_auditevent",
      "dbo_customer",
      "dbo_invoice",
      "dbo_invoiceline",
      "dbo_payment",
    ]);
    const invoice = stored.find((t) => t.Name === "dbo_invoice")!;
    expect(invoice.StorageDescriptor!.Location).toBe("s3://cdc-dev-sales-harmonized-111111111111/dbo/Invoice/");
    expect(invoice.StorageDescriptor!.SerdeInfo).toEqual({
      SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
      Parameters: { "serialization.format": "1" },
    });
    expect(invoice.StorageDescriptor!.Columns!.map((c) => [c.Name, c.Type])).toEqual([
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
    expect(invoice.Parameters).toEqual({
      classification: "parquet",
      EXTERNAL: "TRUE",
      cdc_source_table: "dbo.Invoice",
      cdc_primary_key: "invoiceid",
      cdc_ordering_column: "cdc_seq",
    });
    expect(stored.find((t) => t.Name === "dbo_auditevent")!.Parameters).not.toHaveProperty("cdc_primary_key");
    expect(stored.find((t) => t.Name === "dbo_invoiceline")!.Parameters!.cdc_primary_key).toBe("invoiceid,linenumber");

    log.clear();
    const again = await sync();
    expect([again.code, again.stdout]).toEqual([0, "cdc_dev_sales: 0 created, 0 updated, 6 unchanged"]);
    expect(log.operations()).toEqual(["glue:GetDatabase", "glue:GetTables"]);
  });

  it("a metadata change updates exactly the changed table, keeping parameters other tools added, then settles", async () => {
    await sync();
    // Another tool (Lake Formation, Athena) added a parameter to the stored table.
    const before = (await glue.send(new GetTableCommand({ DatabaseName: "cdc_dev_sales", Name: "dbo_invoice" }))).Table!;
    await glue.send(
      new UpdateTableCommand({
        DatabaseName: "cdc_dev_sales",
        TableInput: {
          Name: "dbo_invoice",
          TableType: before.TableType,
          Description: before.Description,
          StorageDescriptor: before.StorageDescriptor,
          Parameters: { ...before.Parameters, "lakeformation.managed": "yes" },
        },
      }),
    );
    editTable("dbo.Invoice", (t) => {
      const total = t.columns.find((c: any) => c.name === "Total");
      total.precision = 21;
      total.parquet = { physical: "FIXED_LEN_BYTE_ARRAY", length: 9, logical: { type: "DECIMAL", precision: 21, scale: 4 } };
    });
    log.clear();

    const r = await sync();
    expect(r.stdout).toBe("cdc_dev_sales: 0 created, 1 updated, 5 unchanged");
    expect(r.stderr).toContain("  updating table cdc_dev_sales.dbo_invoice (columns)");
    expect(writes()).toEqual(["glue:UpdateTable"]);
    expect(JSON.parse(log.requests.find((q) => q.operation === "UpdateTable")!.body).TableInput.Name).toBe("dbo_invoice");
    const after = (await glue.send(new GetTableCommand({ DatabaseName: "cdc_dev_sales", Name: "dbo_invoice" }))).Table!;
    expect(after.StorageDescriptor!.Columns!.find((c) => c.Name === "total")!.Type).toBe("decimal(21,4)");
    expect(after.Parameters!["lakeformation.managed"]).toBe("yes");

    log.clear();
    expect((await sync()).stdout).toBe("cdc_dev_sales: 0 created, 0 updated, 6 unchanged");
    expect(writes()).toEqual([]);
  });

  it("drops the key parameter of a table that lost its key, then settles", async () => {
    await sync();
    editTable("dbo.Payment", (t) => (t.primaryKey = []));
    log.clear();
    expect((await sync()).stdout).toBe("cdc_dev_sales: 0 created, 1 updated, 5 unchanged");
    expect(writes()).toEqual(["glue:UpdateTable"]);
    const payment = (await glue.send(new GetTableCommand({ DatabaseName: "cdc_dev_sales", Name: "dbo_payment" }))).Table!;
    expect(payment.Parameters).not.toHaveProperty("cdc_primary_key");
    log.clear();
    expect((await sync()).stdout).toBe("cdc_dev_sales: 0 created, 0 updated, 6 unchanged");
    expect(writes()).toEqual([]);
  });

  it("reports tables whose metadata is gone, and deletes them only with --prune, never a table it did not create", async () => {
    await sync();
    await glue.send(new CreateTableCommand({ DatabaseName: "cdc_dev_sales", TableInput: { Name: "hand_made", Parameters: {} } }));
    fs.rmSync(path.join(work, "sales", "tables", "dbo.AuditEvent.json"));
    const meta = JSON.parse(fs.readFileSync(path.join(work, "sales", "source.json"), "utf8"));
    meta.tables = meta.tables.filter((t: string) => t !== "dbo.AuditEvent");
    fs.writeFileSync(path.join(work, "sales", "source.json"), JSON.stringify(meta));
    log.clear();

    const report = await sync();
    expect(report.stdout.split("\n")).toEqual([
      "cdc_dev_sales: 0 created, 0 updated, 5 unchanged",
      "cdc_dev_sales.dbo_auditevent: no metadata; left in place (--prune deletes it)",
    ]);
    expect(writes()).toEqual([]);

    const pruned = await sync("--prune");
    expect(pruned.stdout.split("\n")[1]).toBe("cdc_dev_sales.dbo_auditevent: deleted (no metadata)");
    expect(writes()).toEqual(["glue:BatchDeleteTable"]);
    expect((await tables()).map((t) => t.Name).sort()).toEqual([
      "billing_subscription",
      "dbo_customer",
      "dbo_invoice",
      "dbo_invoiceline",
      "dbo_payment",
      "hand_made",
    ]);
  });

  it("prunes in batches of at most 100 tables (BatchDeleteTable's limit)", async () => {
    await sync();
    for (let i = 0; i < 230; i++) {
      await glue.send(
        new CreateTableCommand({
          DatabaseName: "cdc_dev_sales",
          TableInput: { Name: `old_${String(i).padStart(3, "0")}`, Parameters: { cdc_source_table: `dbo.old_${i}` } },
        }),
      );
    }
    log.clear();
    const r = await sync("--prune");
    expect(r.code).toBe(0);
    const batches = log.requests.filter((q) => q.operation === "BatchDeleteTable").map((q) => JSON.parse(q.body).TablesToDelete);
    expect(batches.map((b: string[]) => b.length)).toEqual([100, 100, 30]);
    expect((await tables()).length).toBe(6);
  });

  it("--dry-run reports without writing", async () => {
    const r = await sync("--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "cdc_dev_sales: database would be created; 6 would be created, 0 would be updated, 0 unchanged",
      "cdc_dev_sales.billing_subscription: would be created",
      "cdc_dev_sales.dbo_auditevent: would be created",
      "cdc_dev_sales.dbo_customer: would be created",
      "cdc_dev_sales.dbo_invoice: would be created",
      "cdc_dev_sales.dbo_invoiceline: would be created",
      "cdc_dev_sales.dbo_payment: would be created",
    ]);
    expect(r.stderr).toContain("  would create table cdc_dev_sales.dbo_payment");
    expect(log.operations()).toEqual(["glue:GetDatabase"]);
    await expect(glue.send(new GetDatabaseCommand({ Name: "cdc_dev_sales" }))).rejects.toHaveProperty(
      "name",
      "EntityNotFoundException",
    );
  });

  it("--dry-run on a deployed catalog prints each table's change with its columns, reads only, and changes nothing", async () => {
    await sync();
    const before = await tables();
    // The metadata of a reviewed pull request: a column retyped, one added, one dropped, and a new table.
    editTable("dbo.Invoice", (t) => {
      const total = t.columns.find((c: any) => c.name === "Total");
      total.precision = 21;
      total.parquet = { physical: "FIXED_LEN_BYTE_ARRAY", length: 9, logical: { type: "DECIMAL", precision: 21, scale: 4 } };
      t.columns = t.columns.filter((c: any) => c.name !== "DueOn");
      t.columns.push({ ...t.columns.find((c: any) => c.name === "Currency"), name: "Channel", ordinal: 99 });
    });
    const payment = JSON.parse(fs.readFileSync(path.join(work, "sales", "tables", "dbo.Payment.json"), "utf8"));
    fs.writeFileSync(path.join(work, "sales", "tables", "dbo.Refund.json"), JSON.stringify({ ...payment, table: "Refund" }));
    const meta = JSON.parse(fs.readFileSync(path.join(work, "sales", "source.json"), "utf8"));
    fs.writeFileSync(
      path.join(work, "sales", "source.json"),
      JSON.stringify({ ...meta, tables: [...meta.tables, "dbo.Refund"].sort() }),
    );
    log.clear();

    const r = await sync("--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "cdc_dev_sales: 1 would be created, 1 would be updated, 5 unchanged",
      "cdc_dev_sales.dbo_refund: would be created",
      "cdc_dev_sales.dbo_invoice: would be updated (columns)",
      "    ~ total decimal(19,4) → decimal(21,4)",
      "    + channel string",
      "    - dueon date",
      "cdc_dev_sales unchanged: billing_subscription, dbo_auditevent, dbo_customer, dbo_invoiceline, dbo_payment",
    ]);
    // Read calls only, and the catalog exactly as before.
    expect(log.operations()).toEqual(["glue:GetDatabase", "glue:GetTables"]);
    expect(await tables()).toEqual(before);
  });

  it("without --source syncs every source of the stack, each into its own database", async () => {
    // Each source's committed metadata (metadata/sources/<source>/).
    const r = await cdc("catalog", "sync", "--stack", "dev", "-C", ROOT);
    expect([r.code, r.stdout.split("\n")]).toEqual([
      0,
      [
        "cdc_dev_sales: database created; 6 created, 0 updated, 0 unchanged",
        "cdc_dev_crm: database created; 5 created, 0 updated, 0 unchanged",
      ],
    ]);
    expect((await tables(glue, "cdc_dev_crm")).length).toBe(5);
  });

  it("--aws-role assumes the stack file's lake role: deploy to write, preview only for a dry run", async () => {
    const prod = (...extra: string[]) =>
      cdc(
        "catalog",
        "sync",
        "--stack",
        "prod",
        "--source",
        "sales",
        "-C",
        ROOT,
        "--metadata",
        path.join(work, "sales"),
        ...extra,
      );
    const assumed = () =>
      log.requests.filter((q) => q.operation === "AssumeRole").map((q) => new URLSearchParams(q.body).get("RoleArn"));
    const deploy = await prod("--aws-role", "deploy");
    expect([deploy.code, deploy.stdout]).toEqual([0, "cdc_prod_sales: database created; 6 created, 0 updated, 0 unchanged"]);
    expect(assumed()).toEqual(["arn:aws:iam::555555555555:role/cdc-deploy"]);
    log.clear();
    const preview = await prod("--aws-role", "preview", "--dry-run");
    expect([preview.code, preview.stdout.split("\n")[0]]).toEqual([
      0,
      "cdc_prod_sales: 0 would be created, 0 would be updated, 6 unchanged",
    ]);
    expect(assumed()).toEqual(["arn:aws:iam::555555555555:role/cdc-preview"]);
    expect(writes()).toEqual([]);
  });

  it("--role-arn assumes the role on STS and writes the lake account's catalog with the role's credentials", async () => {
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
    expect([r.code, r.stdout]).toEqual([0, "cdc_prod_sales: database created; 6 created, 0 updated, 0 unchanged"]);
    expect(r.stderr).toContain(`assuming ${roleArn}`);

    // One AssumeRole, signed by the default chain; every Glue call signed by the credentials it returned.
    const [assume, ...rest] = log.requests;
    expect([assume.service, assume.operation, assume.accessKeyId]).toEqual(["sts", "AssumeRole", "AKIADEFAULTCHAIN"]);
    const params = new URLSearchParams(assume.body);
    expect([params.get("RoleArn"), params.get("RoleSessionName"), params.get("DurationSeconds")]).toEqual([
      roleArn,
      "cdc-catalog-sync",
      "3600",
    ]);
    expect(rest.length).toBeGreaterThan(0);
    expect(new Set(rest.map((q) => q.service))).toEqual(new Set(["glue"]));
    const roleKeys = new Set(rest.map((q) => q.accessKeyId));
    expect(roleKeys.size).toBe(1);
    expect([...roleKeys][0]).not.toBe("AKIADEFAULTCHAIN");
    const created = log.requests.filter((q) => q.operation === "CreateTable").map((q) => JSON.parse(q.body));
    expect(new Set(created.map((c) => c.CatalogId))).toEqual(new Set(["555555555555"]));
    expect(created[0].TableInput.StorageDescriptor.Location).toBe(
      "s3://cdc-prod-sales-harmonized-555555555555/billing/Subscription/",
    );

    // moto keeps one catalog per account and serves assumed-role credentials from the role's account: the tables are in
    // the lake account's catalog, not in the caller's own.
    const sts = new STSClient({ ...aws().clientConfig, region: REGION });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "check" }))).Credentials!;
    const lake = new GlueClient({
      ...aws().clientConfig,
      region: REGION,
      credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken },
    });
    try {
      expect((await tables(lake, "cdc_prod_sales")).length).toBe(6);
      await expect(glue.send(new GetDatabaseCommand({ Name: "cdc_prod_sales" }))).rejects.toHaveProperty(
        "name",
        "EntityNotFoundException",
      );
    } finally {
      lake.destroy();
      sts.destroy();
    }
  });

  it("without --role-arn uses the default credential chain and no STS call", async () => {
    await sync();
    expect(log.operations("sts")).toEqual([]);
    expect(new Set(log.requests.map((q) => q.accessKeyId))).toEqual(new Set(["AKIADEFAULTCHAIN"]));
    // The default credentials' account (moto's default) holds the catalog they wrote.
    expect((await tables()).length).toBe(6);
  });
});
