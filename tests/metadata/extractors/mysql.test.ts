import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import mysql from "mysql2/promise";
import { readMetadataDir } from "../../../metadata/load";
import { lobReason } from "../../../metadata/type-mapping";
import { cdc } from "../../support/cli";
import { mysqlTestDatabase } from "../../support/databases";
import { readTree } from "./tree";

const db = mysqlTestDatabase("cdc_meta_mysql");

const SCHEMA = [
  `CREATE TABLE everything (
     id BIGINT UNSIGNED NOT NULL,
     tiny TINYINT, tiny_u TINYINT UNSIGNED, small SMALLINT, small_u SMALLINT UNSIGNED, medium MEDIUMINT,
     int_s INT, int_u INT UNSIGNED, big BIGINT,
     amount DECIMAL(12,2) NOT NULL, ratio FLOAT, measure DOUBLE,
     code CHAR(3), name VARCHAR(100) NOT NULL, body TEXT,
     day DATE, at_time TIME, happened DATETIME(3), stamped TIMESTAMP(6) NULL DEFAULT NULL, yr YEAR,
     flag BOOLEAN, bitflag BIT(1),
     doc JSON, uid UUID, uid_char CHAR(36),
     hash BINARY(16), raw VARBINARY(64), small_blob BLOB, big_blob LONGBLOB,
     status ENUM('new','shipped','cancelled') NOT NULL, tags SET('a','bb','ccc'),
     PRIMARY KEY (id))`,
  // The key's order (line_no, order_id) differs from the columns' on purpose.
  `CREATE TABLE order_lines (order_id INT NOT NULL, line_no SMALLINT NOT NULL, sku VARCHAR(40) NOT NULL, PRIMARY KEY (line_no, order_id))`,
  `CREATE TABLE event_log (happened DATETIME NOT NULL, who VARCHAR(64) NOT NULL, details MEDIUMTEXT)`,
  `CREATE VIEW everything_ids AS SELECT id FROM everything`,
];

type Expected = [name: string, sourceType: string, dmsType: string, sizing: Record<string, number>, nullable: boolean];
const EVERYTHING: Expected[] = [
  ["id", "bigint", "UINT8", {}, false],
  ["tiny", "tinyint", "INT1", {}, true],
  ["tiny_u", "tinyint", "UINT1", {}, true],
  ["small", "smallint", "INT2", {}, true],
  ["small_u", "smallint", "UINT2", {}, true],
  ["medium", "mediumint", "INT4", {}, true],
  ["int_s", "int", "INT4", {}, true],
  ["int_u", "int", "UINT4", {}, true],
  ["big", "bigint", "INT8", {}, true],
  ["amount", "decimal", "NUMERIC", { precision: 12, scale: 2 }, false],
  ["ratio", "float", "REAL8", {}, true],
  ["measure", "double", "REAL8", {}, true],
  ["code", "char", "WSTRING", { length: 3 }, true],
  ["name", "varchar", "WSTRING", { length: 100 }, false],
  ["body", "text", "WSTRING", { length: 65535 }, true],
  ["day", "date", "DATE", {}, true],
  ["at_time", "time", "STRING", { length: 17 }, true],
  ["happened", "datetime", "DATETIME", { scale: 3 }, true],
  ["stamped", "timestamp", "DATETIME", { scale: 6 }, true],
  ["yr", "year", "INT2", {}, true],
  ["flag", "tinyint", "INT1", {}, true],
  ["bitflag", "bit", "BOOLEAN", {}, true],
  ["uid_char", "char", "WSTRING", { length: 36 }, true],
  ["hash", "binary", "BYTES", { length: 16 }, true],
  ["raw", "varbinary", "BYTES", { length: 64 }, true],
  ["small_blob", "blob", "BYTES", { length: 65535 }, true],
  ["status", "enum", "WSTRING", { length: 9 }, false],
  ["tags", "set", "WSTRING", { length: 8 }, true],
];

