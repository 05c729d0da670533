/**
 * The large-file Glue job's own code (handlers/glue/validate_large_file.py `run_job`) on local Spark 3.5.4, over real
 * files from the DMS generator written without statistics, on moto's S3: the validate Lambda hands each file to the
 * job (its StartJobRun arguments captured), the job runs the checks' Spark SQL and sends its row to the validation queue
 * (moto's SQS), and the Lambda moves the file on that answer. For every file, the verdict the Lambda derives from the
 * job's row (`largeFileVerdict`) must equal the verdict of the Lambda's own rules reading the same bytes itself (the
 * small-file path, `validateLocalFile`), and the file must land where that verdict sends it.
 *
 * Messages differ by design (the job counts offending rows and cannot quote them), so violations are compared as
 * code, column and number of rows. One Spark session for the file (tests/support/spark.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { hyparquet } from "../../../handlers/core/parquet/esm";
import { renderLargeFileChecks } from "../../../handlers/core/validation/large-file-checks";
import { validateLocalFile } from "../../../handlers/core/validation/validate-object";
import { DMS_CHANGE_COLUMNS } from "../../../metadata/dms-types";
import { tableId, type ParquetType, type TableMetadata } from "../../../metadata/format";
import { readMetadataDir } from "../../../metadata/load";
import { generateDmsOutput, writeParquet, type ParquetValue } from "../../../src/local/dms-generator";
import { SparkJobError } from "../../../src/local/spark/spark-session";
import { allTypesTable, table, tempDir } from "../../support/parquet-fixtures";
import { sparkDescribe, useLocalGlue } from "../../support/spark";
import { largeFileHarness, type RawFile, type Verdict } from "./large-file-spark-harness";

const ROOT = path.resolve(__dirname, "../../..");

sparkDescribe("large-file job on local Spark: the Lambda's verdict from its row equals the Lambda's own rules", () => {
  const glue = useLocalGlue();
  const glueApi = mockClient(GlueClient);
  const tmp = tempDir("cdc-large-spark");
  afterAll(() => {
    glueApi.restore();
    tmp.cleanup();
  });

  const { rawFile, throughLambdaAndJob, disagreements } = largeFileHarness(glue, glueApi, tmp.dir);

  const examples = ["sales", "crm"].flatMap((s) => readMetadataDir(path.join(ROOT, "metadata/sources", s)).tables);
  const example = (id: string) => structuredClone(examples.find((t) => tableId(t) === id) as TableMetadata);

  /**
   * A small table whose values all read back exactly (integers, text, DATE as days, DATETIME as microseconds), so a
   * generated file of it can be rewritten with a few values changed.
   */
  const ledger = table(
    "dbo",
    "ledger",
    [
      { name: "id", dmsType: "INT4" },
      { name: "code", dmsType: "STRING", length: 20, nullable: false },
      { name: "note", dmsType: "WSTRING", length: 40 },
      { name: "day", dmsType: "DATE", nullable: false },
      { name: "at", dmsType: "DATETIME", scale: 6, nullable: false },
      // Text HH:MM:SS.fffffff, as the DMS task's change-data-type rule has DMS write a TIME column.
      { name: "call_time", dmsType: "TIME", scale: 7 },
    ],
    ["id"],
  );
  type Row = Record<string, ParquetValue>;

  /** The rows of a generated ledger file, in file order, in the form the writer takes. */
  async function ledgerRows(file: string): Promise<Row[]> {
    return (await hyparquet.parquetReadObjects({
      file: new Uint8Array(fs.readFileSync(file)).buffer,
      utf8: true,
      parsers: { dateFromDays: (days: number) => days, timestampFromMicroseconds: (micros: bigint) => micros },
    })) as Row[];
  }

  /**
   * A ledger file of `rows` as DMS writes it (the change columns, then the table's), without statistics; `written`
   * writes a column with another type (its values converted) or leaves it out (null).
   */
  function ledgerFile(
    rows: Row[],
    written: Record<string, { type: ParquetType; value: (v: ParquetValue) => ParquetValue } | null> = {},
  ): Uint8Array {
    const change = DMS_CHANGE_COLUMNS.map((c) => ({ name: c.name, type: c.parquet as ParquetType }));
    const columns = [...change, ...ledger.columns.map((c) => ({ name: c.name, type: c.parquet }))].flatMap((c) => {
      const w = written[c.name];
      if (w === null) return [];
      return [{ name: c.name, type: w?.type ?? c.type, values: rows.map((r) => (w ? w.value(r[c.name]) : r[c.name])) }];
    });
    return writeParquet(columns, { statistics: false });
  }

  /** Generated ledger files (one full load, one CDC file) and their rows. */
  async function generatedLedger(group: string) {
    const generated = generateDmsOutput({
      tables: [ledger],
      outDir: path.join(tmp.dir, group),
      rows: 20,
      changes: 40,
      seed: 5,
      statistics: false,
      shuffleRows: true,
      nullFraction: 0.3,
    });
    const [load, cdc] = generated;
    expect([load.kind, cdc.kind, generated.length]).toEqual(["load", "cdc", 2]);
    return { load: await ledgerRows(load.path), cdc: await ledgerRows(cdc.path) };
  }

  it("good files of every example table and every DMS type are harmonized with the job's counts and sequences", async () => {
    const awkward = table(
      "odd schema",
      "naïve tâble",
      [
        { name: "key`1", dmsType: "INT4" },
        { name: "naïve name", dmsType: "WSTRING", length: 40, nullable: false },
        { name: "a.b (c)", dmsType: "DATE" },
      ],
      ["key`1"],
    );
    const tables = [...examples, allTypesTable(), awkward];
    const out = path.join(tmp.dir, "good");
    const generated = generateDmsOutput({
      tables,
      outDir: out,
      rows: 30,
      changes: 50,
      seed: 11,
      statistics: false,
      shuffleRows: true,
    });
    const files = generated.map((g) => ({ key: g.key, file: g.path }));
    expect(files.length).toBeGreaterThanOrEqual(2 * tables.length);
    const outcomes = await throughLambdaAndJob(files, tables);
    // Every one of them went to the job: without statistics the Lambda cannot see the values.
    expect(files.filter((f) => !outcomes.get(f.key)?.job).map((f) => f.key)).toEqual([]);
    expect(await disagreements(files, tables, outcomes)).toEqual([]);
    // And both say what the generator wrote.
    expect(generated.map((g) => outcomes.get(g.key)?.job)).toEqual(
      generated.map((g) => ({ valid: true, rowCount: g.rows, minSeq: g.minSeq, maxSeq: g.maxSeq, violations: {} })),
    );
    expect(files.filter((f) => outcomes.get(f.key)?.landed !== "harmonized").map((f) => f.key)).toEqual([]);
  }, 300_000);

  it("bad values in generated files: the job finds what the Lambda finds, row for row", async () => {
    const base = await generatedLedger("bad-base");
    const files: RawFile[] = [];
    const cdcKey = (n: number) => `dbo/ledger/20240201-000000${String(n).padStart(3, "0")}.parquet`;
    const keyOf: Record<string, string> = {};
    /** A variant of the generated CDC (or load) file with some rows changed. */
    const variant = (name: string, kind: "cdc" | "load", edit: (rows: Row[]) => void) => {
      const rows = structuredClone(kind === "cdc" ? base.cdc : base.load);
      edit(rows);
      const key = kind === "cdc" ? cdcKey(files.length) : `dbo/ledger/LOAD${String(files.length + 2).padStart(8, "0")}.parquet`;
      files.push(rawFile(`bad/${name}`, key, ledgerFile(rows)));
      keyOf[name] = key;
    };
    // Rows by change sequence: a middle one and the last (the file's rows are shuffled).
    const bySeq = (rows: Row[]) => [...rows].sort((a, b) => (String(a.cdc_seq) < String(b.cdc_seq) ? -1 : 1));
    const middle = (rows: Row[]) => bySeq(rows)[Math.floor(rows.length / 2)];
    const last = (rows: Row[]) => bySeq(rows)[rows.length - 1];
    const withOp = (rows: Row[], op: string) => rows.filter((r) => r.Op === op);

    variant("untouched", "cdc", () => undefined);
    // min D and max U stay: only a look at every value finds the E between them.
    variant("Op E between allowed ones", "cdc", (rows) => (middle(rows).Op = "E"));
    variant("null, lower-case and padded Op", "cdc", (rows) => {
      rows[0].Op = null;
      rows[1].Op = "u";
      rows[2].Op = "I ";
    });
    variant("non-numeric, empty, null, 36- and 40-digit sequences", "cdc", (rows) => {
      rows[0].cdc_seq = "12a";
      rows[1].cdc_seq = "";
      rows[2].cdc_seq = null;
      rows[3].cdc_seq = `9${"0".repeat(35)}`;
      rows[4].cdc_seq = "１２３";
      rows[5].cdc_seq = "1".repeat(40);
    });
    // Between valid neighbours, so no minimum or maximum shows it.
    variant("a letter inside a middle sequence", "cdc", (rows) => {
      const r = middle(rows);
      r.cdc_seq = `${String(r.cdc_seq).slice(0, 20)}x${String(r.cdc_seq).slice(21)}`;
    });
    // Java's `$` also matches before a final line break: a regex end anchor would let these through on Spark.
    variant("sequence ending in a line break, between others", "cdc", (rows) => (middle(rows).cdc_seq += "\n"));
    variant("largest sequence ending in a line break", "cdc", (rows) => (last(rows).cdc_seq += "\r\n"));
    variant("null keys", "cdc", (rows) => {
      rows[0].id = null;
      withOp(rows, "D")[0].id = null;
    });
    // A delete may carry only its key: its nulls are not violations; an update's and an Op-less row's are.
    variant("nulls in NOT NULL columns", "cdc", (rows) => {
      for (const r of withOp(rows, "D")) [r.code, r.day, r.at] = [null, null, null];
      withOp(rows, "U")[0].code = null;
      withOp(rows, "I")[0].at = null;
      Object.assign(withOp(rows, "U")[1], { Op: null, day: null });
    });
    variant("deletes and updates in a full load", "load", (rows) => {
      rows[0].Op = "D";
      rows[1].Op = "U";
    });
    // A full load's sequences may be empty (its cdc_seq is proven by the Lambda before the hand-off: see below).
    variant("nulls in a full load, an empty sequence", "load", (rows) => {
      rows[0].code = null;
      rows[1].id = null;
      rows[2].cdc_seq = "";
    });

    // Generated files of example tables against rules they break: the metadata changed since (nullable columns with
    // nulls now NOT NULL, or part of the key), or a file under the other kind's name.
    const [customer, contacts, invoice, accounts] = ["dbo.Customer", "public.contacts", "dbo.Invoice", "public.accounts"].map(
      example,
    );
    const generated = generateDmsOutput({
      tables: [customer, contacts, invoice, accounts],
      outDir: path.join(tmp.dir, "bad-examples"),
      rows: 30,
      changes: 50,
      seed: 23,
      statistics: false,
      shuffleRows: true,
      nullFraction: 0.3,
    });
    const renamed = (file: string, key: string) => files.push(rawFile("renamed", key, fs.readFileSync(file)));
    for (const g of generated) {
      if (g.table === "Invoice" && g.kind === "cdc") renamed(g.path, "dbo/Invoice/LOAD00000009.parquet");
      else if (g.table === "accounts" && g.kind === "load") renamed(g.path, "public/accounts/20240301-000000000.parquet");
      else if (g.table === "Customer" || g.table === "contacts") files.push({ key: g.key, file: g.path });
    }

    for (const c of customer.columns) if (["Email", "CreditLimit", "PreferredCallTime"].includes(c.name)) c.nullable = false;
    contacts.primaryKey = ["id", "phone"];
    const tables = [ledger, customer, contacts, invoice, accounts];
    const outcomes = await throughLambdaAndJob(files, tables);
    expect(files.filter((f) => !outcomes.get(f.key)?.job).map((f) => f.key)).toEqual([]);
    expect(await disagreements(files, tables, outcomes)).toEqual([]);
    // Every variant but the untouched one is bad, and so is every example file tested against rules it breaks.
    const landed = files.map((f) => outcomes.get(f.key)?.landed);
    expect(landed[0]).toBe("harmonized");
    expect(landed.slice(1).filter((l) => l !== "quarantined")).toEqual([]);
    const verdicts = files.map((f) => outcomes.get(f.key)?.job as Verdict);
    expect(new Set(verdicts.flatMap((v) => Object.keys(v.violations).map((k) => k.split(" ")[0])))).toEqual(
      new Set(["BAD_OP", "BAD_SEQ", "NULL_PRIMARY_KEY", "NULL_IN_NOT_NULL"]),
    );
    // Spelled out for two of them: the deletes' nulls are not counted; a line break does not end a sequence.
    const jobVerdict = (name: string) => outcomes.get(keyOf[name])?.job as Verdict;
    expect(jobVerdict("nulls in NOT NULL columns").violations).toEqual({
      "BAD_OP Op": 1,
      "NULL_IN_NOT_NULL code": 1,
      "NULL_IN_NOT_NULL day": 1,
      "NULL_IN_NOT_NULL at": 1,
    });
    expect(jobVerdict("sequence ending in a line break, between others")).toEqual({
      valid: false,
      rowCount: 40,
      minSeq: null,
      maxSeq: null,
      violations: { "BAD_SEQ cdc_seq": 1 },
    });
  }, 300_000);

  it("dates and timestamps before 1582 are checked, whatever rebase mode and time zone the job's --conf set", async () => {
    const { cdc } = await generatedLedger("old-base");
    // 0001-01-01 onwards, a few centuries apart: days and microseconds of the proleptic Gregorian calendar, as DMS writes.
    const rows: Row[] = cdc.map((r, i) => {
      const day = -719_162 + i * 10_000;
      return { ...r, day, at: BigInt(day) * 86_400_000_000n + 3_723_000_001n };
    });
    expect(Math.max(...rows.map((r) => r.day as number))).toBeLessThan(-141_427);
    const old = rawFile("old", "dbo/ledger/20240401-000000000.parquet", ledgerFile(rows));
    // With nulls (outside deletes) in both, so the job must read their values to count.
    rows[rows.findIndex((r) => r.Op !== "D")].day = null;
    rows[rows.findIndex((r) => r.Op !== "D")].at = null;
    const oldWithNulls = rawFile("old", "dbo/ledger/20240401-000000001.parquet", ledgerFile(rows));

    // Spark's defaults, and a time zone that is not UTC, as a job's --conf could leave them: the checks alone fail.
    await glue().spark.sql("SET spark.sql.parquet.datetimeRebaseModeInRead=EXCEPTION");
    await glue().spark.sql("SET spark.sql.session.timeZone=America/New_York");
    const uri = await glue().putFile(old.file, old.key);
    const sql = renderLargeFileChecks(ledger, "cdc", uri).sql;
    const refused = await glue()
      .spark.query(sql)
      .then(
        () => undefined,
        (err: Error) => err,
      );
    expect(refused).toBeInstanceOf(SparkJobError);
    expect(refused?.message).toMatch(/1582|INCONSISTENT_BEHAVIOR_CROSS_VERSION|READ_ANCIENT_DATETIME/);

    const files = [old, oldWithNulls];
    const outcomes = await throughLambdaAndJob(files, [ledger]);
    expect(await disagreements(files, [ledger], outcomes)).toEqual([]);
    expect(files.map((f) => outcomes.get(f.key)?.landed)).toEqual(["harmonized", "quarantined"]);
    expect(await glue().spark.query("SELECT current_timezone() AS tz")).toEqual([{ tz: "UTC" }]);
  }, 300_000);

  it("wrong types in the footer, a full load's bad sequence: the Lambda quarantines those itself, never starting the job", async () => {
    const { load, cdc } = await generatedLedger("types-base");
    const millis = (v: ParquetValue) => {
      if (v === null) return null;
      const [h, m, sec] = String(v).split(":").map(Number);
      return Math.floor(((h * 60 + m) * 60 + sec) * 1000);
    };
    const files = [
      rawFile(
        "types/int64-key",
        "dbo/ledger/20240501-000000000.parquet",
        ledgerFile(cdc, { id: { type: { physical: "INT64" }, value: (v) => (v === null ? null : BigInt(v as number)) } }),
      ),
      // What DMS writes for a TIME column without the task's change-data-type rule: Spark 3.5 could not even read it.
      rawFile(
        "types/parquet-time",
        "dbo/ledger/20240501-000000001.parquet",
        ledgerFile(cdc, { call_time: { type: { physical: "INT32", logical: { type: "TIME", unit: "MILLIS" } }, value: millis } }),
      ),
      rawFile(
        "types/int-op",
        "dbo/ledger/20240501-000000002.parquet",
        ledgerFile(cdc, { Op: { type: { physical: "INT32" }, value: (v) => "DIU".indexOf(String(v)) } }),
      ),
      rawFile("types/no-code", "dbo/ledger/20240501-000000003.parquet", ledgerFile(cdc, { code: null })),
      // The job's SQL, rendered from the metadata alone, cannot know whether a full load carries cdc_seq at all.
      rawFile(
        "types/load-seq",
        "dbo/ledger/LOAD00000005.parquet",
        ledgerFile(load.map((r, i) => (i === 3 ? { ...r, cdc_seq: "not a sequence" } : r))),
      ),
    ];
    const outcomes = await throughLambdaAndJob(files, [ledger]);
    expect(glueApi.commandCalls(StartJobRunCommand)).toEqual([]);
    expect(await disagreements(files, [ledger], outcomes)).toEqual([]);
    const alerted = files.map((f) => (outcomes.get(f.key)?.sent?.errors ?? []) as Array<{ code: string; message: string }>);
    expect(alerted.map((errors) => errors.map((e) => `${e.code} ${e.message.split(":")[0]}`))).toEqual([
      ["TYPE_MISMATCH column id"],
      ["TYPE_MISMATCH column call_time"],
      ["TYPE_MISMATCH column Op"],
      ["MISSING_COLUMN column code"],
      ["BAD_SEQ column cdc_seq"],
    ]);
    expect(alerted[1][0].message).toMatch(/found INT32 TIME\(MILLIS\); Spark 3\.5 \(Glue\) and Athena cannot read/);
  }, 120_000);

  it("a file whose column chunks do not decode: the job answers unreadable and the Lambda quarantines it as CORRUPT_FILE, as its own rules do", async () => {
    const { cdc } = await generatedLedger("undecodable-base");
    const bytes = ledgerFile(cdc);
    // The footer stays intact (so the Lambda hands the file off); the key's column chunk becomes garbage.
    const metadata = hyparquet.parquetMetadata(new Uint8Array(bytes).buffer);
    const chunk = metadata.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === "id")?.meta_data;
    if (!chunk) throw new Error("no id chunk");
    const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
    bytes.fill(0xee, start, start + Number(chunk.total_compressed_size));
    const file = rawFile("undecodable", "dbo/ledger/20240601-000000000.parquet", bytes);

    const own = await validateLocalFile(file.file, [ledger]);
    expect(own.errors.map((e) => e.code)).toEqual(["CORRUPT_FILE"]);
    const outcomes = await throughLambdaAndJob([file], [ledger]);
    const outcome = outcomes.get(file.key);
    expect(outcome?.landed).toBe("quarantined");
    expect(outcome?.jobFailed).toBeUndefined();
    const errors = (outcome?.sent?.errors ?? []) as Array<{ code: string; message: string }>;
    expect(errors).toEqual([
      {
        code: "CORRUPT_FILE",
        message: expect.stringMatching(
          /^dbo\/ledger\/20240601-000000000\.parquet: Spark could not decode the file \(large-file job\): [\w.$]+(Exception|Error)\b/,
        ) as string,
      },
    ]);
  }, 120_000);
});
