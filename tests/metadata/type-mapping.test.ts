import * as fs from "node:fs";
import * as path from "node:path";
import type { Engine } from "../../src/config";
import { isLob, mapSourceType, type SourceColumnType, type TypeMapping } from "../../metadata/type-mapping";

type Row = [sourceType: string, input: Omit<SourceColumnType, "sourceType">, expected: TypeMapping];
const r = (dmsType: string, sizing: Record<string, number> = {}): TypeMapping => ({ replicated: { dmsType, ...sizing } as any });
// LOBs map to their DMS LOB type; only a table without a primary key excludes them (extract.test.ts).
const lob = (dmsType: "BLOB" | "CLOB" | "NCLOB"): TypeMapping => ({ replicated: { dmsType } });

// Each row follows the AWS DMS user guide's "Source data types for <engine>" table.
const SQLSERVER: Row[] = [
  ["bigint", {}, r("INT8")],
  ["bit", {}, r("BOOLEAN")],
  ["decimal", { precision: 18, scale: 2 }, r("NUMERIC", { precision: 18, scale: 2 })],
  ["numeric", { precision: 38, scale: 0 }, r("NUMERIC", { precision: 38, scale: 0 })],
  ["int", {}, r("INT4")],
  ["money", {}, r("NUMERIC", { precision: 19, scale: 4 })],
  ["smallmoney", {}, r("NUMERIC", { precision: 10, scale: 4 })],
  ["smallint", {}, r("INT2")],
  ["tinyint", {}, r("UINT1")],
  ["real", {}, r("REAL4")],
  ["float", {}, r("REAL8")],
  ["datetime", { scale: 3 }, r("DATETIME", { scale: 3 })],
  ["datetime2", { scale: 7 }, r("DATETIME", { scale: 7 })],
  ["smalldatetime", { scale: 0 }, r("DATETIME", { scale: 0 })],
  ["date", {}, r("DATE")],
  // TIME carries the length of the text it travels as (see targetTypes): `HH:MM:SS.fffffff`, whatever the scale.
  ["time", { scale: 3 }, r("TIME", { scale: 3, length: 16 })],
  ["datetimeoffset", { scale: 7 }, r("WSTRING", { length: 34 })],
  ["char", { length: 10 }, r("STRING", { length: 10 })],
  ["varchar", { length: 200 }, r("STRING", { length: 200 })],
  ["text", { length: 16 }, lob("CLOB")],
  ["nchar", { length: 2 }, r("WSTRING", { length: 2 })],
  ["nvarchar", { length: 100 }, r("WSTRING", { length: 100 })],
  ["ntext", {}, lob("NCLOB")],
  ["xml", { length: -1 }, lob("NCLOB")],
  ["binary", { length: 16 }, r("BYTES", { length: 16 })],
  ["varbinary", { length: 64 }, r("BYTES", { length: 64 })],
  ["image", {}, lob("BLOB")],
  ["timestamp", { length: 8 }, r("BYTES", { length: 8 })],
  ["rowversion", {}, r("BYTES", { length: 8 })],
  ["uniqueidentifier", {}, r("STRING", { length: 36 })],
  ["hierarchyid", {}, r("WSTRING", { length: 250 })],
  ["geometry", {}, lob("CLOB")],
  ["geography", {}, lob("CLOB")],
];
const SQLSERVER_EXTRA: Array<[string, Omit<SourceColumnType, "sourceType">, TypeMapping]> = [
  ["varchar", { length: -1 }, lob("CLOB")],
  ["char", { length: -1 }, lob("CLOB")],
  ["nvarchar", { length: -1 }, lob("NCLOB")],
  ["varbinary", { length: -1 }, lob("BLOB")],
  ["datetimeoffset", { scale: 0 }, r("WSTRING", { length: 26 })],
  ["datetimeoffset", { scale: 3 }, r("WSTRING", { length: 30 })],
  ["decimal", { precision: 38, scale: 10 }, r("NUMERIC", { precision: 38, scale: 10 })],
  ["sql_variant", {}, { excluded: "sql_variant: not a data type AWS DMS supports for SQL Server sources" }],
];

