/**
 * The catalogue of refused names (DESIGN §4 "Names", issue #12 item 4): every case gets its exact one-line refusal,
 * both as the extractor reports it (`<schema>.<table>: …`) and as every loader reports it (`<file>: <field>: …`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { targetTypes } from "../../metadata/dms-types";
import { serializeMetadata, type TableMetadata } from "../../metadata/format";
import { readMetadataDir, writeMetadataDir } from "../../metadata/load";
import { checkMetadataNames, metadataNameProblems } from "../../metadata/name-checks";
import { UserError } from "../../src/errors";

function table(schema: string, name: string, columns: string[] = ["id"]): TableMetadata {
  return {
    schema,
    table: name,
    columns: columns.map((c, i) => ({
      name: c,
      ordinal: i + 1,
      sourceType: "integer",
      dmsType: "INT4" as const,
      nullable: i > 0,
      parquet: targetTypes({ dmsType: "INT4" }).parquet,
    })),
    primaryKey: [columns[0]],
    excluded: [],
  };
}

const SOURCE = { source: "shop", engine: "postgres" as const, database: "shop", extractedAt: "2026-11-01T10:00:00.000Z" };
const RESERVED_PIPELINE = "is reserved: the pipeline names its own columns _cdc_*";
const RESERVED_DMS = "is reserved: DMS adds Op, cdc_timestamp and cdc_seq to every file (names match case-insensitively)";
const RESERVED_DUCKDB = "is reserved: DuckDB adds file_row_number to the rows of the files it reads";
const PATHS = "schema and table names become file names and S3 key segments";
const RESERVED_HIDDEN = "is reserved: Spark and Iceberg give every row hidden columns of this name (_metadata, _file, _pos, …)";
const LONG_65 = "shipment_tracking_event_payload_received_from_the_carrier_gateway";

/** One table breaking one rule on its own: the refusal and the field the loader names. */
const SINGLE: Array<[title: string, table: TableMetadata, field: string, message: string, id?: string]> = [
  [
    "a column named _cdc_rank",
    table("shop", "orders", ["id", "_cdc_rank"]),
    "columns[1].name",
    `column _cdc_rank ${RESERVED_PIPELINE}`,
  ],
  [
    "the plan's next column, any case",
    table("shop", "orders", ["id", "_CDC_Tombstone_Seq"]),
    "columns[1].name",
    `column _CDC_Tombstone_Seq ${RESERVED_PIPELINE}`,
  ],
  [
    "any other _cdc_ name",
    table("shop", "orders", ["id", "_cdc_anything"]),
    "columns[1].name",
    `column _cdc_anything ${RESERVED_PIPELINE}`,
  ],
  [
    "file_row_number",
    table("shop", "orders", ["id", "file_row_number"]),
    "columns[1].name",
    `column file_row_number ${RESERVED_DUCKDB}`,
  ],
  ["op", table("shop", "orders", ["id", "op"]), "columns[1].name", `column op ${RESERVED_DMS}`],
  ["cdc_seq as the key", table("shop", "orders", ["cdc_seq"]), "columns[0].name", `column cdc_seq ${RESERVED_DMS}`],
  ["CDC_TIMESTAMP", table("shop", "orders", ["id", "CDC_TIMESTAMP"]), "columns[1].name", `column CDC_TIMESTAMP ${RESERVED_DMS}`],
  [
    "a 65-character column (MySQL allows 64)",
    table("shop", "orders", ["id", LONG_65]),
    "columns[1].name",
    `column ${LONG_65} is 65 characters; MySQL allows 64 (column names are never shortened)`,
  ],
  [
    "a control character in a column",
    table("shop", "orders", ["id", "a\tb"]),
    "columns[1].name",
    'column "a\\tb" contains a control character',
  ],
  [
    "a column beyond the BMP",
    table("shop", "orders", ["id", "price💶"]),
    "columns[1].name",
    "column price💶 contains a character beyond U+FFFF, which MySQL identifiers cannot hold",
  ],
  [
    "a column ending with a space",
    table("shop", "orders", ["id", "note "]),
    "columns[1].name",
    'column "note " ends with a space, which MySQL identifiers cannot',
  ],
  ["a traversing schema", table("x/../../../pwned", "t"), "schema", `schema x/../../../pwned contains "/": ${PATHS}`],
  ["a backslash in a schema", table("x\\y", "t"), "schema", `schema x\\y contains "\\": ${PATHS}`],
  ["a table with ..", table("shop", "a..b"), "table", `table a..b contains "..": ${PATHS}`],
  [
    "a control character in a table",
    table("shop", "a\nb"),
    "table",
    'table "a\\nb" contains a control character',
    '"shop.a\\nb"',
  ],
  [
    "a DEL in a schema",
    table("sh\u007fop", "t"),
    "schema",
    'schema "sh\\u007fop" contains a control character',
    '"sh\\u007fop.t"',
  ],
  [
    "a line separator in a table",
    table("shop", "a\u2028b"),
    "table",
    'table "a\\u2028b" contains a control character',
    '"shop.a\\u2028b"',
  ],
  [
    "a table ending with a space",
    table("shop", "orders "),
    "table",
    'table "orders " ends with a space, which MySQL identifiers cannot',
    '"shop.orders "',
  ],
  ["a table named .", table("shop", "."), "table", `table . is ".": ${PATHS}`],
  [
    "columns that differ only in case",
    table("shop", "orders", ["id", "customer", "Customer"]),
    "columns[2].name",
    "column Customer differs from column customer only in case; files and targets match column names case-insensitively",
  ],
  ["a column twice", table("shop", "orders", ["id", "note", "note"]), "columns[2].name", "column note appears twice"],
  [
    "Spark's hidden _metadata",
    table("shop", "orders", ["id", "_metadata"]),
    "columns[1].name",
    `column _metadata ${RESERVED_HIDDEN}`,
  ],
  ["Iceberg's hidden _file", table("shop", "orders", ["id", "_FILE"]), "columns[1].name", `column _FILE ${RESERVED_HIDDEN}`],
  [
    "a key that is not a column",
    { ...table("shop", "orders", ["id", "note"]), primaryKey: ["id", "nope"] },
    "primaryKey[1]",
    "primary-key column nope is not one of the table's replicated columns",
  ],
  [
    "a key column twice",
    { ...table("shop", "orders", ["id", "note"]), primaryKey: ["id", "id"] },
    "primaryKey[1]",
    "primary-key column id appears twice",
  ],
];

