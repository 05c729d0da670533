import * as path from "node:path";
import { readMetadataDir } from "../../../../metadata/load";
import { tableId } from "../../../../metadata/format";
import { planBatch, type ReceivedFile } from "../../../../handlers/core/poller/batch";
import { collectWork, type HarmonizedListing } from "../../../../handlers/core/poller/work";
import { emptyTargetState, type TargetState } from "../../../../handlers/core/poller/target-state";

const SALES = readMetadataDir(path.resolve(__dirname, "../../../../metadata/sources/sales"));
const TABLES = SALES.tables.filter((t) => ["dbo.Invoice", "dbo.Payment"].includes(tableId(t)));
const now = new Date("2026-11-22T03:00:00Z");
const key = (table: string, hhmm: string) => `dbo/${table}/20261122-${hhmm}00000.parquet`;
const uri = (table: string, hhmm: string) => `s3://harmonized/${key(table, hhmm)}`;
const message = (table: string, hhmm: string, n: number): ReceivedFile => ({
  messageId: `m${n}`,
  receiptHandle: `h${n}`,
  message: {
    version: 1,
    source: "sales",
    schema: "dbo",
    table,
    bucket: "harmonized",
    key: key(table, hhmm),
    etag: '"e"',
    sizeBytes: 1,
    rowCount: 1,
    kind: "cdc",
    minSeq: "1",
    maxSeq: "1",
    validatedAt: now.toISOString(),
  },
});

/** A harmonized bucket holding these keys, all modified at `modified`. */
function listing(keys: string[], modified: Date): HarmonizedListing & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async list(prefix, startAfter) {
      calls.push(prefix);
      return keys
        .filter((k) => k.startsWith(prefix) && (!startAfter || k > startAfter))
        .map((k) => ({ key: k, lastModified: modified }));
    },
    async etag(key) {
      return keys.includes(key) ? `"etag-${key.length}"` : undefined;
    },
  };
}

function state(tables: TargetState["tables"], sweptAt = now.toISOString()): TargetState {
  return { ...emptyTargetState("sales", "reporting"), sweptAt, tables };
}

const input = (s: TargetState, received: ReceivedFile[], h: HarmonizedListing) => ({
  batch: planBatch(received, "sales", TABLES),
  state: s,
  tables: TABLES,
  harmonized: h,
  harmonizedBucket: "harmonized",
  now,
  sweepIntervalMs: 3_600_000,
  sweepMinAgeMs: 900_000,
  maxFiles: 500,
});

describe("what the next run takes", () => {
  it("takes every file after a table's mark up to its newest announced one, so the mark never passes a lost message", async () => {
    const h = listing([key("Invoice", "0101"), key("Invoice", "0102"), key("Invoice", "0103"), key("Invoice", "0104")], now);
    const s = state({ "dbo.Invoice": { appliedThrough: uri("Invoice", "0101") } });
    const work = await collectWork(input(s, [message("Invoice", "0103", 1)], h));
    // 0102's message is gone; 0104 is newer than anything announced and young: left to its own message.
    expect(work.tables.map((t) => [tableId(t.meta), t.files])).toEqual([
      ["dbo.Invoice", [uri("Invoice", "0102"), uri("Invoice", "0103")]],
    ]);
    expect(work).toMatchObject({ files: 2, sweptFiles: 1, periodic: false });
    // A table with nothing announced and no sweep due is not listed at all.
    expect(h.calls).toEqual(["dbo/Invoice/"]);
  });

  it("leaves a held table's files out and drops its messages; the others go on", async () => {
    const h = listing([key("Invoice", "0102"), key("Payment", "0102")], new Date(0));
    const hold = {
      since: now.toISOString(),
      runId: "r",
      manifestUri: "s3://lake/r.json",
      files: [],
      file: uri("Invoice", "0101"),
      error: "x",
    };
    const s = state({ "dbo.Invoice": { held: { ...hold, files: [uri("Invoice", "0101")] } } });
    const received = [message("Invoice", "0102", 1), message("Payment", "0102", 2)];
    const work = await collectWork(input(s, received, h));
    expect(work.tables.map((t) => tableId(t.meta))).toEqual(["dbo.Payment"]);
    expect(work.included.map((m) => m.messageId)).toEqual(["m2"]);
    expect(work.heldMessages.map((m) => m.messageId)).toEqual(["m1"]);
    expect([...work.heldFiles.entries()]).toEqual([["dbo.Invoice", [uri("Invoice", "0102")]]]);
  });

  it("sweeps every table when due (old files only), and a resumed table at once whatever the files' age", async () => {
    const young = listing([key("Invoice", "0102"), key("Payment", "0102")], now);
    const due = state({}, "2026-11-22T01:00:00.000Z");
    expect((await collectWork(input(due, [], young))).tables).toEqual([]);
    const old = listing([key("Invoice", "0102"), key("Payment", "0102")], new Date("2026-11-22T02:00:00Z"));
    const swept = await collectWork(input(due, [], old));
    expect(swept.tables.map((t) => [tableId(t.meta), t.files])).toEqual([
      ["dbo.Invoice", [uri("Invoice", "0102")]],
      ["dbo.Payment", [uri("Payment", "0102")]],
    ]);
    expect(swept).toMatchObject({ periodic: true, sweptFiles: 2 });
    const resumed = state({ "dbo.Invoice": { sweep: true } });
    const work = await collectWork(input(resumed, [], young));
    expect(work.tables.map((t) => [tableId(t.meta), t.files])).toEqual([["dbo.Invoice", [uri("Invoice", "0102")]]]);
    expect(work.sweptTables).toEqual(["dbo.Invoice"]);
  });
});