const MYSQL: Row[] = [
  ["tinyint", {}, r("INT1")],
  ["smallint", {}, r("INT2")],
  ["mediumint", {}, r("INT4")],
  ["int", {}, r("INT4")],
  ["bigint", {}, r("INT8")],
  ["decimal", { precision: 10, scale: 0 }, r("NUMERIC", { precision: 10, scale: 0 })],
  ["float", { precision: 12 }, r("REAL8")],
  ["double", {}, r("REAL8")],
  ["bit", { precision: 1 }, r("BOOLEAN")],
  ["binary", { length: 1 }, r("BYTES", { length: 1 })],
  ["varbinary", { length: 4000 }, r("BYTES", { length: 4000 })],
  ["tinyblob", { length: 255 }, r("BYTES", { length: 255 })],
  ["blob", { length: 65535 }, r("BYTES", { length: 65535 })],
  ["mediumblob", {}, lob("BLOB")],
  ["longblob", {}, lob("BLOB")],
  ["date", {}, r("DATE")],
  ["datetime", { scale: 0 }, r("DATETIME", { scale: 0 })],
  ["timestamp", { scale: 6 }, r("DATETIME", { scale: 6 })],
  ["time", {}, r("STRING", { length: 17 })],
  ["year", {}, r("INT2")],
  ["char", { length: 3 }, r("WSTRING", { length: 3 })],
  ["varchar", { length: 45 }, r("WSTRING", { length: 45 })],
  ["tinytext", { length: 255 }, r("WSTRING", { length: 255 })],
  ["text", { length: 65535 }, r("WSTRING", { length: 65535 })],
  ["mediumtext", {}, lob("NCLOB")],
  ["longtext", {}, lob("NCLOB")],
  ["enum", { values: ["new", "shipped", "cancelled"] }, r("WSTRING", { length: 9 })],
  ["set", { values: ["a", "bb", "ccc"] }, r("WSTRING", { length: 8 })],
  ["json", {}, lob("CLOB")],
  ["geometry", {}, lob("BLOB")],
  ["point", {}, lob("BLOB")],
  ["linestring", {}, lob("BLOB")],
  ["polygon", {}, lob("BLOB")],
  ["multipoint", {}, lob("BLOB")],
  ["multilinestring", {}, lob("BLOB")],
  ["multipolygon", {}, lob("BLOB")],
  ["geometrycollection", {}, lob("BLOB")],
];
const MYSQL_EXTRA: Row[] = [
  ["tinyint", { unsigned: true }, r("UINT1")],
  ["smallint", { unsigned: true }, r("UINT2")],
  ["mediumint", { unsigned: true }, r("UINT4")],
  ["int", { unsigned: true }, r("UINT4")],
  ["bigint", { unsigned: true }, r("UINT8")],
  ["bit", { precision: 64 }, r("BYTES", { length: 8 })],
  ["decimal", { precision: 65, scale: 4 }, r("STRING", { length: 67 })],
  ["uuid", { length: 36 }, { excluded: "uuid: not a data type AWS DMS supports for MySQL sources" }],
];

const POSTGRES: Row[] = [
  ["smallint", {}, r("INT2")],
  ["integer", {}, r("INT4")],
  ["bigint", {}, r("INT8")],
  ["numeric", { precision: 12, scale: 2 }, r("NUMERIC", { precision: 12, scale: 2 })],
  ["real", {}, r("REAL4")],
  ["double precision", {}, r("REAL8")],
  ["money", {}, r("NUMERIC", { precision: 38, scale: 4 })],
  ["character", { length: 1 }, r("WSTRING", { length: 1 })],
  ["character varying", { length: 40 }, r("WSTRING", { length: 40 })],
  ["text", {}, lob("NCLOB")],
  ["bytea", {}, lob("BLOB")],
  ["timestamp without time zone", { scale: 6 }, r("DATETIME", { scale: 6 })],
  ["timestamp with time zone", { scale: 3 }, r("DATETIME", { scale: 3 })],
  ["date", {}, r("DATE")],
  ["time without time zone", { scale: 6 }, r("TIME", { scale: 6, length: 16 })],
  ["time with time zone", { scale: 0 }, r("TIME", { scale: 0, length: 22 })],
  ["interval", { scale: 6 }, r("STRING", { length: 128 })],
  ["boolean", {}, r("STRING", { length: 5 })],
  ["cidr", {}, r("STRING", { length: 50 })],
  ["inet", {}, r("STRING", { length: 50 })],
  ["macaddr", {}, r("STRING", { length: 18 })],
  ["bit", { length: 4 }, r("STRING", { length: 4 })],
  ["bit varying", { length: 16 }, r("STRING", { length: 16 })],
  ["uuid", {}, r("STRING", { length: 36 })],
  ["tsvector", {}, lob("CLOB")],
  ["tsquery", {}, lob("CLOB")],
  ["xml", {}, lob("CLOB")],
  ["path", {}, lob("CLOB")],
  ["polygon", {}, lob("CLOB")],
  ["point", {}, r("STRING", { length: 255 })],
  ["line", {}, r("STRING", { length: 255 })],
  ["lseg", {}, r("STRING", { length: 255 })],
  ["box", {}, r("STRING", { length: 255 })],
  ["circle", {}, r("STRING", { length: 255 })],
  ["int4range", {}, r("STRING", { length: 255 })],
  ["int8range", {}, r("STRING", { length: 255 })],
  ["numrange", {}, r("STRING", { length: 255 })],
  ["tsrange", {}, r("STRING", { length: 255 })],
  ["tstzrange", {}, r("STRING", { length: 255 })],
  ["daterange", {}, r("STRING", { length: 255 })],
  ["json", {}, lob("NCLOB")],
  ["jsonb", {}, lob("NCLOB")],
  ["hstore", {}, lob("NCLOB")],
];
const POSTGRES_EXTRA: Row[] = [
  ["numeric", {}, r("NUMERIC", { precision: 28, scale: 6 })],
  ["numeric", { precision: 39, scale: 0 }, r("STRING", { length: 41 })],
  ["character varying", {}, r("WSTRING", { length: 8000 })],
  ["order_status", { isEnum: true }, r("STRING", { length: 64 })],
  ["int4[]", { isArray: true }, lob("NCLOB")],
  ["geometry", {}, { excluded: "geometry: not a data type AWS DMS supports for PostgreSQL sources" }],
];

