import {
  advanceCheckpoint,
  checkpointKey,
  manifestKey,
  newRunId,
  runIdTime,
  runsInListing,
  runsPrefix,
} from "../../../../handlers/core/poller/runs";

const prefix = runsPrefix("sales", "reporting");
const at = (iso: string) => new Date(iso);

describe("run ids and the runs folder", () => {
  it("makes run ids that sort by time and parse back", () => {
    const a = newRunId(at("2026-11-22T01:02:03.004Z"), "zz9");
    const b = newRunId(at("2026-11-22T01:02:03.005Z"), "aaa");
    expect(a).toBe("20261122T010203004Z-zz9");
    expect(a < b).toBe(true);
    expect(runIdTime(a)).toEqual(at("2026-11-22T01:02:03.004Z"));
    expect(runIdTime("checkpoint")).toBeUndefined();
    expect(() => newRunId(new Date(), "Bad/")).toThrow('run id suffix "Bad/": expected [a-z0-9]+');
  });

  it("lists manifests oldest first with their markers, ignoring the checkpoint and strangers", () => {
    const ids = ["20261122T010000000Z-b", "20261122T005800000Z-a", "20261122T010200000Z-c"];
    const keys = [
      manifestKey(prefix, ids[0]),
      manifestKey(prefix, ids[1]),
      `${prefix}${ids[1]}.done`,
      manifestKey(prefix, ids[2]),
      checkpointKey(prefix),
      `${prefix}notes.json`,
      `runs/sales/finance/${ids[2]}.done`,
    ];
    expect(runsInListing(prefix, keys)).toEqual([
      { runId: ids[1], key: manifestKey(prefix, ids[1]), done: true },
      { runId: ids[0], key: manifestKey(prefix, ids[0]), done: false },
      { runId: ids[2], key: manifestKey(prefix, ids[2]), done: false },
    ]);
  });

  it("moves the checkpoint only past leading runs that are done and settled", () => {
    const run = (id: string, done: boolean) => ({ runId: id, key: manifestKey(prefix, id), done });
    const runs = [run("20261122T000000000Z-a", true), run("20261122T003000000Z-b", true), run("20261122T005000000Z-c", true)];
    const hour = 3_600_000;
    expect(advanceCheckpoint(runs, at("2026-11-22T01:40:00Z"), hour)).toBe(runs[1].key);
    expect(advanceCheckpoint(runs, at("2026-11-22T00:30:00Z"), hour)).toBeUndefined();
    // A failed run holds the checkpoint: it must keep being listed until it is re-submitted and done.
    expect(advanceCheckpoint([runs[0], run("20261122T001000000Z-x", false), runs[1]], at("2026-11-23T00:00:00Z"), hour)).toBe(
      runs[0].key,
    );
  });
});
