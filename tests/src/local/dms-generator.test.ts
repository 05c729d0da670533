import * as fs from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { targetTypes } from "../../../metadata/dms-types";
import { compareDmsFiles } from "../../../handlers/core/dms-key";
import { hyparquet } from "../../../handlers/core/parquet/esm";
import { fileColumns } from "../../../handlers/core/parquet/schema";
import { validateLocalFile } from "../../../handlers/core/validation";
import { generateDmsOutput, type GeneratedFile } from "../../../src/local/dms-generator";
import { allTypesTable, ordersTable, table, tempDir } from "../../support/parquet-fixtures";

const tables = [allTypesTable(), ordersTable()];
type Row = Record<string, unknown>;
const read = async (f: GeneratedFile): Promise<Row[]> =>
  hyparquet.parquetReadObjects({ file: new Uint8Array(fs.readFileSync(f.path)).buffer, utf8: true }) as Promise<Row[]>;
const metadataOf = (f: GeneratedFile) => hyparquet.parquetMetadata(new Uint8Array(fs.readFileSync(f.path)).buffer);

describe("DMS-format generator", () => {
  const tmp = tempDir("cdc-gen");
  afterAll(tmp.cleanup);
  let files: GeneratedFile[];
  beforeAll(() => {
    files = generateDmsOutput({
      tables,
      outDir: tmp.dir,
      rows: 120,
      changes: 400,
      seed: 7,
      rowsPerLoadFile: 50,
      changesPerCdcFile: 60,
    });
  });

  it("writes full-load files (hex counter) then CDC files, already in DMS order", () => {
    const orders = files.filter((f) => f.table === "orders").map((f) => f.key);
    expect(orders.slice(0, 3)).toEqual([
      "dbo/orders/LOAD00000001.parquet",
      "dbo/orders/LOAD00000002.parquet",
      "dbo/orders/LOAD00000003.parquet",
    ]);
    expect(orders.slice(3).every((k) => /\/\d{8}-\d{9}\.parquet$/.test(k))).toBe(true);
    expect([...orders].sort(compareDmsFiles)).toEqual(orders);
    for (const f of files) expect(fs.existsSync(f.path)).toBe(true);
  });

  it("types every column exactly as the metadata's Parquet type", () => {
    const load = files.find((f) => f.table === "all_types")!;
    const written = new Map(fileColumns(metadataOf(load)).map((c) => [c.name, c.type]));
    for (const col of allTypesTable().columns) expect([col.name, written.get(col.name)]).toEqual([col.name, col.parquet]);
    for (const name of ["Op", "cdc_timestamp", "cdc_seq"])
      expect(written.get(name)).toEqual({ physical: "BYTE_ARRAY", logical: { type: "STRING" } });
  });

  it("DuckDB (local mode) reads every column as the type mapping's DuckDB type", async () => {
    const load = files.find((f) => f.table === "all_types")!;
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    try {
      const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${load.path.replace(/'/g, "''")}')`);
      const types = new Map(described.getRows().map((r) => [String(r[0]), String(r[1])]));
      for (const col of allTypesTable().columns) {
        // UINT4 is a plain INT64 in Parquet 1.0 (see targetTypes); DuckDB sees BIGINT and the target casts.
        const expected = col.dmsType === "UINT4" ? "BIGINT" : targetTypes(col).duckdb;
        expect([col.name, types.get(col.name)]).toEqual([col.name, expected]);
      }
      const count = await c.runAndReadAll(`SELECT count(*) FROM read_parquet('${load.path.replace(/'/g, "''")}')`);
      expect(Number(count.getRows()[0][0])).toBe(load.rows);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it("every generated file passes validation", async () => {
    for (const f of files) {
      const r = await validateLocalFile(f.path, tables);
      expect([f.key, r.errors]).toEqual([f.key, []]);
      expect([r.rowCount, r.minSeq, r.maxSeq]).toEqual([f.rows, f.minSeq, f.maxSeq]);
    }
  });

  it("full load is all inserts without sequences; CDC sequences are 35 digits and strictly increasing", async () => {
    let last = "";
    for (const f of files.filter((x) => x.table === "orders")) {
      for (const row of await read(f)) {
        if (f.kind === "load") {
          expect([row.Op, row.cdc_seq]).toEqual(["I", null]);
        } else {
          expect(row.cdc_seq).toMatch(/^\d{35}$/);
          expect((row.cdc_seq as string) > last).toBe(true);
          last = row.cdc_seq as string;
        }
      }
    }
  });

  it("interleaves I/U/D on a key space: deletes carry the before-image and deleted keys come back", async () => {
    const image = new Map<number, Row>();
    const ops = { I: 0, U: 0, D: 0 };
    let reinserts = 0;
    const everDeleted = new Set<number>();
    for (const f of files.filter((x) => x.table === "orders")) {
      for (const row of await read(f)) {
        const { Op, cdc_seq: _seq, cdc_timestamp: _ts, ...values } = row;
        const id = values.id as number;
        ops[Op as "I" | "U" | "D"]++;
        if (Op === "D") {
          expect(values).toEqual(image.get(id));
          image.delete(id);
          everDeleted.add(id);
        } else {
          if (Op === "I") {
            expect(image.has(id)).toBe(false);
            if (everDeleted.has(id)) reinserts++;
          } else {
            expect(image.has(id)).toBe(true);
          }
          image.set(id, values);
        }
      }
    }
    expect(ops.I).toBeGreaterThan(120);
    expect(ops.U).toBeGreaterThan(50);
    expect(ops.D).toBeGreaterThan(30);
    expect(reinserts).toBeGreaterThan(0);
  });

  it("is deterministic for a seed and different for another", () => {
    const again = tempDir("cdc-gen-again");
    const other = tempDir("cdc-gen-other");
    try {
      const opts = { tables, rows: 120, changes: 400, seed: 7, rowsPerLoadFile: 50, changesPerCdcFile: 60 };
      const a = generateDmsOutput({ ...opts, outDir: again.dir });
      const b = generateDmsOutput({ ...opts, seed: 8, outDir: other.dir });
      expect(a.map((f) => f.key)).toEqual(files.map((f) => f.key));
      a.forEach((f, i) => expect(fs.readFileSync(f.path).equals(fs.readFileSync(files[i].path))).toBe(true));
      expect(fs.readFileSync(b[0].path).equals(fs.readFileSync(files[0].path))).toBe(false);
    } finally {
      again.cleanup();
      other.cleanup();
    }
  });

  it("re-delivers files as duplicates and shuffles rows when asked", async () => {
    const dup = tempDir("cdc-gen-dup");
    try {
      const out = generateDmsOutput({
        tables: [ordersTable()],
        outDir: dup.dir,
        rows: 10,
        changes: 200,
        seed: 3,
        changesPerCdcFile: 20,
        duplicateFiles: 0.5,
        shuffleRows: true,
      });
      const copies = out.filter((f) => f.duplicateOf);
      expect(copies.length).toBeGreaterThan(0);
      for (const c of copies) {
        const original = out.find((f) => f.key === c.duplicateOf)!;
        expect(compareDmsFiles(original.key, c.key)).toBeLessThan(0);
        const seqs = async (f: GeneratedFile) => (await read(f)).map((r) => r.cdc_seq as string);
        expect((await seqs(c)).sort()).toEqual((await seqs(original)).sort());
      }
      const cdc = out.filter((f) => f.kind === "cdc");
      const orders = await Promise.all(cdc.map(async (f) => (await read(f)).map((r) => r.cdc_seq as string)));
      expect(orders.some((s) => s.join() !== [...s].sort().join())).toBe(true);
      expect(new Set(cdc.map((f) => f.key)).size).toBe(cdc.length);
    } finally {
      dup.cleanup();
    }
  });

  it("can leave statistics out, which validation then reads from the column chunks", async () => {
    const ns = tempDir("cdc-gen-nostats");
    try {
      const out = generateDmsOutput({
        tables: [ordersTable()],
        outDir: ns.dir,
        rows: 5,
        changes: 10,
        seed: 1,
        statistics: false,
      });
      expect(metadataOf(out[1]).row_groups[0].columns.every((c) => c.meta_data?.statistics === undefined)).toBe(true);
      const r = await validateLocalFile(out[1].path, [ordersTable()]);
      expect([r.valid, r.minSeq, r.maxSeq]).toEqual([true, out[1].minSeq, out[1].maxSeq]);
    } finally {
      ns.cleanup();
    }
  });

  it("generates tables without a primary key (append-only change logs) and refuses a key space too small", async () => {
    const log = table("app", "events", [
      { name: "kind", dmsType: "STRING", length: 10 },
      { name: "at", dmsType: "DATETIME" },
    ]);
    const tiny = table("app", "tiny", [{ name: "id", dmsType: "INT1" }], ["id"]);
    const t = tempDir("cdc-gen-nokey");
    try {
      const out = generateDmsOutput({ tables: [log], outDir: t.dir, rows: 10, changes: 30, seed: 2 });
      for (const f of out) expect((await validateLocalFile(f.path, [log])).errors).toEqual([]);
      expect(() => generateDmsOutput({ tables: [tiny], outDir: t.dir, rows: 100, changes: 100, seed: 2 })).toThrow(
        "app.tiny: the key type holds only 127 distinct keys; ask for fewer rows and changes",
      );
    } finally {
      t.cleanup();
    }
  });

  it("writes TIME columns as the text DMS writes under the change-data-type rule, with the source's digits", async () => {
    const t = table(
      "app",
      "shifts",
      [
        { name: "starts", dmsType: "TIME", scale: 0, length: 16 },
        { name: "t7", dmsType: "TIME", scale: 7, length: 16 },
        { name: "t3", dmsType: "TIME", scale: 3, length: 16 },
      ],
      ["starts"],
    );
    const dir = tempDir("cdc-gen-times");
    try {
      const out = generateDmsOutput({ tables: [t], outDir: dir.dir, rows: 300, changes: 300, seed: 9 });
      const written = new Map(fileColumns(metadataOf(out[0])).map((c) => [c.name, c.type]));
      for (const name of ["starts", "t7", "t3"])
        expect(written.get(name)).toEqual({ physical: "BYTE_ARRAY", logical: { type: "STRING" } });
      for (const f of out) expect((await validateLocalFile(f.path, [t])).errors).toEqual([]);
      const rows = (await Promise.all(out.map(read))).flat();
      const values = (c: string) => rows.map((r) => r[c]).filter((v): v is string => typeof v === "string");
      // A time(0) key: whole seconds, distinct per key (key 1 is one second past midnight).
      expect(values("starts").every((v) => /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(v))).toBe(true);
      expect(values("starts")).toContain("00:00:01");
      // time(7): 100 ns digits, midnight and the day's last instant among them.
      expect(values("t7").length).toBeGreaterThan(200);
      expect(values("t7").every((v) => /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{7}$/.test(v))).toBe(true);
      expect(values("t7")).toEqual(expect.arrayContaining(["00:00:00.0000000", "23:59:59.9999999"]));
      expect(values("t7").some((v) => !v.endsWith("000"))).toBe(true);
      expect(values("t3").every((v) => /^\d\d:\d\d:\d\d\.\d{3}$/.test(v))).toBe(true);
      // Text of one width sorts as time does, so min/max statistics stay meaningful.
      const sorted = [...values("t7")].sort();
      expect(sorted[0]).toBe("00:00:00.0000000");
      expect(sorted[sorted.length - 1]).toBe("23:59:59.9999999");
    } finally {
      dir.cleanup();
    }
  });

  it("keeps a timestamp's fractional digits to the source column's scale", async () => {
    const t = table(
      "app",
      "stamps",
      [
        { name: "id", dmsType: "INT4" },
        { name: "ms", dmsType: "DATETIME", scale: 3 },
        { name: "s", dmsType: "DATETIME", scale: 0 },
      ],
      ["id"],
    );
    const dir = tempDir("cdc-gen-stamps");
    try {
      const rows = (
        await Promise.all(generateDmsOutput({ tables: [t], outDir: dir.dir, rows: 40, changes: 40, seed: 5 }).map(read))
      ).flat();
      // hyparquet is loaded outside jest's realm, so its Dates fail `instanceof Date` here.
      const micros = (v: unknown) => (typeof v === "bigint" ? v : BigInt((v as Date).getTime()) * 1000n);
      const withValue = (c: string) => rows.filter((r) => r[c] !== null && r[c] !== undefined).map((r) => micros(r[c]));
      expect(withValue("ms").length).toBeGreaterThan(20);
      // datetime2(3) keeps its milliseconds; datetime2(0) keeps whole seconds only.
      expect(withValue("ms").some((v) => v % 1_000_000n !== 0n)).toBe(true);
      expect(withValue("s").filter((v) => v % 1_000_000n !== 0n)).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });
});
