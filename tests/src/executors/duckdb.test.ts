/**
 * The DuckDB executor on hand-written histories whose outcome is known: full loads replayed after CDC, tombstones and
 * their expiry, ties between full-load files, sequences of different digit counts, upper-case column names.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TableMetadata } from "../../../metadata/format";
import { targetTypes } from "../../../metadata/dms-types";
import { tombstoneCutoff } from "../../../handlers/core/plan/sequence";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { PROPERTY_TABLES, writeDmsFiles } from "../../support/change-batches";
import { canonicalRows, type ModelChange, type ModelFile } from "../../support/reference-model";

const meta = PROPERTY_TABLES[0]; // dbo.Orders, key (seed, order_id)
const row = (id: number, customer: string) => ({
  seed: "1",
  order_id: String(id),
  customer,
  amount: "1.00",
  big: "1",
  placed_at: null,
  paid: "true",
});
const change = (
  op: "I" | "U" | "D",
  seq: string | null,
  id: number,
  customer: string,
  timestamp = "2024-01-02 00:00:00.000000",
): ModelChange => ({
  op,
  seq,
  timestamp,
  values: row(id, customer),
});

describe.each(["delete-insert", "merge-into"] as const)("DuckDB executor (%s)", (merge) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-duck-"));
  let duck: DuckDbExecutor;
  const write = async (...files: ModelFile[]) => {
    await writeDmsFiles(
      duck.connection,
      meta,
      files.map((file) => ({ path: path.join(dir, file.name), file })),
    );
    return files.map((f) => ({ uri: path.join(dir, f.name) }));
  };
  const customers = async () => canonicalRows(meta, await duck.rows(meta)).map((r) => `${r.order_id}:${r.customer}`);

  beforeEach(async () => {
    duck = await DuckDbExecutor.open(":memory:", { threads: 1, merge });
  });
  afterEach(() => duck.close());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("never lets a replayed full load regress a row or resurrect a deleted one", async () => {
    const [load] = await write({
      name: "LOAD00000001.parquet",
      changes: [change("I", "", 1, "old"), change("I", null, 2, "old"), change("I", "", 3, "old")],
    });
    const [cdc] = await write({
      name: "20240102-000000000.parquet",
      changes: [change("U", "5", 1, "new"), change("D", "6", 2, "old")],
    });
    expect(await duck.apply(meta, [load])).toMatchObject({ inserted: 3 });
    expect(await duck.apply(meta, [cdc])).toMatchObject({ updated: 1, deleted: 1 });
    expect(await duck.apply(meta, [load])).toEqual({
      changes: 3,
      inserted: 0,
      updated: 0,
      deleted: 0,
      tombstoned: 0,
      skippedStale: 3,
    });
    expect(await customers()).toEqual(["1:new", "3:old"]);
  });

  it("treats every row of a LOAD file as a full-load row, whatever its cdc_seq holds", async () => {
    const [cdc, load] = await write(
      { name: "20240102-000000021.parquet", changes: [change("U", "3", 21, "cdc"), change("U", "4", 22, "cdc")] },
      // Validation checks cdc_seq in CDC files only; a value here must not pass for a change sequence.
      { name: "LOAD00000021.parquet", changes: [change("I", "9", 21, "load"), change("I", " ".repeat(35), 22, "load")] },
    );
    await duck.apply(meta, [cdc]);
    expect(await duck.apply(meta, [load])).toMatchObject({ skippedStale: 2, updated: 0 });
    expect(await customers()).toEqual(["21:cdc", "22:cdc"]);
  });

  it("records a tombstone for a delete that arrives before its insert, and the late insert stays out", async () => {
    const [del, ins] = await write(
      { name: "20240102-000000001.parquet", changes: [change("D", "20", 7, "x")] },
      { name: "20240102-000000002.parquet", changes: [change("I", "10", 7, "x")] },
    );
    expect(await duck.apply(meta, [del])).toMatchObject({ tombstoned: 1, deleted: 0 });
    expect(await duck.apply(meta, [ins])).toMatchObject({ skippedStale: 1 });
    expect(await customers()).toEqual([]);
  });

  it("keeps one tombstone per key, the latest, through delete and re-insert cycles", async () => {
    const files = await write(
      { name: "20240102-000000011.parquet", changes: [change("D", "10", 9, "a")] },
      { name: "20240102-000000012.parquet", changes: [change("I", "20", 9, "b")] },
      { name: "20240102-000000013.parquet", changes: [change("D", "30", 9, "b")] },
      { name: "20240102-000000014.parquet", changes: [change("I", "40", 9, "c")] },
    );
    for (const file of files) await duck.apply(meta, [file]);
    expect(await customers()).toEqual(["9:c"]);
    const plan = duck.plan(meta);
    const tombstones = await duck.connection.runAndReadAll(`SELECT "_cdc_seq" FROM ${plan.name("tombstones")}`);
    expect(tombstones.getRows().map(([seq]) => Number(seq))).toEqual([30]);
  });

  it("lets an old change through once the tombstone has expired (what retention means)", async () => {
    const [ins, del] = await write(
      { name: "20240102-000000003.parquet", changes: [change("I", "10", 8, "back", "2024-01-01 00:00:00.000000")] },
      { name: "20240102-000000004.parquet", changes: [change("D", "20", 8, "back", "2024-01-02 00:00:00.000000")] },
    );
    const within = { tombstoneCutoff: tombstoneCutoff(new Date("2024-01-08T00:00:00Z"), 7) };
    await duck.apply(meta, [del], within);
    expect(await duck.apply(meta, [ins], within)).toMatchObject({ skippedStale: 1 });
    // A run past the retention expires the tombstone before it guards its own batch.
    const past = { tombstoneCutoff: tombstoneCutoff(new Date("2024-01-10T00:00:00Z"), 7) };
    expect(await duck.apply(meta, [ins], past)).toMatchObject({ inserted: 1 });
    expect(await customers()).toEqual(["8:back"]);
    // Expiry first makes a run repeatable: running the same batch again finds nothing to do.
    expect(await duck.apply(meta, [ins], past)).toMatchObject({ inserted: 0, skippedStale: 1 });
  });

  it("breaks ties between full-load rows by file order, then row order", async () => {
    const files = await write(
      { name: "LOAD00000002.parquet", changes: [change("I", "", 4, "first"), change("I", "", 4, "second")] },
      { name: "LOAD00000003.parquet", changes: [change("I", "", 5, "a")] },
      { name: "LOAD00000004.parquet", changes: [change("I", "", 5, "b")] },
    );
    await duck.apply(meta, files);
    expect(await customers()).toEqual(["4:second", "5:b"]);
  });

  it("compares sequences as numbers whatever their digit count", async () => {
    const files = await write({
      name: "20240102-000000005.parquet",
      changes: [change("U", "10", 9, "ten"), change("U", "9", 9, "nine")],
    });
    await duck.apply(meta, files);
    expect(await customers()).toEqual(["9:ten"]);
  });

  it("matches file columns case-insensitively", async () => {
    const file = path.join(dir, "upper", "LOAD00000001.parquet");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await duck.connection.run(
      `COPY (SELECT 'I' AS "OP", '2024-01-01 00:00:00.000000' AS "CDC_TIMESTAMP", NULL::VARCHAR AS "CDC_SEQ", 1 AS "SEED", 42 AS "ORDER_ID", 'up' AS "Customer", ` +
        `1.5::DECIMAL(12,2) AS "AMOUNT", 7::BIGINT AS "BIG", NULL::TIMESTAMP AS "PLACED_AT", true AS "PAID") TO '${file}' (FORMAT parquet)`,
    );
    await duck.apply(meta, [{ uri: file }]);
    expect(await customers()).toEqual(["42:up"]);
  });

  it("applies a table with a source column named filename (DuckDB's default name for the file column)", async () => {
    const base = { name: "filename", ordinal: 8, sourceType: "varchar", dmsType: "STRING" as const, nullable: true, length: 20 };
    const withFilename: TableMetadata = {
      ...meta,
      table: "Attachments",
      columns: [...meta.columns, { ...base, parquet: targetTypes(base).parquet }],
    };
    const file = path.join(dir, "attachments", "20240102-000000007.parquet");
    const values = { ...row(3, "c"), filename: "invoice.pdf" };
    await writeDmsFiles(duck.connection, withFilename, [
      { path: file, file: { name: "x", changes: [{ op: "I", seq: "7", timestamp: "2024-01-02 00:00:00.000000", values }] } },
    ]);
    expect(await duck.apply(withFilename, [{ uri: file }])).toMatchObject({ inserted: 1 });
    expect(canonicalRows(withFilename, await duck.rows(withFilename)).map((r) => r.filename)).toEqual(["invoice.pdf"]);
  });

  it("writes the publication sorted by key with source columns, _cdc_seq and _cdc_timestamp", async () => {
    const files = await write({
      name: "20240102-000000006.parquet",
      changes: [change("I", "3", 2, "b"), change("I", "4", 1, "a")],
    });
    await duck.apply(meta, files);
    const out = path.join(dir, "pub.parquet");
    expect(await duck.exportParquet(meta, out)).toBe(2);
    const read = await duck.connection.runAndReadAll(`SELECT * FROM read_parquet('${out}')`);
    expect(read.columnNames()).toEqual([...meta.columns.map((c) => c.name), "_cdc_seq", "_cdc_timestamp"]);
    expect(read.getRowObjectsJson().map((r) => r.order_id)).toEqual([1, 2]);
  });
});
