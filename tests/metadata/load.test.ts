import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { targetTypes } from "../../metadata/dms-types";
import type { SourceMetadata, TableMetadata } from "../../metadata/format";
import { findTable, readMetadataDir, writeMetadataDir } from "../../metadata/load";
import { UserError } from "../../src/errors";

const source: SourceMetadata = {
  source: "crm",
  engine: "postgres",
  database: "crm",
  extractedAt: "2026-11-01T10:00:00.000Z",
  tables: [],
};

function table(schema: string, name: string, pk: string[] = ["id"]): TableMetadata {
  return {
    schema,
    table: name,
    columns: [
      {
        name: "id",
        ordinal: 1,
        sourceType: "integer",
        dmsType: "INT4",
        nullable: false,
        parquet: targetTypes({ dmsType: "INT4" }).parquet,
      },
      {
        name: "name",
        ordinal: 2,
        sourceType: "character varying",
        dmsType: "WSTRING",
        length: 100,
        nullable: true,
        parquet: targetTypes({ dmsType: "WSTRING" }).parquet,
      },
    ],
    primaryKey: pk,
    excluded: [{ name: "doc", ordinal: 3, sourceType: "bytea", reason: "LOB" }],
  };
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-meta-load-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const tablesFile = (id: string) => path.join(dir, "tables", `${id}.json`);
const edit = (file: string, change: (json: any) => void) => {
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  change(json);
  fs.writeFileSync(file, JSON.stringify(json));
};
const readError = () => {
  try {
    readMetadataDir(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error("readMetadataDir accepted invalid metadata");
};

describe("writeMetadataDir / readMetadataDir", () => {
  it("round-trips, lists the tables sorted and writes sorted keys with a trailing newline", () => {
    writeMetadataDir(dir, source, [table("public", "orders"), table("public", "customers")]);
    const read = readMetadataDir(dir);
    expect(read.source).toEqual({ ...source, tables: ["public.customers", "public.orders"] });
    expect(read.tables).toEqual([table("public", "customers"), table("public", "orders")]);
    const text = fs.readFileSync(tablesFile("public.orders"), "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual(["columns", "excluded", "primaryKey", "schema", "table"]);
    expect(fs.readFileSync(path.join(dir, "source.json"), "utf8")).toBe(
      '{\n  "database": "crm",\n  "engine": "postgres",\n  "extractedAt": "2026-11-01T10:00:00.000Z",\n' +
        '  "source": "crm",\n  "tables": ["public.customers", "public.orders"]\n}\n',
    );
  });

  it("removes files of tables no longer present and leaves unchanged files untouched", () => {
    writeMetadataDir(dir, source, [table("public", "orders"), table("public", "customers")]);
    const before = fs.statSync(tablesFile("public.orders")).mtimeMs;
    fs.utimesSync(tablesFile("public.orders"), new Date(0), new Date(0));
    writeMetadataDir(dir, source, [table("public", "orders")]);
    expect(fs.readdirSync(path.join(dir, "tables"))).toEqual(["public.orders.json"]);
    expect(fs.statSync(tablesFile("public.orders")).mtimeMs).not.toBe(before);
    expect(fs.statSync(tablesFile("public.orders")).mtimeMs).toBe(0);
    expect(readMetadataDir(dir).source.tables).toEqual(["public.orders"]);
  });

  it("refuses tables whose ids differ only in case", () => {
    expect(() => writeMetadataDir(dir, source, [table("dbo", "Orders"), table("dbo", "orders")])).toThrow(
      "dbo.orders: differs only in case from dbo.Orders; DMS keys, Glue and the targets match names case-insensitively",
    );
  });
});

describe("readMetadataDir errors name the file and the field", () => {
  beforeEach(() => writeMetadataDir(dir, source, [table("public", "orders"), table("public", "customers")]));

  it("an unknown DMS type", () => {
    edit(tablesFile("public.orders"), (j) => (j.columns[1].dmsType = "VARCHAR"));
    expect(readError()).toMatch(
      new RegExp(
        `^${tablesFile("public.orders")}: columns\\[1\\]\\.dmsType: expected one of "BOOLEAN", "BYTES", .*received "VARCHAR"$`,
      ),
    );
  });

  it("a missing field and an unknown one", () => {
    edit(tablesFile("public.orders"), (j) => delete j.columns[0].nullable);
    expect(readError()).toBe(`${tablesFile("public.orders")}: columns[0].nullable: missing; expected a boolean`);
    edit(tablesFile("public.orders"), (j) => {
      j.columns[0].nullable = false;
      j.columns[0].comment = "x";
    });
    expect(readError()).toBe(
      `${tablesFile("public.orders")}: columns[0].comment: unknown field; expected one of name, ordinal, sourceType, dmsType, length, precision, scale, nullable, parquet, lob`,
    );
  });

  it("a misspelt field, with the one it probably meant", () => {
    edit(tablesFile("public.orders"), (j) => {
      j.columns[0].nulable = j.columns[0].nullable;
      delete j.columns[0].nullable;
    });
    expect(readError()).toBe(`${tablesFile("public.orders")}: columns[0].nulable: unknown field; did you mean "nullable"?`);
  });

  it("a bad extractedAt in source.json", () => {
    edit(path.join(dir, "source.json"), (j) => (j.extractedAt = "yesterday"));
    expect(readError()).toMatch(new RegExp(`^${path.join(dir, "source.json")}: extractedAt: `));
  });

  it("not JSON", () => {
    fs.writeFileSync(tablesFile("public.orders"), "{");
    expect(readError()).toMatch(new RegExp(`^${tablesFile("public.orders")}: not valid JSON`));
  });

  it("a missing source.json", () => {
    fs.rmSync(path.join(dir, "source.json"));
    expect(readError()).toBe(`${path.join(dir, "source.json")}: cannot read metadata (ENOENT)`);
  });

  it("source.json listing a table without a file, or missing one that has a file", () => {
    fs.rmSync(tablesFile("public.customers"));
    expect(readError()).toMatch(/source\.json: tables lists public\.customers but .*tables has no file for it$/);
    edit(path.join(dir, "source.json"), (j) => (j.tables = []));
    expect(readError()).toMatch(/source\.json: tables does not list public\.orders \(found in .*tables\)$/);
  });

  it("a file named after another table", () => {
    edit(tablesFile("public.orders"), (j) => (j.table = "order"));
    expect(readError()).toBe(
      `${tablesFile("public.orders")}: schema and table say public.order; the file must be named public.order.json`,
    );
  });

  it("a primary key that is not a replicated column, duplicate names and ordinals out of order", () => {
    edit(tablesFile("public.orders"), (j) => (j.primaryKey = ["id", "doc"]));
    expect(readError()).toBe(
      `${tablesFile("public.orders")}: primaryKey[1]: primary-key column doc is not one of the table's replicated columns`,
    );
    edit(tablesFile("public.orders"), (j) => {
      j.primaryKey = ["id"];
      j.excluded[0].name = "NAME";
    });
    expect(readError()).toBe(`${tablesFile("public.orders")}: excluded[0].name: NAME is also columns[1].name`);
    edit(tablesFile("public.orders"), (j) => {
      j.excluded[0].name = "doc";
      j.columns[1].ordinal = 3;
    });
    expect(readError()).toBe(`${tablesFile("public.orders")}: excluded[0].ordinal: 3 is used by another column`);
    edit(tablesFile("public.orders"), (j) => {
      j.columns[0].ordinal = 4;
      j.excluded[0].ordinal = 5;
    });
    expect(readError()).toBe(`${tablesFile("public.orders")}: columns[1].ordinal: columns must be in source ordinal order`);
  });
});

describe("TIME columns", () => {
  beforeEach(() => writeMetadataDir(dir, source, [table("public", "orders")]));
  const timeColumn = (parquet: unknown) => ({
    name: "opens_at",
    ordinal: 4,
    sourceType: "time without time zone",
    dmsType: "TIME",
    scale: 6,
    nullable: true,
    parquet,
  });

  it("are read when they travel as text", () => {
    edit(tablesFile("public.orders"), (j) =>
      j.columns.push({ ...timeColumn(targetTypes({ dmsType: "TIME" }).parquet), length: 16 }),
    );
    expect(readMetadataDir(dir).tables[0].columns[2]).toMatchObject({ name: "opens_at", dmsType: "TIME", length: 16 });
  });

  it("are refused as a Parquet TIME (metadata from before the change-data-type rule), saying why and what to do", () => {
    edit(tablesFile("public.orders"), (j) =>
      j.columns.push(timeColumn({ physical: "INT32", logical: { type: "TIME", unit: "MILLIS" } })),
    );
    expect(readError()).toBe(
      `${tablesFile("public.orders")}: columns[2].parquet: opens_at (DMS TIME) must be BYTE_ARRAY STRING: TIME columns travel as text HH:MM:SS[.fffffff], since Spark 3.5 and Athena cannot read a Parquet TIME; re-extract the metadata`,
    );
  });
});

describe("findTable", () => {
  it("matches schema and table case-insensitively", () => {
    const tables = [table("dbo", "InvoiceLine"), table("dbo", "Invoice")];
    expect(findTable(tables, "DBO", "invoice")).toBe(tables[1]);
    expect(findTable(tables, "dbo", "invoiceline")).toBe(tables[0]);
    expect(findTable(tables, "billing", "Invoice")).toBeUndefined();
  });
});

describe("what the Lambda handlers import", () => {
  it("loads neither the Pulumi SDK nor a database driver", () => {
    const script = `
      require("ts-node").register({ transpileOnly: true });
      for (const m of ["./metadata/load", "./metadata/format", "./metadata/dms-types", "./metadata/dms-table-mappings", "./metadata/glue-table-input"]) require(m);
      const heavy = Object.keys(require.cache).filter((k) => /node_modules\\/(@pulumi|mysql2|pg|mssql|oracledb)\\//.test(k));
      process.stdout.write(JSON.stringify(heavy));`;
    const out = execFileSync(process.execPath, ["-e", script], { cwd: path.join(__dirname, "../..") });
    expect(JSON.parse(out.toString())).toEqual([]);
  });
});
