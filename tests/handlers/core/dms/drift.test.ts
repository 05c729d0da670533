/**
 * The raw stage of a busy table: DMS counts something every minute, so "DMS counted within its batch interval" is
 * always true. Only what DMS could have counted in that interval at its rate is in flight, never the whole difference.
 */
import { reconcileTable, type DmsTableCounts, type PipelineFile } from "../../../../handlers/core/dms/drift";
import { cdcFileName } from "../../../../handlers/core/dms-key";

const now = new Date("2024-01-11T12:00:00Z");
const start = new Date("2024-01-11T00:00:00Z");
const settings = { now, batchSeconds: 60, staleMinutes: 60, applyGraceMinutes: 120, toleranceRows: 0 };

/** `files` CDC files of `rows` each, validated, one every 6 minutes from the start. */
const validated = (files: number, rows: number): PipelineFile[] =>
  Array.from({ length: files }, (_, i) => ({
    key: `dbo/orders/${cdcFileName(new Date(start.getTime() + i * 360_000))}.parquet`,
    kind: "cdc",
    rows,
    lastModified: now,
    etag: `"e${i}"`,
  }));

const busy = (inserts: number): DmsTableCounts => ({
  schema: "dbo",
  table: "orders",
  state: "Table completed",
  fullLoadRows: 0,
  inserts,
  updates: 0,
  deletes: 0,
  fullLoadStartTime: start,
  fullLoadReloaded: false,
  lastUpdateTime: new Date(now.getTime() - 5_000),
});

const reconcile = (dms: DmsTableCounts, harmonized: PipelineFile[], previous?: { at: Date; cdc: number }) =>
  reconcileTable({ startDate: start, freshStartDate: start }, { dms, raw: [], harmonized, quarantined: [], previous }, settings);

describe("reconcileTable: the raw stage of a busy table", () => {
  it("a lost 10,000-row batch still drifts although DMS counted a moment ago", () => {
    // 10 files of 10,000 rows arrived; DMS counted an 11th batch that is gone. 110,000 rows in 12 h: ~2.5 rows/s.
    const r = reconcile(busy(110_000), validated(10, 10_000));
    expect(r.inFlight.dmsBatch).toBe(true);
    // 2.55 rows/s × (2×60+60 s) × 2 = 917 rows may be in flight; the other 9,083 are missing.
    expect(r.stages[0]).toMatchObject({ stage: "raw", expected: 110_000, found: 100_000, inFlight: 917, drift: true });
    expect(r.drift).toMatchObject({ stage: "raw", difference: 9_083 });
  });

  it("rows DMS counted within its batch interval, at its rate, are in flight: no drift", () => {
    const r = reconcile(busy(100_500), validated(10, 10_000));
    expect(r.stages[0]).toMatchObject({ stage: "raw", found: 100_000, inFlight: 500, difference: 0, drift: false });
    expect(r.stages[0].note).toMatch(/within its batch interval \(up to \d+ rows at its rate\)/);
  });

  it("a table that just got busy: the rate since the previous run counts, not only the window's average", () => {
    // 100,000 rows in the window's first 11 h, then 50,000 in the last hour; 4,000 of them not written yet.
    const previous = { at: new Date(now.getTime() - 3_600_000), cdc: 100_000 };
    const r = reconcile(busy(150_000), validated(10, 14_600), previous);
    expect(r.stages[0]).toMatchObject({ found: 146_000, inFlight: 4_000, drift: false });
    expect(reconcile(busy(150_000), validated(10, 14_600)).drift?.stage).toBe("raw");
  });

  it("when DMS last counted long ago nothing is in flight at raw", () => {
    const r = reconcile({ ...busy(100_001), lastUpdateTime: new Date(now.getTime() - 3_600_000) }, validated(10, 10_000));
    expect(r.inFlight).toMatchObject({ dmsBatch: false, dmsBatchRows: 0 });
    expect(r.drift).toMatchObject({ stage: "raw", difference: 1 });
  });
});
