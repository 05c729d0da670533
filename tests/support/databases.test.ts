import mysql from "mysql2/promise";
import { Client } from "pg";
import { mysqlTestDatabase, postgresTestDatabase } from "./databases";

const my = mysqlTestDatabase("cdc_support_probe");
my.describe("a MariaDB scratch database", () => {
  it("exists, empty, for the file's tests", async () => {
    const c = await mysql.createConnection({ uri: my.url() });
    const [rows] = await c.query(
      "SELECT DATABASE() AS db, (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()) AS n",
    );
    await c.end();
    expect(rows).toEqual([{ db: "cdc_support_probe", n: 0 }]);
  });
});

const pg = postgresTestDatabase("cdc_support_probe");
pg.describe("a PostgreSQL scratch database", () => {
  it("exists for the file's tests", async () => {
    const c = new Client({ connectionString: pg.url() });
    await c.connect();
    const r = await c.query("SELECT current_database() AS db");
    await c.end();
    expect(r.rows).toEqual([{ db: "cdc_support_probe" }]);
  });
});