/** Tables that are each fine but collide: the later table (in id order) is named, with the earlier one. */
const PAIRS: Array<[title: string, tables: TableMetadata[], named: string, message: string]> = [
  [
    "x.a__b and x__a.b (same target table)",
    [table("x", "a__b"), table("x__a", "b")],
    "x__a.b",
    "its target table x__a__b is also the target table of x.a__b",
  ],
  [
    "dbo.Customer and dbo.customer",
    [table("dbo", "Customer"), table("dbo", "customer")],
    "dbo.customer",
    "differs only in case from dbo.Customer; DMS keys, Glue and the targets match names case-insensitively",
  ],
  [
    "DBO.Customer and dbo.Customer",
    [table("dbo", "Customer"), table("DBO", "Customer")],
    "dbo.Customer",
    "differs only in case from DBO.Customer; DMS keys, Glue and the targets match names case-insensitively",
  ],
  [
    "a table named like another's tombstones",
    [table("x", "a"), table("x", "a__tombstones")],
    "x.a__tombstones",
    "its target table x__a__tombstones is also the tombstone table of x.a",
  ],
  [
    "a table named like another's staging",
    [table("x", "a__staging"), table("x", "a")],
    "x.a__staging",
    "its target table x__a__staging is also the MySQL staging table of x.a",
  ],
  [
    "a-b.c and a_b.c (same Glue table)",
    [table("a_b", "c"), table("a-b", "c")],
    "a_b.c",
    "its Glue table a_b_c (harmonized files) is also that of a-b.c",
  ],
];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-meta-names-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes files as a hand edit would, past writeMetadataDir's checks; `file` overrides a table's file name. */
function writeRaw(tables: TableMetadata[], file = (t: TableMetadata) => `${t.schema}.${t.table}.json`): string[] {
  fs.mkdirSync(path.join(dir, "tables"));
  const files = tables.map((t) => path.join(dir, "tables", file(t)));
  tables.forEach((t, i) => fs.writeFileSync(files[i], serializeMetadata(t)));
  const ids = tables.map((t) => `${t.schema}.${t.table}`).sort();
  fs.writeFileSync(path.join(dir, "source.json"), serializeMetadata({ ...SOURCE, tables: ids }));
  return files;
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error("accepted");
}

