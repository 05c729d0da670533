import { connectionError, parseConnectionUrl } from "../../../metadata/extractors/connection";
import { readOracleCatalog } from "../../../metadata/extractors/oracle";
import { readSqlServerCatalog } from "../../../metadata/extractors/sqlserver";

describe("parseConnectionUrl", () => {
  it("splits the URL, decodes credentials and defaults the port per engine", () => {
    const c = parseConnectionUrl("sqlserver", "sqlserver://dms%40corp:p%40ss%3Aword@sales-db.internal/Sales?encrypt=false");
    expect({ ...c, params: c.params.toString() }).toEqual({
      host: "sales-db.internal",
      port: 1433,
      user: "dms@corp",
      password: "p@ss:word",
      database: "Sales",
      params: "encrypt=false",
    });
    expect(parseConnectionUrl("oracle", "oracle://u:p@erp:1522/ORCLPDB1")).toMatchObject({ port: 1522, database: "ORCLPDB1" });
    expect(parseConnectionUrl("postgres", "postgres://db.internal")).toMatchObject({ port: 5432, database: "", user: "" });
  });
});

describe("connectionError", () => {
  it("names engine, host and port and removes the password even when the driver repeats it", () => {
    const c = parseConnectionUrl("mysql", "mysql://app:Tr0ub4dor@db.internal:3307/shop");
    const err = connectionError("mysql", c, new Error("login failed for app with password Tr0ub4dor\nat line 2"));
    expect(err.message).toBe("cannot connect to mysql at db.internal:3307: login failed for app with password ***");
  });

  it("uses the parts of an AggregateError when it has no message of its own", () => {
    const c = parseConnectionUrl("postgres", "postgres://localhost/crm");
    const agg = new AggregateError(
      [new Error("connect ECONNREFUSED ::1:5432"), new Error("connect ECONNREFUSED 127.0.0.1:5432")],
      "",
    );
    expect(connectionError("postgres", c, agg).message).toBe(
      "cannot connect to postgres at localhost:5432: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432",
    );
  });
});

describe("drivers that cannot connect", () => {
  it("SQL Server (mssql): one line with host and port, no password", async () => {
    await expect(readSqlServerCatalog("sqlserver://sa:Pa55w0rd!@127.0.0.1:1/Sales")).rejects.toThrow(
      /^cannot connect to sqlserver at 127\.0\.0\.1:1: Failed to connect to 127\.0\.0\.1:1[^\n]*$/,
    );
  });

  it("Oracle (oracledb thin): one line with host and port, no password", async () => {
    const err = await readOracleCatalog("oracle://scott:tiger99@127.0.0.1:1/ORCLPDB1").catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^cannot connect to oracle at 127\.0\.0\.1:1: NJS-503: connection to host 127\.0\.0\.1 port 1 could not be established/,
    );
    expect((err as Error).message).not.toContain("tiger99");
  });
});
