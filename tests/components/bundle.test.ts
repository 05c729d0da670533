import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildBundle, bundleHandler, PROJECT_ROOT } from "../../components/bundle";
import { deterministicZip } from "../../components/zip";

const FIXTURE = "tests/components/fixtures/hello-handler.ts";

describe("handler bundling", () => {
  const first = buildBundle(FIXTURE, { extraFiles: { "metadata.json": '{"tables":[]}\n' } });

  it("yields byte-identical archives and the same code hash when the same handler is bundled twice", () => {
    const second = buildBundle(FIXTURE, { extraFiles: { "metadata.json": '{"tables":[]}\n' } });
    expect(second.zip.equals(first.zip)).toBe(true);
    expect(second.sourceCodeHash).toBe(first.sourceCodeHash);
    expect(second.zipPath).toBe(first.zipPath);
  });

  it("hashes the archive as Lambda does (base64 SHA-256 of the zip) and writes exactly those bytes to disk", () => {
    expect(first.sourceCodeHash).toBe(createHash("sha256").update(first.zip).digest("base64"));
    expect(fs.readFileSync(path.join(PROJECT_ROOT, first.zipPath)).equals(first.zip)).toBe(true);
    expect(path.isAbsolute(first.zipPath)).toBe(false);
  });

  it("changes the hash when anything published changes", () => {
    const other = buildBundle(FIXTURE, { extraFiles: { "metadata.json": '{"tables":["dbo.Order"]}\n' } });
    expect(other.sourceCodeHash).not.toBe(first.sourceCodeHash);
  });

  it("produces a valid zip with fixed timestamps that unzips to index.js and the published files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-bundle-"));
    const zipFile = path.join(dir, "code.zip");
    fs.writeFileSync(zipFile, first.zip);
    const listing = spawnSync("python3", [
      "-c",
      "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);assert z.testzip() is None;print('\\n'.join(f'{i.filename} {i.date_time} {oct(i.external_attr>>16)}' for i in z.infolist()))",
      zipFile,
    ]);
    expect(listing.stderr.toString()).toBe("");
    expect(listing.stdout.toString().trim().split("\n")).toEqual([
      "index.js (1980, 1, 1, 0, 0, 0) 0o100644",
      "metadata.json (1980, 1, 1, 0, 0, 0) 0o100644",
    ]);
    fs.rmSync(dir, { recursive: true });
  });

  it("bundles dependencies but leaves the runtime's AWS SDK external, with no machine paths in the output", () => {
    const code = first.files["index.js"];
    expect(code).toContain('require("@aws-sdk/client-s3")');
    expect(code).not.toMatch(/require\("zod"\)/);
    expect(code).not.toContain(PROJECT_ROOT);
    expect(code).not.toContain(os.homedir());
  });

  it("builds a handler that runs", async () => {
    const dir = fs.mkdtempSync(path.join(PROJECT_ROOT, "node_modules", ".cache", "cdc-run-"));
    fs.writeFileSync(path.join(dir, "index.js"), first.files["index.js"]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, "index.js")) as { handler(e: unknown): Promise<string> };
    await expect(mod.handler({ name: "sales" })).resolves.toBe("hello sales from function");
    fs.rmSync(dir, { recursive: true });
  });

  it("refuses an entry that does not export the handler, naming the file", () => {
    expect(() => buildBundle("tests/components/fixtures/no-handler.ts")).toThrow(
      "bundle: tests/components/fixtures/no-handler.ts does not export handler (it exports somethingElse)",
    );
    expect(() => buildBundle("tests/components/fixtures/missing.ts")).toThrow(
      "bundle: handler tests/components/fixtures/missing.ts does not exist",
    );
  });

  it("gives every archive of one handler the same code, whatever is published next to it", () => {
    const a = bundleHandler(FIXTURE);
    const b = bundleHandler(FIXTURE, { extraFiles: { "metadata.json": "{}" } });
    expect(b.files["index.js"]).toBe(a.files["index.js"]);
    expect(bundleHandler(FIXTURE).zip.equals(a.zip)).toBe(true);
  });
});

describe("deterministicZip", () => {
  it("does not depend on the order files are given in", () => {
    expect(deterministicZip({ b: "2", a: "1" }).equals(deterministicZip({ a: "1", b: "2" }))).toBe(true);
  });
});
