/**
 * The Glue runner is Python (PySpark is not installed here): syntax-check it and run its stdlib unittest against a
 * manifest the TypeScript plan core builds.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildRunManifest, manifestBody, runManifestSchema } from "../../../handlers/core/plan/manifest";
import { PROPERTY_TABLES } from "../../support/change-batches";

const root = path.resolve(__dirname, "../../..");

describe("handlers/glue/apply_changes.py", () => {
  const python = (args: string[], env: Record<string, string> = {}) => {
    // Bytecode goes to a scratch directory so the work tree stays clean.
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-pycache-"));
    try {
      return spawnSync("python3", args, {
        cwd: root,
        env: { ...process.env, PYTHONPYCACHEPREFIX: cache, ...env },
        encoding: "utf8",
      });
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  };

  it("compiles", () => {
    const r = python(["-m", "py_compile", "handlers/glue/apply_changes.py"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("passes its unittest against a manifest from the plan core", () => {
    const manifest = buildRunManifest({
      target: "sales/reporting",
      runId: "2024-01-02T12-00-00Z-0001",
      manifestUri: "s3://cdc-dev-sales-publication-111111111111/runs/reporting/2024-01-02T12-00-00Z-0001.json",
      sparkNamespace: ["glue_catalog", "cdc_dev_sales_reporting"],
      mysql: "mysql",
      tombstoneRetentionDays: 7,
      now: new Date("2024-01-02T12:00:00Z"),
      tables: [
        {
          meta: PROPERTY_TABLES[0],
          files: ["s3://raw/dbo/Orders/LOAD00000001.parquet", "s3://raw/dbo/Orders/20240102-120000000.parquet"],
          etags: ['"9b2cf535f27731c974343645a3985328"', "c0ffee00c0ffee00c0ffee00c0ffee00-2"],
        },
        {
          meta: PROPERTY_TABLES[2],
          files: ["s3://raw/audit/events/20240102-120000000.parquet"],
          etags: ["5d41402abc4b2a76b9719d911017c592"],
        },
      ],
    });
    expect(runManifestSchema.parse(manifest)).toEqual(manifest);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-glue-"));
    const fixture = path.join(dir, "manifest.json");
    fs.writeFileSync(fixture, manifestBody(manifest));
    try {
      const r = python(["-m", "unittest", "-v", "tests/handlers/glue/test_apply_changes.py"], { CDC_MANIFEST_FIXTURE: fixture });
      if (r.status !== 0) throw new Error(`python3 -m unittest failed:\n${r.stderr}`);
      expect(r.stderr).toMatch(/Ran 27 tests in [\d.]+s\s+OK/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
