import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cdc } from "../../../support/cli";
import { PROJECT_DIR } from "../../../support/stack";

describe("cdc model", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-model-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints each source's cost and each target's size, runs, cost and latency", async () => {
    const r = await cdc("model", "dev", "-C", PROJECT_DIR);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(`^${path.join(PROJECT_DIR, "Pulumi.dev.yaml")}: dev in eu-west-2, about \\$[\\d,]+\\.\\d\\d a month$`),
    );
    expect(lines).toContain("    DMS dms.t3.medium $53.29, 50 GB storage $5.75, validation and fan-out $0.77, KMS $1.00");
    expect(lines).toContain(
      "    target reporting: every 2 min, 2 × G.1X STANDARD (2 DPU), 720 runs/day, 1460.16 DPU-hours $642.47 + poller $0.19; " +
        "latency ~3m36s typical, 5m15s worst",
    );
    // dev's finance target runs FLEX: 194.69 DPU-hours at $0.29, and a worst case that waits for capacity.
    expect(lines).toContain(
      "    target finance: every 15 min, 2 × G.1X FLEX (2 DPU), 96 runs/day, 194.69 DPU-hours $56.46 + poller $0.02; " +
        "latency ~10m06s typical, 38m15s worst (FLEX: a run may wait up to 20m for spare capacity before it starts)",
    );
    expect(lines.at(-1)).toMatch(/^ {2}not included: S3 storage/);
  });

  it("takes unit prices from a file, merging instance classes with the built-in ones", async () => {
    const prices = path.join(dir, "prices.json");
    fs.writeFileSync(
      prices,
      JSON.stringify({
        source: "eu-west-2 contract",
        glueDpuHour: 0.5,
        glueFlexDpuHour: 0.3,
        dmsInstanceHourly: { "dms.t3.medium": 0.1 },
      }),
    );
    const r = await cdc("model", "dev", "-C", PROJECT_DIR, "--prices", prices, "--json");
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout) as {
      prices: string;
      sources: Array<{ name: string; monthly: { dmsInstance: number }; targets: Array<{ monthly: { glue: number } }> }>;
    };
    expect(m.prices).toBe("eu-west-2 contract");
    expect(m.sources[0].monthly.dmsInstance).toBe(73); // 0.1 × 730
    expect(m.sources[1].monthly.dmsInstance).toBe(26.28); // dms.t3.small keeps its built-in price
    expect(m.sources[0].targets[0].monthly.glue).toBe(730.08);
    expect(m.sources[0].targets[1].monthly.glue).toBe(58.41); // finance is FLEX: 194.69 DPU-hours × 0.3
  });

  it("models slower runs when told how long one takes", async () => {
    const r = await cdc("model", "dev", "-C", PROJECT_DIR, "--glue-run-minutes", "4", "--json");
    const m = JSON.parse(r.stdout) as { sources: Array<{ targets: Array<{ runsPerDay: number }> }> };
    expect(m.sources[0].targets[0].runsPerDay).toBe(360);
  });

  it.each([
    [["model", "nope", "-C", PROJECT_DIR], 2, `cdc: ${path.join(PROJECT_DIR, "Pulumi.nope.yaml")}: no such stack file`],
    [
      ["model", "dev", "-C", PROJECT_DIR, "--glue-run-minutes", "0"],
      2,
      "cdc: --glue-run-minutes: expected more than 0 and at most 2880 minutes, got 0",
    ],
  ])("refuses %j in one line", async (argv, code, message) => {
    const r = await cdc(...argv);
    expect(r.code).toBe(code);
    expect(r.stderr).toBe(message);
  });

  it("names the field of a prices file that is wrong", async () => {
    const prices = path.join(dir, "prices.json");
    fs.writeFileSync(prices, JSON.stringify({ glueDpuHour: "cheap" }));
    const r = await cdc("model", "dev", "-C", PROJECT_DIR, "--prices", prices);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cdc: ${prices}: glueDpuHour: Invalid input: expected number, received string`);
  });
});
