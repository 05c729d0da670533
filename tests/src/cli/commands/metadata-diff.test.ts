import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cdc } from "../../../support/cli";

const SALES = path.resolve(__dirname, "../../../../metadata/sources/sales");

/** A copy of the committed sales metadata in `dir`, with `edit` applied to dbo.Invoice. */
function salesCopy(dir: string, edit?: (t: { columns: Array<Record<string, unknown>>; primaryKey: string[] }) => void): string {
  fs.cpSync(SALES, dir, { recursive: true });
  if (edit) {
    const file = path.join(dir, "tables", "dbo.Invoice.json");
    const t = JSON.parse(fs.readFileSync(file, "utf8"));
    edit(t);
    fs.writeFileSync(file, JSON.stringify(t, null, 2));
  }
  return dir;
}

const widen = (t: { columns: Array<Record<string, unknown>> }) => {
  const number = t.columns.find((c) => c.name === "InvoiceNumber")!;
  number.length = 40;
};
const addNote = (t: { columns: Array<Record<string, unknown>> }) => {
  t.columns.push({
    name: "Note",
    ordinal: 10,
    sourceType: "nvarchar",
    dmsType: "WSTRING",
    length: 200,
    nullable: true,
    parquet: { physical: "BYTE_ARRAY", logical: { type: "STRING" } },
  });
};

describe("cdc metadata diff <old-dir> <new-dir>", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-diff-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("prints one line per compatible change and exits 0", async () => {
    const old = salesCopy(path.join(tmp, "old"));
    const now = salesCopy(path.join(tmp, "new"), (t) => {
      widen(t);
      addNote(t);
    });
    const r = await cdc("metadata", "diff", old, now);
    expect([r.code, r.stdout.split("\n")]).toEqual([
      0,
      [
        "sales: dbo.Invoice: widen InvoiceNumber STRING(20) NOT NULL → STRING(40) NOT NULL (compatible)",
        "sales: dbo.Invoice: add-column Note WSTRING(200) (compatible)",
      ],
    ]);
  });

  it("exits 1 on an incompatible change, naming the tables to reload, and --json carries the same", async () => {
    const old = salesCopy(path.join(tmp, "old"));
    const now = salesCopy(path.join(tmp, "new"), (t) => {
      t.columns = t.columns.filter((c) => c.name !== "DueOn");
      const total = t.columns.find((c) => c.name === "Total")!;
      total.scale = 2;
    });
    const r = await cdc("metadata", "diff", old, now);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      "sales: dbo.Invoice: retype Total NUMERIC(19,4) NOT NULL → NUMERIC(19,2) NOT NULL (incompatible)",
      "sales: dbo.Invoice: drop-column DueOn DATE (incompatible: a rename is a drop and an add)",
    ]);
    expect(r.stderr).toContain("2 incompatible changes: once deployed, sales dbo.Invoice is held in every target until reloaded");
    const j = await cdc("metadata", "diff", old, now, "--json");
    expect(j.code).toBe(1);
    const parsed = JSON.parse(j.stdout);
    expect(parsed.incompatible).toBe(true);
    expect(parsed.sources[0].changes.map((c: { kind: string; column: string }) => [c.kind, c.column])).toEqual([
      ["retype", "Total"],
      ["drop-column", "DueOn"],
    ]);
  });

  it("says when nothing changed, and refuses a wrong number of directories or a damaged one in one line", async () => {
    const same = await cdc("metadata", "diff", SALES, SALES);
    expect([same.code, same.stdout, same.stderr]).toEqual([0, "", "sales: no schema change"]);
    const one = await cdc("metadata", "diff", SALES);
    expect([one.code, one.stderr]).toEqual([2, "cdc: expected <old-dir> <new-dir> (or --base <git-rev>), got 1 directories"]);
    const bad = salesCopy(path.join(tmp, "bad"), (t) => {
      t.primaryKey = ["Nope"];
    });
    const r = await cdc("metadata", "diff", SALES, bad);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(path.join(bad, "tables", "dbo.Invoice.json"));
  });
});

describe("cdc metadata diff --base <git-rev>", () => {
  let repo: string;
  let cwd: string;
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo, encoding: "utf8" });

  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-diff-repo-"));
    git("init", "-q");
    salesCopy(path.join(repo, "metadata", "sources", "sales"));
    git("add", ".");
    git("commit", "-q", "-m", "base");
    cwd = process.cwd();
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));
  afterEach(() => process.chdir(cwd));

  it("compares every source committed at the revision with the working tree, a new source as all tables added", async () => {
    const file = path.join(repo, "metadata", "sources", "sales", "tables", "dbo.Invoice.json");
    const t = JSON.parse(fs.readFileSync(file, "utf8"));
    addNote(t);
    fs.writeFileSync(file, JSON.stringify(t, null, 2));
    const crm = path.resolve(__dirname, "../../../../metadata/sources/crm");
    fs.cpSync(crm, path.join(repo, "metadata", "sources", "crm"), { recursive: true });
    process.chdir(repo);
    const r = await cdc("metadata", "diff", "--base", "HEAD");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.filter((l) => l.startsWith("crm: ")).every((l) => / add-table /.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith("crm: ")).length).toBe(fs.readdirSync(path.join(crm, "tables")).length);
    expect(lines.filter((l) => l.startsWith("sales: "))).toEqual([
      "sales: dbo.Invoice: add-column Note WSTRING(200) (compatible)",
    ]);
    const only = await cdc("metadata", "diff", "--base", "HEAD", path.join("metadata", "sources", "sales"));
    expect(only.stdout).toBe("sales: dbo.Invoice: add-column Note WSTRING(200) (compatible)");
  });

  it("refuses a revision that is not one", async () => {
    process.chdir(repo);
    const r = await cdc("metadata", "diff", "--base", "no-such-rev");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cdc: --base: no-such-rev is not a revision of ${fs.realpathSync(repo)}`);
  });
});
