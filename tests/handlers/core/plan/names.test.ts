/**
 * Target naming: `<schema>__<table>` in lower case, shortened deterministically when a physical table would not fit
 * MySQL's 64 characters, and proven on a real MariaDB server: the shortened names are created, the full ones refused.
 */
import mysql from "mysql2/promise";
import { mariadb } from "../../../../handlers/core/plan/dialect";
import { defaultTableNames, MAX_BASE_NAME, targetBaseName } from "../../../../handlers/core/plan/names";
import { TablePlan } from "../../../../handlers/core/plan/plan";
import { mysqlTestDatabase } from "../../../support/databases";
import { EVERY_TYPE } from "./fixtures";

/** 65 characters: one more than a MySQL (or SQL Server source's) table name may have in MySQL. */
const LONG = "shipment_tracking_event_payload_received_from_the_carrier_gateway";

describe("defaultTableNames", () => {
  it("is <schema>__<table> in lower case, with tombstones and staging next to it, under a namespace", () => {
    expect(defaultTableNames({ schema: "dbo", table: "Order Lines" }, ["glue_catalog", "cdc_dev_sales"])).toEqual({
      target: ["glue_catalog", "cdc_dev_sales", "dbo__order lines"],
      tombstones: ["glue_catalog", "cdc_dev_sales", "dbo__order lines__tombstones"],
      staging: ["glue_catalog", "cdc_dev_sales", "dbo__order lines__staging"],
    });
  });

  it("leaves every name whose tombstone table fits 64 characters unchanged", () => {
    const fits = { schema: "shop", table: "t".repeat(MAX_BASE_NAME - "shop__".length) };
    expect(MAX_BASE_NAME).toBe(52);
    expect(targetBaseName(fits)).toBe(`shop__${fits.table}`);
    expect(defaultTableNames(fits).tombstones[0]).toHaveLength(64);
  });

  it("shortens a longer one to its start and end around a hash of the whole name, the same every time", () => {
    expect(LONG).toHaveLength(65);
    const names = defaultTableNames({ schema: "Shop", table: LONG });
    expect(names).toEqual({
      target: ["shop__shipment_tracki_4c1d6dd6_m_the_carrier_gateway"],
      tombstones: ["shop__shipment_tracki_4c1d6dd6_m_the_carrier_gateway__tombstones"],
      staging: ["shop__shipment_tracki_4c1d6dd6_m_the_carrier_gateway__staging"],
    });
    expect(Object.values(names).map((n) => [...n[0]].length)).toEqual([52, 64, 61]);
    // The hash is of the lower-cased full name: another name with the same start and end gets another hash.
    const twin = targetBaseName({ schema: "shop", table: LONG.replace("payload", "PAYLOAD_") });
    expect(twin.slice(0, 21)).toBe(names.target[0].slice(0, 21));
    expect(twin.slice(-21)).toBe(names.target[0].slice(-21));
    expect(twin).not.toBe(names.target[0]);
  });

  it("counts characters, not UTF-16 units, and never splits one", () => {
    const base = targetBaseName({ schema: "shop", table: "é".repeat(60) });
    expect([...base]).toHaveLength(52);
    expect(base).toMatch(/^shop__é+_[0-9a-f]{8}_é+$/);
  });
});

const db = mysqlTestDatabase("cdc_plan_names");
db.describe("long table names on MariaDB", () => {
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: db.url() });
  });
  afterAll(() => conn.end());

  it("creates the shortened target, tombstone and staging tables; the unshortened tombstone table is refused", async () => {
    const meta = { ...EVERY_TYPE, schema: "shop", table: LONG };
    for (const sql of new TablePlan(meta, mariadb).create()) await conn.query(sql);
    const [rows] = await conn.query(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1",
    );
    expect((rows as Array<{ t: string }>).map((r) => r.t)).toEqual(
      Object.values(defaultTableNames(meta))
        .map((n) => n[0])
        .sort(),
    );
    await expect(conn.query(`CREATE TABLE \`shop__${LONG}__tombstones\` (id INT)`)).rejects.toThrow(/Incorrect table name/);
  });
});
