import {
  clearRunFailure,
  DEFAULT_RUN_RETRY,
  observeRunFailures,
  retryDelayMs,
  runFailureAlert,
  runRetryDecision,
  type RunFailure,
} from "../../../../handlers/core/poller/run-failure";
import { emptyTargetState, parseTargetState, settleRun } from "../../../../handlers/core/poller/target-state";

const policy = { alertAfter: 3, baseMs: 5 * 60_000, maxMs: 60 * 60_000 };
const run = {
  runId: "20261122T010000000Z-aaaaaa",
  manifestUri: "s3://lake/runs/sales/reporting/20261122T010000000Z-aaaaaa.json",
};
const t = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 2, minutes));
const failed = (n: number, error = "Py4JJavaError: Communications link failure") =>
  Array.from({ length: n }, (_, i) => ({ id: `jr_${n - i}`, error }));

describe("runs failing as a whole: backoff, one alert, resume", () => {
  it("waits 0, base, 2·base, … up to the maximum after each failure", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 12].map((n) => retryDelayMs(n, policy) / 60_000)).toEqual([0, 0, 5, 10, 20, 40, 60, 60, 60]);
    expect(DEFAULT_RUN_RETRY).toEqual(policy);
  });

  it("records nothing until a run fails, then each new failure moves the retry time; the same failures change nothing", () => {
    expect(observeRunFailures(undefined, run, [], t(0), policy)).toBeUndefined();
    const f1 = observeRunFailures(undefined, run, failed(1), t(0), policy) as RunFailure;
    expect(f1).toEqual({
      ...run,
      since: t(0).toISOString(),
      failures: 1,
      cleared: 0,
      lastFailedAt: t(0).toISOString(),
      error: "Py4JJavaError: Communications link failure",
      retryAt: t(0).toISOString(),
    });
    expect(runRetryDecision(f1, t(0), policy)).toEqual({ due: true, alert: false });
    // Seen again on a later tick: nothing new, the record stays (so the stored state is not rewritten).
    expect(observeRunFailures(f1, run, failed(1), t(3), policy)).toBe(f1);
    const f2 = observeRunFailures(f1, run, failed(2, "Glue: worker lost\nstack"), t(4), policy) as RunFailure;
    expect(f2).toMatchObject({ failures: 2, since: t(0).toISOString(), retryAt: t(9).toISOString(), error: "Glue: worker lost" });
    expect(runRetryDecision(f2, t(8), policy)).toEqual({ due: false, alert: false });
    expect(runRetryDecision(f2, t(9), policy)).toEqual({ due: true, alert: false });
    const f3 = observeRunFailures(f2, run, failed(3), t(10), policy) as RunFailure;
    expect(f3.retryAt).toBe(t(20).toISOString());
    expect(runRetryDecision(f3, t(10), policy)).toEqual({ due: false, alert: true });
    expect(runRetryDecision({ ...f3, alertedAt: t(10).toISOString() }, t(10), policy).alert).toBe(false);
  });

  it("never counts down when the job's history drops old runs, and starts afresh for another manifest", () => {
    const f3 = observeRunFailures(undefined, run, failed(3), t(0), policy) as RunFailure;
    expect(observeRunFailures(f3, run, failed(1), t(30), policy)).toBe(f3);
    const other = { ...run, runId: "20261122T020000000Z-bbbbbb" };
    expect(observeRunFailures(f3, other, [], t(30), policy)).toBeUndefined();
    expect(observeRunFailures(f3, other, failed(1), t(30), policy)).toMatchObject({ runId: other.runId, failures: 1 });
  });

  it("resume retries at once and counts (and alerts) afresh", () => {
    const f3 = { ...(observeRunFailures(undefined, run, failed(3), t(0), policy) as RunFailure), alertedAt: t(0).toISOString() };
    const r = clearRunFailure(f3, t(2));
    expect(r).toMatchObject({ failures: 3, cleared: 3, retryAt: t(2).toISOString(), resumedAt: t(2).toISOString() });
    expect(r.alertedAt).toBeUndefined();
    expect(runRetryDecision(r, t(2), policy)).toEqual({ due: true, alert: false });
    // The first failure after the resume is retried at once again; the third after it alerts again.
    const r1 = observeRunFailures(r, run, failed(4), t(3), policy) as RunFailure;
    expect(runRetryDecision(r1, t(3), policy)).toEqual({ due: true, alert: false });
    const r3 = observeRunFailures(r1, run, failed(6), t(20), policy) as RunFailure;
    expect(runRetryDecision(r3, t(20), policy)).toEqual({ due: false, alert: true });
  });

  it("lives in the target's state, which a settled run at or after it clears; an earlier run's settling keeps it", () => {
    const f = observeRunFailures(undefined, run, failed(2), t(0), policy) as RunFailure;
    const s = { ...emptyTargetState("sales", "reporting"), run: f };
    expect(parseTargetState(JSON.stringify(s), "state")).toEqual(s);
    const earlier = settleRun(s, { runId: "20261122T000000000Z-zzzzzz", manifestUri: "s3://lake/x.json", tables: [] }, t(1));
    expect(earlier.state.run).toEqual(f);
    const same = settleRun(s, { runId: run.runId, manifestUri: run.manifestUri, tables: [] }, t(1));
    expect(same.state.run).toBeUndefined();
    expect("run" in same.state).toBe(false);
    expect(same.state.settledThrough).toBe(run.runId);
  });

  it("alerts with the run, the error, no table held, and the command that retries at once", () => {
    const f = observeRunFailures(undefined, run, failed(3), t(0), policy) as RunFailure;
    const a = runFailureAlert({ source: "sales", target: "reporting", lakeBucket: "lake", failure: f });
    expect(a.subject).toBe("cdc: sales/reporting run failing");
    const alert = JSON.parse(a.message) as Record<string, unknown>;
    expect(alert).toMatchObject({
      kind: "run-failing",
      source: "sales",
      target: "reporting",
      runId: run.runId,
      failures: 3,
      error: "Py4JJavaError: Communications link failure",
      command: "cdc target resume --lake-bucket lake --source sales --target reporting --run",
    });
    // Indented, so an e-mail subscriber reads one field a line.
    expect(a.message).toContain('\n  "kind": "run-failing",\n');
    expect(alert.text).toEqual([
      `Run ${run.runId} of target sales/reporting failed as a whole 3 times since ${t(0).toISOString()}.`,
      `Manifest: ${run.manifestUri}`,
      "Error: Py4JJavaError: Communications link failure",
      "No table is at fault and none is held; the target takes no new work until this run succeeds.",
      `It is retried with backoff (next at ${t(10).toISOString()}) and goes on by itself once the cause is gone`,
      "(the target database reachable, the job's connection or settings fixed). To retry at once after a fix:",
      "  cdc target resume --lake-bucket lake --source sales --target reporting --run",
      "Status: cdc target status --lake-bucket lake --source sales --target reporting",
    ]);
  });
});
