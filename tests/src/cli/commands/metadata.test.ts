import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import mysql from "mysql2/promise";
import { cdc } from "../../../support/cli";
import { mysqlTestDatabase } from "../../../support/databases";

describe("cdc metadata extract: usage", () => {
  it("documents its flags", async () => {
    const r = await cdc("metadata", "extract", "--help");
    expect(r.code).toBe(0);
    for (const flag of [
      "--engine <engine>",
      "--url <url>",
      "--source <name>",
      "--include <glob>",
      "--exclude <glob>",
      "--out <dir>",
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain("sqlserver, mysql, postgres, oracle");
  });

  it.each([
    [
      ["--engine", "db2", "--url", "x://h/d", "--source", "s"],
      'cdc: --engine: expected one of sqlserver, mysql, postgres, oracle, received "db2"',
    ],
    [
      ["--engine", "mysql", "--url", "mysql://h/d", "--source", "Sales_DB"],
      'cdc: --source: expected lower-kebab-case starting with a letter, received "Sales_DB"',
    ],
    [
      ["--engine", "mysql", "--url", "mysql://h/d", "--source", "s", "--include", "orders"],
      'cdc: --include/--exclude: expected a glob over schema.table such as "dbo.*", received "orders"',
    ],
  ])("refuses %j with exit 2", async (args, message) => {
    const r = await cdc("metadata", "extract", ...args);
    expect([r.code, r.stderr]).toEqual([2, message]);
  });

  it("needs --engine, --url and --source", async () => {
    const r = await cdc("metadata", "extract", "--engine", "mysql", "--source", "s");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--url <url>' not specified");
  });

  it("says when the URL is not one, without echoing it", async () => {
    const r = await cdc("metadata", "extract", "--engine", "postgres", "--url", "crm:hunter2@db", "--source", "crm");
    expect([r.code, r.stderr]).toEqual([
      1,
      "cdc: --url: expected postgres://user:password@host:port/database, received a URL without a host",
    ]);
    const o = await cdc("metadata", "extract", "--engine", "oracle", "--url", "not a url hunter2", "--source", "erp");
    expect([o.code, o.stderr]).toEqual([
      1,
      "cdc: --url: expected oracle://user:password@host:port/service, received something that is not a URL",
    ]);
  });
});

const db = mysqlTestDatabase("cdc_meta_cli");
db.describe("cdc metadata extract: default output directory", () => {
  const cwd = process.cwd();
  let dir: string;
  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: db.url() });
    await c.query("CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(80) NOT NULL)");
    await c.end();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-meta-cli-"));
    process.chdir(dir);
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes metadata/sources/<source> under the current directory", async () => {
    const r = await cdc("metadata", "extract", "--engine", "mysql", "--url", db.url(), "--source", "shop");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^metadata\/sources\/shop: 1 table, written \(extractedAt /);
    expect(fs.readdirSync(path.join(dir, "metadata/sources/shop/tables"))).toEqual(["cdc_meta_cli.customers.json"]);
  });
});
