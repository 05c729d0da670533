import * as path from "node:path";
import { loadStackFile } from "../../../src/config-sources";
import { DEFAULT_ASSUMPTIONS, modelStack } from "../../../src/model/cost";
import { DEFAULT_PRICES, type Prices } from "../../../src/model/prices";
import { PROJECT_DIR } from "../../support/stack";

const stack = (name: string) => loadStackFile(path.join(PROJECT_DIR, `Pulumi.${name}.yaml`));
/** Round numbers, so every expected value below can be worked out by hand. */
const PRICES: Prices = {
  source: "test prices",
  dmsInstanceHourly: { "dms.t3.medium": 0.1, "dms.t3.small": 0.05, "dms.r5.large": 0.2 },
  dmsStorageGbMonth: 0.1,
  glueDpuHour: 0.5,
  glueFlexDpuHour: 0.25,
  lambdaGbSecond: 0,
  lambdaPerMillionRequests: 0,
  sqsPerMillionRequests: 0,
  kmsKeyMonth: 1,
  cloudwatchMetricMonth: 0,
  cloudwatchAlarmMonth: 0,
  cloudwatchDashboardMonth: 0,
};

describe("cdc model: cost", () => {
  it("prices CloudWatch per source by functions and targets, never by tables; a dashboard per account", () => {
    const prices = { ...PRICES, cloudwatchMetricMonth: 0.3, cloudwatchAlarmMonth: 0.1, cloudwatchDashboardMonth: 3 };
    const dev = modelStack(stack("dev"), prices).sources.find((s) => s.name === "sales")!;
    expect(dev.targets).toHaveLength(2);
    // validate: 7 outcomes + LOB values possibly truncated + 15 violation codes; fan-out: 2; each poller: 3 (commit to target, run time, DPU-hours);
    // the DMS reconciliation: 1. Alarms: errors and throttles on 6 functions (validate, raw and DMS reconcilers,
    // fan-out, 2 pollers), 2 DMS latency, and the queues' 6 (validation and validated dead letters, each target
    // queue's dead letters and oldest message).
    expect(dev.monitoring).toEqual({ customMetrics: 32, alarms: 20, dashboards: 1 });
    expect(dev.monthly.monitoring).toBe(14.6); // 32 × 0.3 + 20 × 0.1 + 3
    const prod = modelStack(stack("prod"), prices).sources.find((s) => s.name === "sales")!;
    expect(prod.monitoring.dashboards).toBe(2);
    expect(prod.monthly.total).toBeCloseTo(
      prod.monthly.dmsInstance +
        prod.monthly.dmsStorage +
        prod.monthly.landing +
        prod.monthly.kms +
        prod.monthly.monitoring +
        prod.monthly.targets,
      2,
    );
  });

  it("prices DMS by the hour (730 a month), Multi-AZ twice, storage per GB-month", () => {
    const prod = modelStack(stack("prod"), PRICES);
    const sales = prod.sources.find((s) => s.name === "sales")!;
    expect(sales.dms).toEqual({ instanceClass: "dms.r5.large", multiAz: true, storageGb: 200 });
    expect(sales.monthly.dmsInstance).toBe(292); // 0.2 × 730 × 2
    expect(sales.monthly.dmsStorage).toBe(40); // 200 × 0.1 × 2
    expect(sales.monthly.kms).toBe(2); // one key per account, two accounts
    const crm = modelStack(stack("dev"), PRICES).sources.find((s) => s.name === "crm")!;
    expect([crm.monthly.dmsInstance, crm.monthly.dmsStorage, crm.monthly.kms]).toEqual([36.5, 5, 1]);
  });

  it("bills a Glue run at every tick on every worker, at least a minute each", () => {
    const [reporting, finance] = modelStack(stack("dev"), PRICES).sources[0].targets;
    // Every 2 minutes: 720 runs a day × 2 DPU × 2 min = 48 DPU-hours a day, × 30.42 days.
    expect(reporting).toMatchObject({ name: "reporting", everyMinutes: 2, runsPerDay: 720, dpuHoursPerMonth: 1460.16 });
    expect(reporting.monthly.glue).toBe(730.08);
    // Every 15 minutes: 96 runs a day, the same run each time.
    expect(finance).toMatchObject({ runsPerDay: 96, dpuHoursPerMonth: 194.69 });
    // Runs of 30 s are still billed a minute.
    const short = modelStack(stack("dev"), PRICES, { ...DEFAULT_ASSUMPTIONS, glueRunMinutes: 0.5 }).sources[0].targets[0];
    expect(short.dpuHoursPerMonth).toBe(730.08);
  });

  it("runs back to back when a run outlasts the interval: one run at a time per target", () => {
    const slow = modelStack(stack("dev"), PRICES, { ...DEFAULT_ASSUMPTIONS, glueRunMinutes: 4 }).sources[0].targets[0];
    expect(slow.runsPerDay).toBe(360);
    expect(slow.dpuHoursPerMonth).toBe(1460.16);
  });

  it("estimates latency from the DMS batch interval, landing, the poll interval and the run", () => {
    const [reporting] = modelStack(stack("dev"), PRICES).sources[0].targets;
    // Typical: 60/2 + 6 + 120/2 + 120; worst: 60 + 15 + 120 + 120.
    expect(reporting.latencySeconds).toEqual({ typical: 216, worst: 315 });
    // A run longer than the interval can hold the target when the next tick comes: wait for it too.
    const slow = modelStack(stack("dev"), PRICES, { ...DEFAULT_ASSUMPTIONS, glueRunMinutes: 4 }).sources[0].targets[0];
    expect(slow.latencySeconds).toEqual({ typical: 336, worst: 675 });
  });

  it.each([
    ["G.1X", 1],
    ["G.2X", 2],
    ["G.4X", 4],
    ["G.8X", 8],
  ] as const)("prices a target on %s workers at %i DPU each", (workerType, dpuPerWorker) => {
    const config = stack("dev");
    config.sources[0].targets[0].glue = { workerType, workers: 3, executionClass: "STANDARD", timeoutMinutes: 60 };
    const [reporting, finance] = modelStack(config, PRICES).sources[0].targets;
    expect(reporting.glue).toEqual({
      workerType,
      workers: 3,
      executionClass: "STANDARD",
      timeoutMinutes: 60,
      dpus: 3 * dpuPerWorker,
    });
    // 720 runs a day × 30.42 days × 3 workers × DPU per worker × 2 min / 60, at 0.5 a DPU-hour.
    const dpuHours = (720 * 30.42 * 3 * dpuPerWorker * 2) / 60;
    expect(reporting.dpuHoursPerMonth).toBeCloseTo(dpuHours, 2);
    expect(reporting.monthly.glue).toBeCloseTo(dpuHours * 0.5, 2);
    // The other target keeps its own size.
    expect(finance.glue.dpus).toBe(2);
  });

  it("prices a FLEX target at the Flex DPU-hour price, and its worst latency waits 20 minutes for capacity", () => {
    const flex = modelStack(stack("dev"), PRICES).sources[0].targets[1];
    expect(flex.glue).toMatchObject({ workerType: "G.1X", workers: 2, executionClass: "FLEX", dpus: 2 });
    expect(flex.monthly.glue).toBe(48.67); // 194.688 DPU-hours × 0.25
    // Typical: 60/2 + 6 + 900/2 + 120, capacity at hand; worst: 60 + 15 + 900 + 1200 waiting + 120.
    expect(flex.latencySeconds).toEqual({ typical: 606, worst: 2295 });

    const config = stack("dev");
    config.sources[0].targets[1].glue.executionClass = "STANDARD";
    const standard = modelStack(config, PRICES).sources[0].targets[1];
    expect(standard.dpuHoursPerMonth).toBe(flex.dpuHoursPerMonth);
    expect(standard.monthly.glue).toBe(97.34); // 194.688 × 0.5
    expect(standard.latencySeconds).toEqual({ typical: 606, worst: 1095 });
  });

  it("adds sources up to the stack total and says what it leaves out", () => {
    const m = modelStack(stack("prod"), PRICES);
    const sum = m.sources.reduce((n, s) => n + s.monthly.total, 0);
    expect(m.monthlyTotal).toBeCloseTo(sum, 2);
    for (const s of m.sources) {
      const c = s.monthly;
      expect(c.total).toBeCloseTo(c.dmsInstance + c.dmsStorage + c.landing + c.kms + c.targets, 2);
    }
    expect(m.excluded.join(" ")).toMatch(/S3 storage.*Athena/);
  });

  it("prices the small moving parts too: Lambda and SQS per request", () => {
    const withRequests = { ...PRICES, lambdaPerMillionRequests: 1, sqsPerMillionRequests: 1 };
    const crm = modelStack(stack("dev"), withRequests).sources[1];
    // DMS batches every 120 s: 21,902.4 files a month, two Lambda invocations each (0.0438) and 6 + 1 target SQS
    // calls each (0.1533).
    expect(crm.monthly.landing).toBe(0.2);
    // The poller: a tick every 5 minutes, 8,760.96 a month, one invocation and four SQS calls each.
    expect(crm.targets[0].monthly.poller).toBe(0.04);
  });

  it("names the setting and the fix when an instance class has no price", () => {
    const config = stack("dev");
    config.sources[1].dms.instanceClass = "dms.m9.huge";
    expect(() => modelStack(config, DEFAULT_PRICES)).toThrow(
      "cdc:sources[1].dms.instanceClass: no price for dms.m9.huge; add it to a --prices file (dmsInstanceHourly)",
    );
  });
});
