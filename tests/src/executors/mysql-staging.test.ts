/**
 * The staging loader on real MariaDB: LOAD DATA LOCAL and the INSERT fallback store the same values byte for byte,
 * and a load that MySQL would quietly bend (a value too long, a key twice) is an error naming the staging table.
 */
import mysql from "mysql2/promise";
import { StagingLoader, tsvField } from "../../../src/executors/mysql-staging";
import type { StagingRows } from "../../../src/executors/mysql";
import { mysqlTestDatabase } from "../../support/databases";

const STAGING = "`loader_staging`";
const columns = ["id", "note", "raw"];
const placeholders = ["?", "?", "UNHEX(?)"];
/** Everything LOAD DATA's text format gives meaning to, plus what it does not. */
const NOTES: Array<string | null> = [
  "plain",
  "tab\there",
  "line\nbreak",
  "carriage\rreturn",
  "back\\slash",
  "\\N",
  "NULL",
  "",
  null,
  "nul\0byte",
  "€ ✓ é 😀",
  "'quoted' \"double\"",
  "trailing\\",
];
const batch = (notes: Array<string | null>, note = (n: string | null) => n): StagingRows => ({
  columns,
  placeholders,
  rows: notes.map((n, i) => [String(i + 1), note(n), i % 2 === 0 ? "00FF10" : null]),
});

const db = mysqlTestDatabase("cdc_staging_loader");
db.describe("staging loader", () => {
  let conn: mysql.Connection;
  /** A connection that does not offer LOCAL INFILE, as a MySQL 8 server with local_infile off refuses it. */
  let noLocal: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: db.url() });
    noLocal = await mysql.createConnection({ uri: db.url(), flags: ["-LOCAL_FILES"] });
  });
  afterAll(async () => {
    await conn.end();
    await noLocal.end();
  });
  beforeEach(async () => {
    await conn.query(`DROP TABLE IF EXISTS ${STAGING}`);
    await conn.query(
      `CREATE TABLE ${STAGING} (id BIGINT NOT NULL, note VARCHAR(20), raw VARBINARY(8), PRIMARY KEY (id)) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    );
  });
  const stored = async () => {
    const [rows] = await conn.query(`SELECT id, note, HEX(raw) AS raw FROM ${STAGING} ORDER BY id`);
    return (rows as Array<{ id: number; note: string | null; raw: string | null }>).map((r) => [r.id, r.note, r.raw]);
  };
  const expected = NOTES.map((n, i) => [i + 1, n, i % 2 === 0 ? "00FF10" : null]);

  it("stores every value exactly through LOAD DATA LOCAL", async () => {
    await new StagingLoader(conn).load(STAGING, batch(NOTES));
    expect(await stored()).toEqual(expected);
  });

  it("falls back to INSERTs when the server refuses LOCAL INFILE, with the same result", async () => {
    const loader = new StagingLoader(noLocal);
    await loader.load(STAGING, batch(NOTES));
    expect(await stored()).toEqual(expected);
    // Remembered: the second load goes straight to INSERTs (and works).
    await conn.query(`TRUNCATE TABLE ${STAGING}`);
    await loader.load(STAGING, batch(NOTES.slice(0, 2)));
    expect(await stored()).toEqual(expected.slice(0, 2));
  });

  it("refuses a value too long for its column instead of truncating it, on both paths", async () => {
    const tooLong = batch(["x".repeat(21)]);
    await expect(new StagingLoader(conn).load(STAGING, tooLong)).rejects.toThrow(
      /^`loader_staging`: staging load reported 1 warning\(s\), nothing was applied: Data truncated for column 'note'/,
    );
    await conn.query(`TRUNCATE TABLE ${STAGING}`);
    await expect(new StagingLoader(noLocal).load(STAGING, tooLong)).rejects.toThrow(/Data too long for column 'note'/);
  });

  it("refuses a batch that holds a key twice (it was not deduplicated)", async () => {
    const twice: StagingRows = {
      columns,
      placeholders,
      rows: [
        ["1", "a", null],
        ["1", "b", null],
      ],
    };
    await expect(new StagingLoader(conn).load(STAGING, twice)).rejects.toThrow(
      /^`loader_staging`: staging load reported 1 warning/,
    );
  });

  it("escapes exactly the characters the text format reserves", () => {
    expect(tsvField(null)).toBe("\\N");
    expect(tsvField("\\N")).toBe("\\\\N");
    expect(tsvField("a\tb\nc\rd\0e\\f")).toBe("a\\tb\\nc\\rd\\0e\\\\f");
    expect(tsvField("€'\"")).toBe("€'\"");
  });
});
