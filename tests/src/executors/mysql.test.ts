/**
 * The MySQL executor on real MariaDB: every DMS type survives the trip DuckDB → staging → target exactly, and a whole
 * history (deletes, tombstones, a replayed full load, expiry) ends as in DuckDB.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TableMetadata } from "../../../metadata/format";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { applyBatchLocally } from "../../../src/executors/local-apply";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { PROPERTY_TABLES, writeDmsFiles } from "../../support/change-batches";
import { mysqlTestDatabase } from "../../support/databases";
import { canonicalRows, type ModelChange } from "../../support/reference-model";
import { EVERY_TYPE } from "../../handlers/core/plan/fixtures";

/** One value of every DMS type, at the edges of its range, as DuckDB casts it from text. */
const VALUES: Record<string, string> = {
  order: "-9223372036854775808",
  'line`no"te': "key'\\€",
  c_boolean: "true",
  c_bytes: "bin\\x00\\xFF",
  c_date: "2024-02-29",
  c_time: "12:34:56.789",
  c_datetime: "2024-02-29 12:34:56.123",
  c_int1: "-128",
  c_int2: "-32768",
  c_int4: "-2147483648",
  c_int8: "9223372036854775807",
  c_numeric: "-12345678901234.5678",
  c_real4: "1.5",
  c_real8: "-2.25",
  c_string: "it's \\ é",
  c_uint1: "255",
  c_uint2: "65535",
  c_uint4: "4294967295",
  c_uint8: "18446744073709551615",
  c_wstring: "€uro ✓",
  c_blob: "blob\\x01",
  c_nclob: "nclob ✓",
  c_clob: "clob",
};
const HEX: Record<string, string> = { c_bytes: "62696E00FF", c_blob: "626C6F6201" };

