import { dashboardBody, PipelineDashboard, type DashboardSpec } from "../../components/pipeline-dashboard";
import { one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { testProvider } from "./helpers";

const BOTH: DashboardSpec = {
  title: "cdc-dev-sales",
  region: "eu-west-2",
  namespace: "cdc/dev",
  validateFunction: "cdc-dev-sales-validate",
  dms: { dimensions: { ReplicationInstanceIdentifier: "cdc-dev-sales", ReplicationTaskIdentifier: "ABC123" }, alarmSeconds: 600 },
  targets: [
    { name: "reporting", pollFunction: "cdc-dev-sales-reporting-poll" },
    { name: "finance", pollFunction: "cdc-dev-sales-finance-poll" },
  ],
  queues: ["cdc-dev-sales-validate", "cdc-dev-sales-validated", "cdc-dev-sales-reporting", "cdc-dev-sales-finance"],
  functions: ["cdc-dev-sales-validate", "cdc-dev-sales-fan-out"],
};

type Placed = { type: string; x: number; y: number; width: number; height: number; properties: Record<string, unknown> };
const widgets = (s: DashboardSpec) => dashboardBody(s).widgets as Placed[];
const titled = (s: DashboardSpec, title: string) => widgets(s).find((w) => w.properties.title === title);

describe("the pipeline dashboard", () => {
  it("graphs what the issue asks for, the custom metrics under their one service dimension", () => {
    const titles = widgets(BOTH)
      .map((w) => w.properties.title)
      .filter(Boolean);
    expect(titles).toEqual([
      "DMS CDC latency (s)",
      "Files validated and quarantined",
      "Files per table (validated, quarantined)",
      "Commit to target, worst table of a run (s)",
      "Commit to target per table (s)",
      "Glue run time (s)",
      "Glue DPU-hours",
      "Queue age: oldest message (s)",
      "Lambda errors",
      "Lambda throttles",
    ]);
    expect(titled(BOTH, "DMS CDC latency (s)")!.properties.metrics).toEqual([
      [
        "AWS/DMS",
        "CDCLatencySource",
        "ReplicationInstanceIdentifier",
        "cdc-dev-sales",
        "ReplicationTaskIdentifier",
        "ABC123",
        expect.any(Object),
      ],
      [
        "AWS/DMS",
        "CDCLatencyTarget",
        "ReplicationInstanceIdentifier",
        "cdc-dev-sales",
        "ReplicationTaskIdentifier",
        "ABC123",
        expect.any(Object),
      ],
    ]);
    expect(titled(BOTH, "Glue DPU-hours")!.properties.metrics).toEqual([
      ["cdc/dev", "GlueDpuHours", "service", "cdc-dev-sales-reporting-poll", { stat: "Sum", label: "reporting" }],
      ["cdc/dev", "GlueDpuHours", "service", "cdc-dev-sales-finance-poll", { stat: "Sum", label: "finance" }],
    ]);
    const ages = titled(BOTH, "Queue age: oldest message (s)")!.properties.metrics as unknown[][];
    expect(ages.map((m) => [m[0], m[1], m[3]])).toEqual(BOTH.queues.map((q) => ["AWS/SQS", "ApproximateAgeOfOldestMessage", q]));
  });

  it("breaks files and delay down per table from the logs, over the functions' own log groups", () => {
    const files = titled(BOTH, "Files per table (validated, quarantined)")!;
    expect(files.type).toBe("log");
    expect(files.properties.query).toMatch(/^SOURCE '\/aws\/lambda\/cdc-dev-sales-validate' \| filter /);
    expect(files.properties.query).toContain("by table");
    const delay = titled(BOTH, "Commit to target per table (s)")!;
    expect(delay.properties.query).toMatch(
      /^SOURCE '\/aws\/lambda\/cdc-dev-sales-reporting-poll' \| SOURCE '\/aws\/lambda\/cdc-dev-sales-finance-poll' \| /,
    );
    expect(delay.properties.query).toContain("max(CommitToTargetSeconds) as worst");
  });

  it("lays widgets out on the 24-column grid without overlap; a side shows only its sections", () => {
    const placed = widgets(BOTH);
    for (const w of placed) expect(w.x + w.width).toBeLessThanOrEqual(24);
    const cells = new Set<string>();
    for (const w of placed)
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    const lake: DashboardSpec = {
      ...BOTH,
      validateFunction: undefined,
      dms: undefined,
      otherDashboard: { name: "cdc-dev-sales", accountId: "444444444444" },
    };
    const lakeTitles = widgets(lake).map((w) => w.properties.title);
    expect(lakeTitles).not.toContain("DMS CDC latency (s)");
    expect(lakeTitles).not.toContain("Files validated and quarantined");
    expect(String(widgets(lake)[0].properties.markdown)).toContain("account 444444444444");
  });

  it("is one dashboard resource whatever the number of tables, its body resolved from outputs", async () => {
    const { mocks } = await runDeclarations(() => {
      new PipelineDashboard("dev-sales-dashboard", { dashboardName: "cdc-dev-sales", spec: BOTH }, { provider: testProvider() });
      return {};
    });
    const d = one(mocks.resources, "aws:cloudwatch/dashboard:Dashboard", "dev-sales-dashboard-dashboard");
    expect(d.inputs.dashboardName).toBe("cdc-dev-sales");
    expect(JSON.parse(String(d.inputs.dashboardBody))).toEqual(dashboardBody(BOTH));
    await expect(
      runDeclarations(() => {
        new PipelineDashboard("bad", { dashboardName: "has space", spec: BOTH }, { provider: testProvider() });
        return {};
      }),
    ).rejects.toThrow('PipelineDashboard bad: dashboardName must be 1–255 letters, digits, - or _, got "has space"');
  });
});
