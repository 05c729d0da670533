import {
  emptyTargetState,
  resumeTable,
  retryTransientHolds,
  settleRun,
  type TargetState,
} from "../../../../handlers/core/poller/target-state";
import { holdAlert } from "../../../../handlers/core/poller/settle";

const H = "s3://harmonized";
const cdc = (hhmm: string) => `${H}/dbo/T/20261122-${hhmm}00000.parquet`;
const t = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 2, minutes));
const policy = { retries: 2, baseMs: 5 * 60_000, maxMs: 60 * 60_000 };
let runs = 0;
const settle = (state: TargetState, status: "applied" | "failed", at: Date, transient?: boolean) => {
  const runId = `r${++runs}`;
  return settleRun(
    state,
    {
      runId,
      manifestUri: `s3://lake/runs/sales/reporting/${runId}.json`,
      tables: [
        {
          table: "dbo.T",
          files: [cdc("0101")],
          status,
          ...(status === "failed" ? { error: "java.net.SocketTimeoutException: Read timed out" } : {}),
          ...(transient ? { transient } : {}),
        },
      ],
    },
    at,
    policy,
  );
};

describe("tables held on a transient error", () => {
  it("are resumed by the poller itself after 5, then 10 minutes, with no alert; then they wait for resume and alert", () => {
    const s0 = emptyTargetState("sales", "reporting");
    const h1 = settle(s0, "failed", t(0), true);
    expect(h1.held).toEqual([
      { table: "dbo.T", hold: expect.objectContaining({ transient: true, retryAt: t(5).toISOString() }), retrying: true },
    ]);
    // Not due yet: nothing changes.
    expect(retryTransientHolds(h1.state, t(4))).toEqual({ state: h1.state, resumed: [] });
    const r1 = retryTransientHolds(h1.state, t(5));
    expect(r1.resumed).toEqual(["dbo.T"]);
    expect(r1.state.tables["dbo.T"]).toMatchObject({ autoRetries: 1, sweep: true, resumedAt: t(5).toISOString() });
    expect(r1.state.tables["dbo.T"].held).toBeUndefined();

    const h2 = settle(r1.state, "failed", t(6), true);
    expect(h2.held[0]).toMatchObject({ retrying: true, hold: { retryAt: t(16).toISOString() } });
    const r2 = retryTransientHolds(h2.state, t(16));
    expect(r2.state.tables["dbo.T"].autoRetries).toBe(2);

    // Retries used up: held for good, and this hold alerts (saying the retries did not clear it).
    const h3 = settle(r2.state, "failed", t(17), true);
    expect(h3.held[0].retrying).toBe(false);
    expect(h3.held[0].hold.retryAt).toBeUndefined();
    expect(retryTransientHolds(h3.state, t(600)).resumed).toEqual([]);
    const alert = holdAlert({ source: "sales", target: "reporting", lakeBucket: "lake", table: "dbo.T", hold: h3.held[0].hold });
    expect(alert.message).toContain("looks transient");

    // A person's resume gives the table its automatic retries again.
    const resumed = resumeTable(h3.state, "dbo.T", t(700));
    expect(resumed.tables["dbo.T"].autoRetries).toBeUndefined();
  });

  it("count from the last applied run: a table that applies again gets its retries back", () => {
    const h1 = settle(emptyTargetState("sales", "reporting"), "failed", t(0), true);
    const r1 = retryTransientHolds(h1.state, t(5));
    const applied = settle(r1.state, "applied", t(6));
    expect(applied.state.tables["dbo.T"].autoRetries).toBeUndefined();
    expect(settle(applied.state, "failed", t(7), true).held[0].hold.retryAt).toBe(t(12).toISOString());
  });

  it("a failure not marked transient is held at once, alerting, with no automatic retry", () => {
    const h = settle(emptyTargetState("sales", "reporting"), "failed", t(0));
    expect(h.held[0]).toMatchObject({ retrying: false });
    expect(h.held[0].hold.transient).toBeUndefined();
    expect(h.held[0].hold.retryAt).toBeUndefined();
    // Without a policy (retries off), a transient failure is held like any other.
    const off = settleRun(
      emptyTargetState("sales", "reporting"),
      {
        runId: "x",
        manifestUri: "s3://lake/x.json",
        tables: [{ table: "dbo.T", files: [cdc("0101")], status: "failed", transient: true }],
      },
      t(0),
      { ...policy, retries: 0 },
    );
    expect(off.held[0]).toMatchObject({ retrying: false, hold: { transient: true } });
  });
});
