/**
 * The components are reusable outside this repository (issue 13): nothing they import, directly or through metadata/
 * and handlers/, lives in src/ (the program, its stack config and CLI), and the handler bundles they build resolve
 * their sources from the package's own root, not from the process's working directory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { bundleHandler, PROJECT_ROOT } from "../../components/bundle";

const COMPONENTS = fs
  .readdirSync(path.join(PROJECT_ROOT, "components"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `components/${f}`);

describe("components/", () => {
  it("reach no module of src/, however deep the import", () => {
    const result = buildSync({
      entryPoints: COMPONENTS,
      absWorkingDir: PROJECT_ROOT,
      bundle: true,
      packages: "external",
      platform: "node",
      write: false,
      metafile: true,
      outdir: "out",
      logLevel: "silent",
    });
    const reached = Object.entries(result.metafile.outputs).flatMap(([out, o]) =>
      Object.keys(o.inputs)
        .filter((input) => input.startsWith("src/"))
        .map((input) => `${out.replace(/^out\//, "components/").replace(/\.js$/, ".ts")} → ${input}`),
    );
    expect(COMPONENTS.length).toBeGreaterThan(20);
    expect(reached).toEqual([]);
  });

  it("bundle handlers from the package root whatever the working directory", () => {
    const before = process.cwd();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-elsewhere-"));
    try {
      process.chdir(elsewhere);
      const bundle = bundleHandler("handlers/fan-out.ts");
      expect(bundle.files["index.js"].length).toBeGreaterThan(1000);
      expect(path.isAbsolute(bundle.zipPath)).toBe(false);
      expect(fs.existsSync(path.join(PROJECT_ROOT, bundle.zipPath))).toBe(true);
    } finally {
      process.chdir(before);
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
