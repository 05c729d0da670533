import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import pkg from "../../../package.json";
import { cdc } from "../../support/cli";
import { PROJECT_DIR } from "../../support/stack";

describe("the cdc command", () => {
  it("lists its commands in --help and exits 0", async () => {
    const r = await cdc("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: cdc [options] [command]");
    expect(r.stdout).toMatch(/^\s+config\s+Work with the stack settings/m);
  });

  it("prints the package version", async () => {
    const r = await cdc("--version");
    expect(r).toEqual({ code: 0, stdout: pkg.version, stderr: "" });
  });

  it("refuses an unknown command with exit 2 and a pointer to --help", async () => {
    const r = await cdc("frobnicate");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown command 'frobnicate'\n(run with --help for usage)");
  });

  it("refuses an unknown option of a subcommand with exit 2", async () => {
    const r = await cdc("config", "check", "--stak", "dev");
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe("error: unknown option '--stak'");
  });

  it("runs from its bin script, exiting with the command's code", () => {
    const bin = path.join(PROJECT_DIR, "bin/cdc.js");
    expect(execFileSync(process.execPath, [bin, "--help"], { cwd: PROJECT_DIR, encoding: "utf8" })).toContain("Usage: cdc");
    const bad = spawnSync(process.execPath, [bin, "config", "check", "qa"], { cwd: PROJECT_DIR, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("cdc: Pulumi.qa.yaml: no such stack file\n");
  });
});