describe("one table, one broken rule", () => {
  const cases = SINGLE.map(([title, t, field, message, shown]) => ({ title, t, field, message, shown }));
  it.each(cases)("$title: the extractor and every loader refuse it in one line", ({ t, field, message, shown }) => {
    // Names holding control characters or edge spaces are shown escaped, so the line stays one line.
    const id = shown ?? `${t.schema}.${t.table}`;
    expect(metadataNameProblems([t])).toEqual([`${id}: ${message}`]);
    expect(message).not.toMatch(/\n/);
    expect(refusal(() => checkMetadataNames([t]))).toBe(`${id}: ${message}`);
    // A traversing name cannot be a file name: a hand edit puts it in any file, and the schema refuses it there too.
    const [file] = writeRaw([t], () => "hand-edited.json");
    expect(refusal(() => readMetadataDir(dir))).toBe(`${file}: ${field}: ${message}`);
  });

  it("writeMetadataDir refuses before creating anything", () => {
    const out = path.join(dir, "out");
    expect(refusal(() => writeMetadataDir(out, { ...SOURCE, tables: [] }, [table("x/../../../pwned", "t")]))).toBe(
      `x/../../../pwned.t: schema x/../../../pwned contains "/": ${PATHS}`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("tables that collide", () => {
  it.each(PAIRS)("%s", (_, tables, named, message) => {
    expect(metadataNameProblems(tables)).toEqual([`${named}: ${message}`]);
    expect(metadataNameProblems([...tables].reverse())).toEqual([`${named}: ${message}`]);
    const files = writeRaw(tables);
    const file = files[tables.findIndex((t) => `${t.schema}.${t.table}` === named)];
    expect(refusal(() => readMetadataDir(dir))).toBe(`${file}: ${message}`);
  });

  it("a schema and table whose dots make the same id (only an extraction can hold both)", () => {
    expect(metadataNameProblems([table("a", "b.c"), table("a.b", "c")])).toEqual([
      "a.b.c: schema a.b and table c give the same id as schema a and table b.c",
    ]);
  });

  it("a Glue name over 255 bytes (SQL Server allows 128 characters per part)", () => {
    const t = table("s".repeat(128), "t".repeat(128));
    expect(metadataNameProblems([t])).toEqual([
      `${"s".repeat(128)}.${"t".repeat(128)}: its Glue table name ${"s".repeat(128)}_${"t".repeat(128)} is 257 bytes; Glue allows 255`,
    ]);
    expect(metadataNameProblems([table("s".repeat(127), "t".repeat(127))])).toEqual([]);
  });
});

describe("every problem at once", () => {
  it("the extractor lists each on its own line, under a count", () => {
    const tables = [table("dbo", "Customer", ["id", "op"]), table("dbo", "customer"), table("x", "a__b"), table("x__a", "b")];
    expect(refusal(() => checkMetadataNames(tables))).toBe(
      [
        "3 names refused:",
        `  dbo.Customer: column op ${RESERVED_DMS}`,
        "  dbo.customer: differs only in case from dbo.Customer; DMS keys, Glue and the targets match names case-insensitively",
        "  x__a.b: its target table x__a__b is also the target table of x.a__b",
      ].join("\n"),
    );
  });
});

describe("names that are fine", () => {
  it("mixed case, spaces, near-reserved names, 64-character columns and tables needing a shortened target", () => {
    const tables = [
      table("dbo", "Order Lines", ["Id", "action", "Op_Code", "cdc_seq_no", "_cdc", "operation", "x".repeat(64)]),
      table("shop", LONG_65),
      table("shop", "ünïcödé", ["名前"]),
    ];
    expect(metadataNameProblems(tables)).toEqual([]);
    writeMetadataDir(dir, { ...SOURCE, tables: [] }, tables);
    expect(readMetadataDir(dir).tables.map((t) => t.table)).toEqual(["Order Lines", LONG_65, "ünïcödé"]);
  });

  it.each(["sales", "crm"])("the committed example metadata of %s", (source) => {
    const { tables } = readMetadataDir(path.join(__dirname, "../../metadata/sources", source));
    expect(tables.length).toBeGreaterThan(0);
    expect(metadataNameProblems(tables)).toEqual([]);
  });
});
