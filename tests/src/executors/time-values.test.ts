/**
 * Source TIME columns end up the same in every target: DMS writes them as text (`HH:MM:SS[.fffffff]`, the table
 * mappings' change-data-type rule), and DuckDB and MySQL/MariaDB keep that text exactly — midnight, the last 100 ns of
 * the day and every fractional digit included — as a key and as a value, through inserts, updates and deletes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDbExecutor } from "../../../src/executors/duckdb";
import { applyBatchLocally } from "../../../src/executors/local-apply";
import { MySqlExecutor } from "../../../src/executors/mysql";
import { writeDmsFiles } from "../../support/change-batches";
import { mysqlTestDatabase } from "../../support/databases";
import { table } from "../../support/parquet-fixtures";
import { canonicalRows, ReferenceModel, type ModelChange, type ModelFile } from "../../support/reference-model";

/** SQL Server `shifts (starts time(7) PRIMARY KEY, t0 time(0), t3 time(3), pg6 time)`. */
const SHIFTS = table(
  "dbo",
  "shifts",
  [
    { name: "starts", dmsType: "TIME", scale: 7, length: 16, sourceType: "time" },
    { name: "t0", dmsType: "TIME", scale: 0, length: 16, sourceType: "time" },
    { name: "t3", dmsType: "TIME", scale: 3, length: 16, sourceType: "time" },
    { name: "pg6", dmsType: "TIME", scale: 6, length: 16, sourceType: "time without time zone" },
  ],
  ["starts"],
);

const row = (starts: string, t0: string | null, t3: string | null, pg6: string | null) => ({ starts, t0, t3, pg6 });
const ch = (op: ModelChange["op"], seq: string, values: ModelChange["values"]): ModelChange => ({
  op,
  seq,
  timestamp: "2024-01-02 03:04:05.000000",
  values,
});

const LOAD: ModelFile = {
  name: "LOAD00000001.parquet",
  changes: [
    ch("I", "", row("00:00:00.0000000", "00:00:00", "00:00:00.000", "00:00:00.000000")),
    ch("I", "", row("23:59:59.9999999", "23:59:59", "23:59:59.999", "23:59:59.999999")),
    ch("I", "", row("12:34:56.1234567", null, "12:34:56.123", "12:34:56.123456")),
    // Keys one 100 ns apart, and one that only trailing digits tell from another: both must stay distinct rows.
    ch("I", "", row("12:34:56.1234568", "12:34:56", null, null)),
    ch("I", "", row("08:00:00.5000000", "08:00:00", "08:00:00.500", "08:00:00.500000")),
  ],
};
const CDC: ModelFile = {
  name: "20240102-030405678.parquet",
  changes: [
    ch("U", "1", row("12:34:56.1234567", "13:00:00", "12:00:00.001", "00:00:00.000001")),
    ch("D", "2", row("00:00:00.0000000", "00:00:00", "00:00:00.000", "00:00:00.000000")),
    ch("I", "3", row("00:00:00.0000001", "00:00:01", "00:00:00.001", "23:59:59.999999")),
    ch("U", "4", row("23:59:59.9999999", "00:00:00", "23:59:59.999", null)),
  ],
};

const db = mysqlTestDatabase("cdc_time_values");
db.describe("TIME values through DuckDB and MariaDB", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-time-"));
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

  const write = async (file: ModelFile) => {
    const uri = path.join(dir, SHIFTS.schema, SHIFTS.table, file.name);
    await writeDmsFiles(duck.connection, SHIFTS, [{ path: uri, file }]);
    return { uri };
  };

  it("keeps every time exactly as DMS wrote it, key and values, equal to the reference model in both targets", async () => {
    const model = new ReferenceModel(SHIFTS);
    for (const file of [LOAD, CDC]) {
      const r = await applyBatchLocally({ duck, mysql }, SHIFTS, [await write(file)]);
      expect(r.mysql).toEqual(r.duck);
      model.applyBatch([file]);
      expect(canonicalRows(SHIFTS, await duck.rows(SHIFTS))).toEqual(model.rows());
      expect(canonicalRows(SHIFTS, await mysql.rows(SHIFTS))).toEqual(model.rows());
    }
    const starts = model.rows().map((r) => [r.starts, r.t0, r.t3, r.pg6]);
    expect(starts).toEqual(
      expect.arrayContaining([
        ["23:59:59.9999999", "00:00:00", "23:59:59.999", null],
        ["12:34:56.1234567", "13:00:00", "12:00:00.001", "00:00:00.000001"],
        ["12:34:56.1234568", "12:34:56", null, null],
        ["00:00:00.0000001", "00:00:01", "00:00:00.001", "23:59:59.999999"],
      ]),
    );
    expect(starts).toHaveLength(5);
  });

  it("stores TIME as text in both targets, never as a MySQL TIME", async () => {
    const [cols] = await mysql.connection.query(
      "SELECT column_name AS name, column_type AS type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'dbo__shifts' ORDER BY ordinal_position",
    );
    expect((cols as Array<{ name: string; type: string }>).slice(0, 4)).toEqual([
      { name: "starts", type: "varchar(16)" },
      { name: "t0", type: "varchar(16)" },
      { name: "t3", type: "varchar(16)" },
      { name: "pg6", type: "varchar(16)" },
    ]);
    const described = await duck.connection.runAndReadAll(`DESCRIBE ${duck.plan(SHIFTS).name("target")}`);
    const types = new Map(described.getRows().map((r) => [String(r[0]), String(r[1])]));
    expect(["starts", "t0", "t3", "pg6"].map((c) => types.get(c))).toEqual(["VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"]);
    // What the text avoids: TIME(6), the widest MySQL TIME, loses the 7th digit (MariaDB truncates; MySQL 8 rounds
    // 23:59:59.9999999 up to 24:00:00) and spells whole seconds with six zeros that DuckDB and Iceberg do not have.
    const [asTime] = await mysql.connection.query(
      "SELECT CAST(CAST('23:59:59.9999999' AS TIME(6)) AS CHAR) AS last, CAST(CAST('12:00:00' AS TIME(6)) AS CHAR) AS noon",
    );
    expect((asTime as Array<Record<string, string>>)[0]).toEqual({ last: "23:59:59.999999", noon: "12:00:00.000000" });
  });
});
