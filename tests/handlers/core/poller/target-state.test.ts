import {
  emptyTargetState,
  keepLateFiles,
  parseTargetState,
  resumeTable,
  settleRun,
  sweptTables,
} from "../../../../handlers/core/poller/target-state";
import { harmonizedPrefix, listStartAfter, unappliedFiles } from "../../../../handlers/core/poller/sweep";

const H = "s3://harmonized";
const load = (n: number) => `${H}/dbo/T/LOAD${n.toString(16).toUpperCase().padStart(8, "0")}.parquet`;
const cdc = (hhmm: string) => `${H}/dbo/T/20261122-${hhmm}00000.parquet`;
const at = new Date("2026-11-22T02:00:00Z");
const run = (runId: string, tables: Parameters<typeof settleRun>[1]["tables"]) => ({
  runId,
  manifestUri: `s3://lake/runs/sales/reporting/${runId}.json`,
  tables,
});

describe("a target's table state", () => {
  it("moves a table's mark to the last applied file in DMS order, never back", () => {
    const s0 = emptyTargetState("sales", "reporting");
    const { state: s1 } = settleRun(
      s0,
      run("r1", [{ table: "dbo.T", files: [load(1), cdc("0102"), cdc("0101")], status: "applied" }]),
      at,
    );
    expect(s1.tables["dbo.T"]).toEqual({ appliedThrough: cdc("0102"), appliedAt: at.toISOString() });
    // A replayed older file does not move the mark back.
    const { state: s2 } = settleRun(s1, run("r2", [{ table: "dbo.T", files: [cdc("0100")], status: "applied" }]), at);
    expect(s2.tables["dbo.T"].appliedThrough).toBe(cdc("0102"));
    expect(s2.settledThrough).toBe("r2");
  });

  it("holds a failed table once, naming the file its error names, and ignores a run it has already settled", () => {
    const s0 = emptyTargetState("sales", "reporting");
    const failed = run("r1", [
      {
        table: "dbo.T",
        files: [cdc("0101"), cdc("0102")],
        status: "failed",
        error: "Invalid Input Error: dbo/T/20261122-010200000.parquet: No magic bytes",
      },
      { table: "dbo.U", files: [`${H}/dbo/U/LOAD00000001.parquet`], status: "applied" },
    ]);
    const { state, held } = settleRun(s0, failed, at);
    expect(held).toEqual([
      {
        table: "dbo.T",
        hold: {
          since: at.toISOString(),
          runId: "r1",
          manifestUri: failed.manifestUri,
          files: [cdc("0101"), cdc("0102")],
          file: cdc("0102"),
          error: failed.tables[0].error,
        },
        retrying: false,
      },
    ]);
    expect(state.tables["dbo.T"].appliedThrough).toBeUndefined();
    expect(state.tables["dbo.U"].appliedThrough).toBe(`${H}/dbo/U/LOAD00000001.parquet`);
    // Settling the same marker again (another tick, a retried write) changes nothing and alerts nothing.
    expect(settleRun(state, failed, at)).toEqual({ state, held: [] });
    // Resumed, then the old marker seen again: no new hold.
    const resumed = resumeTable(state, "dbo.T", at);
    expect(resumed.tables["dbo.T"]).toEqual({ resumedAt: at.toISOString(), sweep: true });
    expect(settleRun(resumed, failed, at).held).toEqual([]);
    expect(() => resumeTable(resumed, "dbo.T", at)).toThrow("dbo.T is not held on sales/reporting");
  });

  it("keeps a held table's late files (before its mark) until a run takes them", () => {
    let s = settleRun(
      emptyTargetState("s", "t"),
      run("r1", [{ table: "dbo.T", files: [cdc("0105")], status: "applied" }]),
      at,
    ).state;
    s = settleRun(s, run("r2", [{ table: "dbo.T", files: [cdc("0106")], status: "failed", error: "x" }]), at).state;
    s = keepLateFiles(s, "dbo.T", [cdc("0103"), cdc("0107")]);
    s = keepLateFiles(s, "dbo.T", [cdc("0103")]);
    expect(s.tables["dbo.T"].late).toEqual([cdc("0103")]);
    s = sweptTables(resumeTable(s, "dbo.T", at), ["dbo.T"], at);
    expect(s.tables["dbo.T"].late).toBeUndefined();
    expect(s.tables["dbo.T"].sweep).toBeUndefined();
    expect(s.sweptAt).toBe(at.toISOString());
  });

  it("gives a held run's files that sort before the mark back as late files on resume: the sweep looks only past it", () => {
    // Applied through 0300; a late message for 0100 goes into a run of its own, which fails.
    let s = settleRun(
      emptyTargetState("s", "t"),
      run("r1", [{ table: "dbo.T", files: [cdc("0300")], status: "applied" }]),
      at,
    ).state;
    s = settleRun(s, run("r2", [{ table: "dbo.T", files: [cdc("0100"), cdc("0400")], status: "failed", error: "x" }]), at).state;
    expect(s.tables["dbo.T"].held?.files).toEqual([cdc("0100"), cdc("0400")]);
    const resumed = resumeTable(s, "dbo.T", at);
    // 0400 is past the mark (the sweep finds it); 0100 only the late list can bring back.
    expect(resumed.tables["dbo.T"]).toEqual({
      appliedThrough: cdc("0300"),
      appliedAt: at.toISOString(),
      late: [cdc("0100")],
      resumedAt: at.toISOString(),
      sweep: true,
    });
  });

  it("refuses a document that is not one, in one line naming the object", () => {
    expect(() => parseTargetState("{", "state/s/t/tables.json")).toThrow(/^state\/s\/t\/tables.json: not JSON/);
    expect(() => parseTargetState('{"version":2,"target":"s/t","tables":{}}', "k")).toThrow(/^k: version: /);
  });
});

describe("finding files no run applied", () => {
  const objects = (keys: string[], modified = new Date("2026-11-22T01:00:00Z")) =>
    keys.map((key) => ({ key, lastModified: modified }));

  it("takes the table's files after its mark in DMS order, full loads first, ignoring other names", () => {
    const keys = [
      "dbo/T/20261122-010300000.parquet",
      "dbo/T/LOAD00000002.parquet",
      "dbo/T/20261122-010100000.parquet",
      "dbo/T/notes.txt",
    ];
    expect(unappliedFiles(objects(keys), "harmonized", undefined, undefined)).toEqual([load(2), cdc("0101"), cdc("0103")]);
    expect(unappliedFiles(objects(keys), "harmonized", cdc("0101"), undefined)).toEqual([cdc("0103")]);
    // Younger than the cut-off: left to its message.
    expect(unappliedFiles(objects(keys), "harmonized", cdc("0101"), new Date("2026-11-22T00:59:00Z"))).toEqual([]);
  });

  it("lists after a CDC mark (LOAD names sort after digits) and from the start after a full-load mark", () => {
    expect(listStartAfter(cdc("0101"))).toBe("dbo/T/20261122-010100000.parquet");
    expect(listStartAfter(load(1))).toBeUndefined();
    expect(listStartAfter(undefined)).toBeUndefined();
    expect(harmonizedPrefix("dbo", "T", undefined)).toBe("dbo/T/");
    // A DMS bucket folder in the mark's key is kept.
    expect(harmonizedPrefix("dbo", "T", `${H}/dms/dbo/T/LOAD00000001.parquet`)).toBe("dms/dbo/T/");
  });
});