db.describe("MySQL extractor against MariaDB", () => {
  let out: string;
  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: db.url() });
    for (const stmt of SCHEMA) await c.query(stmt);
    await c.end();
  });
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-meta-mysql-"));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  const extract = (...extra: string[]) =>
    cdc("metadata", "extract", "--engine", "mysql", "--url", db.url(), "--source", "shop", "--out", out, ...extra);

  it("extracts every base table, field by field, with progress per table", async () => {
    const r = await extract();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${out}: 3 tables, written \\(extractedAt \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`));
    expect(r.stderr.split("\n")).toEqual([
      `reading the mysql catalog at ${hostPort(db.url())}/cdc_meta_mysql`,
      "  cdc_meta_mysql.event_log: 2 columns, 1 excluded (details), no primary key: published as an append-only change log",
      "  cdc_meta_mysql.everything: 30 columns, 1 excluded (uid), primary key (id)",
      "  cdc_meta_mysql.order_lines: 3 columns, primary key (line_no, order_id)",
    ]);
    const { source, tables } = readMetadataDir(out);
    expect(source).toMatchObject({ source: "shop", engine: "mysql", database: "cdc_meta_mysql" });
    expect(source.tables).toEqual(["cdc_meta_mysql.event_log", "cdc_meta_mysql.everything", "cdc_meta_mysql.order_lines"]);

    const everything = tables.find((t) => t.table === "everything")!;
    const notLob = everything.columns.filter((c) => c.lob === undefined);
    expect(notLob.map((c) => [c.name, c.sourceType, c.dmsType, pick(c), c.nullable])).toEqual(EVERYTHING);
    expect(everything.columns.map((c) => c.ordinal)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30, 31,
    ]);
    // A keyed table replicates its LOBs: JSON (LONGTEXT in MariaDB) as a string, LONGBLOB as binary.
    expect(everything.columns.filter((c) => c.lob === true).map((c) => [c.name, c.sourceType, c.dmsType, c.parquet])).toEqual([
      ["doc", "longtext", "NCLOB", { physical: "BYTE_ARRAY", logical: { type: "STRING" } }],
      ["big_blob", "longblob", "BLOB", { physical: "BYTE_ARRAY" }],
    ]);
    expect(everything.primaryKey).toEqual(["id"]);
    // MariaDB stores JSON as LONGTEXT (its catalog says so) and has a native UUID type DMS does not document.
    expect(everything.excluded).toEqual([
      { name: "uid", ordinal: 24, sourceType: "uuid", reason: "uuid: not a data type AWS DMS supports for MySQL sources" },
    ]);
    expect(everything.columns.find((c) => c.name === "id")!.parquet).toEqual({
      physical: "INT64",
      logical: { type: "INTEGER", bitWidth: 64, signed: false },
    });
    expect(everything.columns.find((c) => c.name === "amount")!.parquet).toEqual({
      physical: "FIXED_LEN_BYTE_ARRAY",
      length: 6,
      logical: { type: "DECIMAL", precision: 12, scale: 2 },
    });

    expect(tables.find((t) => t.table === "order_lines")).toMatchObject({
      primaryKey: ["line_no", "order_id"],
      columns: [
        { name: "order_id", dmsType: "INT4", nullable: false },
        { name: "line_no", dmsType: "INT2", nullable: false },
        { name: "sku", dmsType: "WSTRING", length: 40, nullable: false },
      ],
      excluded: [],
    });
    expect(tables.find((t) => t.table === "event_log")).toMatchObject({
      primaryKey: [],
      excluded: [{ name: "details", sourceType: "mediumtext", reason: lobReason("NCLOB") }],
    });
  });

  it("changes no byte when the database has not changed, and moves extractedAt when it has", async () => {
    expect((await extract()).code).toBe(0);
    const first = readTree(out);
    const again = await extract();
    expect(again.stdout).toBe(`${out}: 3 tables, unchanged`);
    expect(readTree(out)).toEqual(first);

    const c = await mysql.createConnection({ uri: db.url() });
    await c.query("ALTER TABLE order_lines ADD COLUMN qty INT NOT NULL DEFAULT 1");
    try {
      const changed = await extract();
      expect(changed.stdout).toMatch(/3 tables, written/);
      const after = readTree(out);
      expect(after["tables/cdc_meta_mysql.order_lines.json"]).not.toBe(first["tables/cdc_meta_mysql.order_lines.json"]);
      expect(after["tables/cdc_meta_mysql.everything.json"]).toBe(first["tables/cdc_meta_mysql.everything.json"]);
      expect(JSON.parse(after["source.json"]).extractedAt > JSON.parse(first["source.json"]).extractedAt).toBe(true);
    } finally {
      await c.query("ALTER TABLE order_lines DROP COLUMN qty");
      await c.end();
    }
  });

  it("selects tables with --include and --exclude globs, case-insensitively, and removes files of dropped ones", async () => {
    await extract();
    const r = await extract("--include", "CDC_META_MYSQL.*", "--exclude", "*.event_?og");
    expect(r.code).toBe(0);
    expect(fs.readdirSync(path.join(out, "tables")).sort()).toEqual([
      "cdc_meta_mysql.everything.json",
      "cdc_meta_mysql.order_lines.json",
    ]);
    const none = await extract("--include", "other.*");
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("cdc: mysql database cdc_meta_mysql: no tables to extract (--include other.*)");
  });

  it("fails in one line naming host and port, never the password", async () => {
    const u = new URL(db.url());
    const url = `mysql://cdc_nobody:s3cr3t-pw@${u.host}${u.pathname}`;
    const r = await cdc("metadata", "extract", "--engine", "mysql", "--url", url, "--source", "shop", "--out", out);
    expect(r.code).toBe(1);
    const last = r.stderr.split("\n").pop()!;
    expect(last.startsWith(`cdc: cannot connect to mysql at ${hostPort(db.url())}: Access denied for user 'cdc_nobody'@`)).toBe(
      true,
    );
    expect(r.stderr + r.stdout).not.toContain("s3cr3t-pw");
  });
});

function hostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 3306}`;
}

function pick(c: { length?: number; precision?: number; scale?: number }): Record<string, number> {
  const out: Record<string, number> = {};
  if (c.length !== undefined) out.length = c.length;
  if (c.precision !== undefined) out.precision = c.precision;
  if (c.scale !== undefined) out.scale = c.scale;
  return out;
}