const db = mysqlTestDatabase("cdc_apply_mysql_executor");
db.describe("MySQL executor", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-mysql-"));
  let duck: DuckDbExecutor;
  let mysql: MySqlExecutor;
  beforeAll(async () => {
    duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    mysql = await MySqlExecutor.connect(db.url());
  });
  afterAll(async () => {
    duck.close();
    await mysql.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = async (meta: TableMetadata, name: string, changes: ModelChange[]) => {
    const file = path.join(dir, meta.schema, meta.table, name);
    await writeDmsFiles(duck.connection, meta, [{ path: file, file: { name, changes } }]);
    return { uri: file };
  };

  it("carries a value of every DMS type exactly", async () => {
    const file = await write(EVERY_TYPE, "LOAD00000001.parquet", [
      { op: "I", seq: "", timestamp: "2024-01-01 00:00:00.000000", values: VALUES },
    ]);
    const result = await applyBatchLocally({ duck, mysql }, EVERY_TYPE, [file]);
    expect(result.mysql).toEqual(result.duck);
    const cols = EVERY_TYPE.columns.map((c) => c.name);
    const q = (c: string) => `\`${c.replace(/`/g, "``")}\``;
    const [rows] = await mysql.connection.query(
      `SELECT ${cols.map((c) => (HEX[c] ? `HEX(${q(c)})` : `CAST(${q(c)} AS CHAR)`) + ` AS ${q(c)}`).join(", ")} FROM \`dbo__order lines\``,
    );
    const expected = Object.fromEntries(cols.map((c) => [c, HEX[c] ?? (c === "c_boolean" ? "1" : VALUES[c])]));
    expect((rows as Array<Record<string, string>>)[0]).toEqual(expected);
  });

  it("keeps keys that differ only by trailing spaces apart, as PostgreSQL and Oracle do (NO PAD collation)", async () => {
    const meta = PROPERTY_TABLES[1]; // sales."Stock Levels", key (seed, region, item)
    const row = (region: string, note: string) => ({ seed: "2", region, item: "1", note, level: "1" });
    const file = await write(meta, "20240103-000000000.parquet", [
      { op: "I", seq: "1", timestamp: "2024-01-03 00:00:00.000000", values: row("eu", "plain") },
      { op: "I", seq: "2", timestamp: "2024-01-03 00:00:00.000000", values: row("eu ", "padded") },
    ]);
    expect(mysql.flavor).toBe("mariadb");
    const r = await applyBatchLocally({ duck, mysql }, meta, [file]);
    expect(r.mysql).toEqual(r.duck);
    expect(r.mysql).toMatchObject({ inserted: 2 });
    const mine = (rows: Array<Record<string, unknown>>) =>
      canonicalRows(meta, rows)
        .filter((x) => x.seed === "2")
        .map((x) => `[${x.region}]:${x.note}`);
    expect(mine(await mysql.rows(meta))).toEqual(["[eu ]:padded", "[eu]:plain"]);
    expect(mine(await duck.rows(meta))).toEqual(["[eu ]:padded", "[eu]:plain"]);
    // The next test reads the whole table.
    await mysql.connection.query(`DELETE FROM ${mysql.plan(meta).name("target")} WHERE seed = 2`);
    await duck.connection.run(`DELETE FROM ${duck.plan(meta).name("target")} WHERE seed = 2`);
  });

  it("ends a history of deletes, late changes, a replayed full load and expiry exactly like DuckDB", async () => {
    const meta = PROPERTY_TABLES[1]; // sales."Stock Levels", key (seed, region, item)
    const ch = (
      op: "I" | "U" | "D",
      seq: string,
      region: string,
      note: string,
      timestamp = "2024-01-02 00:00:00.000000",
    ): ModelChange => ({
      op,
      seq,
      timestamp,
      values: { seed: "1", region, item: "1", note, level: "0.5" },
    });
    const load = await write(meta, "LOAD00000001.parquet", [
      ch("I", "", "eu", "load"),
      ch("I", "", "EU", "load"),
      ch("I", "", "us", "load"),
    ]);
    const cdc1 = await write(meta, "20240102-000000000.parquet", [
      ch("U", "7", "eu", "u7"),
      ch("D", "8", "EU", "d8", "2024-01-01 00:00:00.000000"),
      ch("I", "9", "a'b", "i9"),
    ]);
    const late = await write(meta, "20240102-000000001.parquet", [
      ch("U", "5", "eu", "late"),
      ch("U", "6", "EU", "late"),
      ch("D", "4", "us", "late"),
    ]);
    const batches = [[cdc1], [load], [late], [cdc1, load]];
    for (const b of batches) {
      const r = await applyBatchLocally({ duck, mysql }, meta, b, { tombstoneCutoff: "2023-12-31 00:00:00.000000" });
      expect(r.mysql).toEqual(r.duck);
    }
    // us: the late delete (seq 4) is still newer than the full-load row (seq 0), so it applies.
    const expectedNotes = ["a'b:i9", "eu:u7"];
    const notes = (rows: Array<Record<string, unknown>>) => canonicalRows(meta, rows).map((r) => `${r.region}:${r.note}`);
    expect(notes(await mysql.rows(meta))).toEqual(expectedNotes);
    expect(notes(await duck.rows(meta))).toEqual(expectedNotes);
    // Once EU's tombstone (2024-01-01) expires, the replayed full load brings the row back — in both targets alike —
    // while us (deleted 2024-01-02) stays guarded.
    const r = await applyBatchLocally({ duck, mysql }, meta, [load], { tombstoneCutoff: "2024-01-01 12:00:00.000000" });
    expect(r.mysql).toEqual(r.duck);
    await applyBatchLocally({ duck, mysql }, meta, [load]);
    expect(notes(await mysql.rows(meta))).toEqual(["EU:load", ...expectedNotes]);
    expect(notes(await duck.rows(meta))).toEqual(["EU:load", ...expectedNotes]);
  });

  it("agrees with DuckDB when a run that expires a tombstone is retried after MySQL committed and DuckDB failed", async () => {
    // A replayed manifest (DESIGN §4) runs the whole batch again on a MySQL target that already committed it. If the
    // first attempt expired a tombstone *after* merging, the retry would see the key unguarded and resurrect a row the
    // publication (which expires only once) keeps deleted — a disagreement no later run repairs.
    const meta = PROPERTY_TABLES[1];
    const ch = (op: "I" | "D", seq: string): ModelChange => ({
      op,
      seq,
      timestamp: "2024-01-01 00:00:00.000000",
      values: { seed: "2", region: "eu", item: "1", note: `${op}${seq}`, level: "0.5" },
    });
    const ins = await write(meta, "20240101-000000010.parquet", [ch("I", "10")]);
    const del = await write(meta, "20240101-000000020.parquet", [ch("D", "20")]);
    await applyBatchLocally({ duck, mysql }, meta, [ins, del]);

    // The late re-delivery of the insert arrives in the run whose cutoff expires the delete's tombstone.
    const cutoff = { tombstoneCutoff: "2024-01-05 00:00:00.000000" };
    const merge = jest.spyOn(duck, "merge").mockRejectedValueOnce(new Error("Iceberg commit failed"));
    await expect(applyBatchLocally({ duck, mysql }, meta, [ins], cutoff)).rejects.toThrow("Iceberg commit failed");
    merge.mockRestore();
    await applyBatchLocally({ duck, mysql }, meta, [ins], cutoff);

    const notes = (rows: Array<Record<string, unknown>>) =>
      canonicalRows(meta, rows)
        .filter((r) => r.seed === "2")
        .map((r) => `${r.region}:${r.note}`);
    // Expired tombstones guard nothing (what retention means), in both targets alike.
    expect(notes(await mysql.rows(meta))).toEqual(["eu:I10"]);
    expect(notes(await duck.rows(meta))).toEqual(["eu:I10"]);
  });

  it("runs its session in strict SQL mode with backslash escapes, whatever the server's default", async () => {
    const [rows] = await mysql.connection.query("SELECT @@SESSION.sql_mode AS mode");
    const modes = String((rows as Array<{ mode: string }>)[0].mode).split(",");
    expect(modes).toContain("STRICT_ALL_TABLES");
    expect(modes).not.toContain("NO_BACKSLASH_ESCAPES");
  });

  it("refuses staging rows whose columns are not the plan's", async () => {
    await expect(mysql.apply(PROPERTY_TABLES[1], { columns: ["x"], placeholders: ["?"], rows: [["1"]] })).rejects.toThrow(
      "sales.Stock Levels: staging rows have columns x, expected seed, region, item, note, level, _cdc_op, _cdc_seq, _cdc_timestamp, _cdc_row",
    );
  });
});
