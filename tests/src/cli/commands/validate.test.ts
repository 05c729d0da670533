import * as fs from "node:fs";
import * as path from "node:path";
import { generateDmsOutput } from "../../../../src/local/dms-generator";
import { cdc } from "../../../support/cli";
import { ordersTable, tempDir, writeMetadata } from "../../../support/parquet-fixtures";
import { ordersFile } from "../../../handlers/core/validation/bad-files";

describe("cdc validate", () => {
  const tmp = tempDir("cdc-cli-validate");
  afterAll(tmp.cleanup);
  const metadata = path.join(tmp.dir, "metadata");
  const raw = path.join(tmp.dir, "raw");
  let good: string[];
  let nullKey: string;
  let stray: string;

  beforeAll(() => {
    writeMetadata(metadata, [ordersTable()]);
    good = generateDmsOutput({ tables: [ordersTable()], outDir: raw, rows: 20, changes: 30, seed: 5, changesPerCdcFile: 10 }).map(
      (f) => f.path,
    );
    nullKey = path.join(raw, "dbo", "orders", "20250101-000000000.parquet");
    fs.writeFileSync(
      nullKey,
      ordersFile({ replace: { id: { name: "id", type: ordersTable().columns[0].parquet, values: [1, null, 3] } } }),
    );
    stray = path.join(raw, "dbo", "customers", "LOAD00000001.parquet");
    fs.mkdirSync(path.dirname(stray), { recursive: true });
    fs.writeFileSync(stray, ordersFile({ kind: "load" }));
  });

  it("exits 0 and prints one ok line per valid file", async () => {
    const r = await cdc("validate", ...good, "--metadata", metadata);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toHaveLength(good.length);
    expect(r.stdout.split("\n")[0]).toBe(`${good[0]}: ok (dbo.orders, load, 20 rows)`);
    expect(r.stderr).toContain(`${good.length} valid, 0 invalid`);
  });

  it("--json prints {file, valid, table, errors} per file and exits 1 when any is invalid", async () => {
    const r = await cdc("validate", good[0], nullKey, stray, "--metadata", metadata, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { file: good[0], valid: true, table: "dbo.orders", errors: [] },
      {
        file: nullKey,
        valid: false,
        table: "dbo.orders",
        errors: [{ code: "NULL_PRIMARY_KEY", message: "column id: 1 rows have a null primary-key value; expected none" }],
      },
      {
        file: stray,
        valid: false,
        table: "dbo.customers",
        errors: [{ code: "UNKNOWN_TABLE", message: expect.stringContaining("no metadata for table dbo.customers") }],
      },
    ]);
  });

  it("reports a damaged file as CORRUPT_FILE, naming it, and goes on with the next file", async () => {
    const damaged = path.join(raw, "dbo", "orders", "20250101-000000001.parquet");
    const bytes = ordersFile();
    // The footer's bytes overwritten: PAR1 at both ends, nothing readable between.
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
    bytes.fill(0xee, bytes.length - 8 - footerLength, bytes.length - 8);
    fs.writeFileSync(damaged, bytes);
    const r = await cdc("validate", damaged, good[0], "--metadata", metadata);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`${damaged}: INVALID (dbo.orders)`);
    expect(lines[1]).toMatch(
      /^ {2}CORRUPT_FILE: .*20250101-000000001\.parquet: the \d+-byte footer does not decode as Parquet metadata/,
    );
    expect(lines[2]).toBe(`${good[0]}: ok (dbo.orders, load, 20 rows)`);
    expect(lines).toHaveLength(3);
    expect(r.stderr).toContain("1 valid, 1 invalid");
  });

  it("prints each violation under its file in text mode", async () => {
    const r = await cdc("validate", nullKey, "--metadata", metadata);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${nullKey}: INVALID (dbo.orders)\n  NULL_PRIMARY_KEY: column id: 1 rows have a null primary-key value; expected none`,
    );
  });

  it.each([
    [["validate", "--metadata", "x"], /missing required argument/],
    [["validate", "nope.parquet", "--metadata", "METADATA"], /nope.parquet: no such file/],
    [["validate", "FILE"], /required option '--metadata <dir>'/],
    [["validate", "FILE", "--metadata", "/no/such/dir"], /--metadata \/no\/such\/dir: no such directory/],
  ])("usage errors exit 2: %j", async (args, message) => {
    const r = await cdc(...args.map((a) => (a === "METADATA" ? metadata : a === "FILE" ? good[0] : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
