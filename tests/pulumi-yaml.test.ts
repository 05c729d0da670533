import { spawnSync } from "node:child_process";
import { projectNodeArgs } from "./support/stack";

describe("Pulumi.yaml", () => {
  // Pulumi starts the program as `node <nodeargs> …`: an argument this Node does not know stops every preview and
  // update before the program runs, so an upgrade of Node that drops one must fail here first.
  it("gives the program node arguments this Node accepts", () => {
    const args = projectNodeArgs();
    expect(args).toContain("--heap-growing-percent=50");
    const run = spawnSync(process.execPath, [...args, "-e", "0"], { encoding: "utf8" });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  });

  it("would fail on an argument Node does not know", () => {
    const run = spawnSync(process.execPath, ["--heap-growing-percentage=50", "-e", "0"], { encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("bad option");
  });
});
