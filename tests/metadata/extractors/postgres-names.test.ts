/**
 * `metadata extract` against a real PostgreSQL whose catalog holds names the pipeline refuses: the run stops before
 * writing anything, with one line per problem; a schema named `x/../../../pwned` writes nothing outside `--out`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { readMetadataDir } from "../../../metadata/load";
import { cdc } from "../../support/cli";
import { postgresTestDatabase, type TestDatabase } from "../../support/databases";

const PATHS = "schema and table names become file names and S3 key segments";
const CASE = "DMS keys, Glue and the targets match names case-insensitively";

async function load(db: TestDatabase, sql: string): Promise<void> {
  const c = new Client({ connectionString: db.url() });
  await c.connect();
  await c.query(sql);
  await c.end();
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-meta-pg-names-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const extract = (db: TestDatabase, out: string, ...extra: string[]) =>
  cdc("metadata", "extract", "--engine", "postgres", "--url", db.url(), "--source", "crm", "--out", out, ...extra);

const traversal = postgresTestDatabase("cdc_meta_pg_traversal");
traversal.describe("a schema named x/../../../pwned", () => {
  beforeAll(() =>
    load(
      traversal,
      `CREATE SCHEMA "x/../../../pwned"; CREATE TABLE "x/../../../pwned".t (id int PRIMARY KEY);
       CREATE TABLE public.ok (id int PRIMARY KEY);`,
    ),
  );

  it("is refused in one line, and nothing is written inside or outside --out", async () => {
    const out = path.join(root, "out");
    const r = await extract(traversal, out);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").slice(1)).toEqual([`cdc: x/../../../pwned.t: schema x/../../../pwned contains "/": ${PATHS}`]);
    // Unchecked, the table file would have gone to <root>/pwned.t.json (out/tables/x/../../../), next to out.
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it("extracts the rest when only the other schema is selected", async () => {
    const out = path.join(root, "out");
    const r = await extract(traversal, out, "--include", "public.*");
    expect(r.code).toBe(0);
    expect(readMetadataDir(out).source.tables).toEqual(["public.ok"]);
    expect(fs.readdirSync(root)).toEqual(["out"]);
  });
});

const names = postgresTestDatabase("cdc_meta_pg_names");
names.describe("reserved, case-only and colliding names", () => {
  beforeAll(() =>
    load(
      names,
      `CREATE TABLE "Customer" (id int PRIMARY KEY);
       CREATE TABLE customer (id int PRIMARY KEY, _cdc_rank int, "Op" char(1), file_row_number bigint);
       CREATE SCHEMA x; CREATE SCHEMA x__a;
       CREATE TABLE x.a__b (id int PRIMARY KEY); CREATE TABLE x__a.b (id int PRIMARY KEY);
       CREATE TABLE public.fine (id int PRIMARY KEY, action text, op_code char(1));`,
    ),
  );

  it("are all refused, one line each, before --out is created", async () => {
    const out = path.join(root, "out");
    const r = await extract(names, out);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").slice(1)).toEqual([
      "cdc: 5 names refused:",
      "  public.customer: column _cdc_rank is reserved: the pipeline names its own columns _cdc_*",
      "  public.customer: column Op is reserved: DMS adds Op, cdc_timestamp and cdc_seq to every file (names match case-insensitively)",
      "  public.customer: column file_row_number is reserved: DuckDB adds file_row_number to the rows of the files it reads",
      `  public.customer: differs only in case from public.Customer; ${CASE}`,
      "  x__a.b: its target table x__a__b is also the target table of x.a__b",
    ]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("leave the other tables extractable when excluded", async () => {
    const out = path.join(root, "out");
    const r = await extract(names, out, "--exclude", "public.customer", "--exclude", "x__a.*");
    expect(r.code).toBe(0);
    // Globs match case-insensitively (as DMS keys do), so one exclude leaves out both spellings.
    expect(readMetadataDir(out).source.tables).toEqual(["public.fine", "x.a__b"]);
  });
});
