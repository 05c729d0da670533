/**
 * Reload detection (handlers/core/poller/generations.ts) and what a settled run records of it (target-state.ts).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { assignGenerations } from "../../../../handlers/core/poller/generations";
import { emptyTargetState, settleRun, type TargetState } from "../../../../handlers/core/poller/target-state";
import { PROPERTY_TABLES } from "../../../support/change-batches";

const meta = PROPERTY_TABLES[0]; // dbo.Orders
const H = "s3://harmonized/dbo/Orders";
const [load1, load2, cdc1] = [`${H}/LOAD00000001.parquet`, `${H}/LOAD00000002.parquet`, `${H}/20240102-000100000.parquet`];
const at = new Date("2026-11-22T02:00:00Z");
const silent = new Logger({ logLevel: "SILENT" });

/** Harmonized as it is now: key → ETag. */
const harmonized = (etags: Record<string, string>) => async (key: string) => etags[key];
const state = (tables: TargetState["tables"]): TargetState => ({ ...emptyTargetState("sales", "reporting"), tables });
const applied = (s: TargetState, runId: string, t: Awaited<ReturnType<typeof assignGenerations>>[number]) =>
  settleRun(
    s,
    {
      runId,
      manifestUri: `s3://lake/runs/${runId}.json`,
      tables: [{ table: "dbo.Orders", files: t.files, etags: t.etags, generation: t.generation, status: "applied" }],
    },
    at,
  ).state;

describe("reload detection", () => {
  it("records the first load, starts a generation when a recorded LOAD file arrives with a new ETag, and keeps it", async () => {
    const now = { "dbo/Orders/LOAD00000001.parquet": '"e-new"', "dbo/Orders/LOAD00000002.parquet": '"e-2"' };
    // The first full load: no generation to pin (the floor of an empty table is 0 anyway); its ETags are recorded.
    const [first] = await assignGenerations(
      [{ meta, files: [load1, cdc1], etags: ['"e-old"', "c1"] }],
      state({}),
      harmonized(now),
      at,
      silent,
    );
    expect(first.generation).toBeUndefined();
    const s1 = applied(state({}), "r1", first);
    expect(s1.tables["dbo.Orders"].loads).toEqual({ [load1]: "e-old" });

    // The reload: LOAD00000001 again, with the ETag harmonized now holds.
    const [reload] = await assignGenerations([{ meta, files: [load1], etags: ['"e-new"'] }], s1, harmonized(now), at, silent);
    expect(reload.generation).toEqual({ id: "e-new", at: "2026-11-22 02:00:00.000000", sweep: true, file: load1 });
    // Until a run applies it, the state still has the old generation: a held run is detected again, same id.
    const s2 = applied(s1, "r2", reload);
    expect(s2.tables["dbo.Orders"]).toMatchObject({
      loads: { [load1]: "e-new" },
      generation: { id: "e-new", file: load1, since: at.toISOString() },
    });

    // A later LOAD file of the same reload: the same generation, no sweep; it joins the recorded loads.
    const [later] = await assignGenerations([{ meta, files: [load2], etags: ["e-2"] }], s2, harmonized(now), at, silent);
    expect(later.generation).toEqual({ id: "e-new", at: "2026-11-22 02:00:00.000000", sweep: false, file: load1 });
    expect(applied(s2, "r3", later).tables["dbo.Orders"].loads).toEqual({ [load1]: "e-new", [load2]: "e-2" });

    // CDC only: no generation.
    const [cdc] = await assignGenerations([{ meta, files: [cdc1], etags: ["c1"] }], s2, harmonized(now), at, silent);
    expect(cdc.generation).toBeUndefined();
  });

  it("drops a LOAD message whose version harmonized no longer holds (a replayed old announcement)", async () => {
    const s = state({
      "dbo.Orders": { loads: { [load1]: "e-new" }, generation: { id: "e-new", file: load1, since: at.toISOString() } },
    });
    const now = harmonized({ "dbo/Orders/LOAD00000001.parquet": '"e-new"' });
    const out = await assignGenerations([{ meta, files: [load1, cdc1], etags: ['"e-old"', "c1"] }], s, now, at, silent);
    expect(out).toEqual([{ meta, files: [cdc1], etags: ["c1"] }]);
    // Only that file: a table whose only file it was leaves the run.
    expect(await assignGenerations([{ meta, files: [load1], etags: ["e-old"] }], s, now, at, silent)).toEqual([]);
    // The same version as recorded is a plain redelivery: applied (harmlessly) in the current generation.
    const [again] = await assignGenerations([{ meta, files: [load1], etags: ["e-new"] }], s, now, at, silent);
    expect(again.generation).toMatchObject({ id: "e-new", sweep: false });
  });

  it("keeps each file's columns with its file when a superseded LOAD version leaves the run", async () => {
    const now = { "dbo/Orders/LOAD00000001.parquet": '"e-new"' };
    const s1 = state({ "dbo.Orders": { loads: { [load1]: "e-old" } } });
    const [t] = await assignGenerations(
      [{ meta, files: [load1, cdc1], etags: ['"e-older"', "c1"], columns: [["a"], ["a", "b"]] }],
      s1,
      harmonized(now),
      at,
      silent,
    );
    expect(t.files).toEqual([cdc1]);
    expect(t.columns).toEqual([["a", "b"]]);
  });

  it("while a rebuild waits, takes a LOAD file as the reload even when no run recorded the first full load", async () => {
    const waiting = state({
      "dbo.Orders": { appliedThrough: cdc1, rebuild: { since: at.toISOString(), changes: ["dbo.Orders: drop-column x"] } },
    });
    const [t] = await assignGenerations([{ meta, files: [load1], etags: ['"e-new"'] }], waiting, harmonized({}), at, silent);
    expect(t.generation).toEqual({ id: "e-new", at: "2026-11-22 02:00:00.000000", sweep: true, file: load1 });
    // Without a rebuild waiting, an unrecorded LOAD file is only a first full load.
    const plain = state({ "dbo.Orders": { appliedThrough: cdc1 } });
    const [u] = await assignGenerations([{ meta, files: [load1], etags: ['"e-new"'] }], plain, harmonized({}), at, silent);
    expect(u.generation).toBeUndefined();
  });
});