const ORACLE: Row[] = [
  ["binary_float", {}, r("REAL4")],
  ["binary_double", {}, r("REAL8")],
  ["float", { precision: 24 }, r("REAL4")],
  ["number", { precision: 10, scale: 2 }, r("NUMERIC", { precision: 10, scale: 2 })],
  ["date", {}, r("DATETIME", { scale: 0 })],
  ["timestamp", { scale: 6 }, r("DATETIME", { scale: 6 })],
  ["timestamp with time zone", { scale: 6 }, r("STRING")],
  ["timestamp with local time zone", { scale: 6 }, r("STRING")],
  ["interval year to month", {}, r("STRING")],
  ["interval day to second", {}, r("STRING")],
  ["char", { length: 1 }, r("STRING", { length: 1 })],
  ["varchar2", { length: 100 }, r("STRING", { length: 100 })],
  ["nchar", { length: 5 }, r("WSTRING", { length: 5 })],
  ["nvarchar2", { length: 50 }, r("WSTRING", { length: 50 })],
  ["raw", { length: 16 }, r("BYTES", { length: 16 })],
  ["blob", {}, lob("BLOB")],
  ["long raw", {}, lob("BLOB")],
  ["clob", {}, lob("CLOB")],
  ["long", {}, lob("CLOB")],
  ["xmltype", {}, lob("CLOB")],
  ["nclob", {}, lob("NCLOB")],
  ["sdo_geometry", {}, lob("BLOB")],
];
const ORACLE_EXTRA: Row[] = [
  ["float", { precision: 126 }, r("REAL8")],
  ["number", {}, r("NUMERIC", { precision: 38, scale: 10 })],
  ["number", { scale: 0 }, r("NUMERIC", { precision: 38, scale: 0 })],
  ["number", { precision: 1, scale: 0 }, r("INT1")],
  ["number", { precision: 2, scale: 0 }, r("INT1")],
  ["number", { precision: 3, scale: 0 }, r("INT2")],
  ["number", { precision: 4, scale: 0 }, r("INT2")],
  ["number", { precision: 5, scale: 0 }, r("INT4")],
  ["number", { precision: 9, scale: 0 }, r("INT4")],
  ["number", { precision: 10, scale: 0 }, r("NUMERIC", { precision: 10, scale: 0 })],
  ["number", { precision: 5, scale: -2 }, r("REAL8")],
  ["bfile", {}, { excluded: "bfile: not a data type AWS DMS supports for Oracle sources" }],
  ["urowid", {}, { excluded: "urowid: not a data type AWS DMS supports for Oracle sources" }],
  [
    "number",
    { precision: 10, scale: 0, isVirtual: true },
    { excluded: "virtual column: AWS DMS does not replicate Oracle virtual columns" },
  ],
];

const TABLES: Record<Engine, [documented: Row[], edges: Row[]]> = {
  sqlserver: [SQLSERVER, SQLSERVER_EXTRA],
  mysql: [MYSQL, MYSQL_EXTRA],
  postgres: [POSTGRES, POSTGRES_EXTRA],
  oracle: [ORACLE, ORACLE_EXTRA],
};

describe.each(Object.entries(TABLES) as Array<[Engine, [Row[], Row[]]]>)("%s source types", (engine, [documented, edges]) => {
  it.each([...documented, ...edges])("%s %j", (sourceType, input, expected) => {
    expect(mapSourceType(engine, { sourceType, ...input })).toEqual(expected);
  });

  it("covers every type the mapping names", () => {
    // Guards "every row of the mapping is covered by a test": each `case` label of the engine's function appears here.
    const fn = { sqlserver: "sqlServerType", mysql: "mysqlType", postgres: "postgresType", oracle: "oracleType" }[engine];
    const source = fs.readFileSync(path.join(__dirname, "../../metadata/type-mapping.ts"), "utf8");
    const body = source.slice(source.indexOf(`function ${fn}(`), source.indexOf("\n}\n", source.indexOf(`function ${fn}(`)));
    const cases = [...body.matchAll(/case "([^"]+)":/g)].map((m) => m[1]);
    expect(cases.length).toBeGreaterThan(10);
    expect(cases.filter((c) => !documented.some(([t]) => t === c))).toEqual([]);
  });
});

it("knows the DMS LOB types, which the LOB settings and validation treat apart", () => {
  expect(["BLOB", "CLOB", "NCLOB"].every((t) => isLob(t as "BLOB"))).toBe(true);
  expect(isLob("WSTRING")).toBe(false);
  expect(isLob("BYTES")).toBe(false);
});
