/**
 * Every engine session runs in UTC (DESIGN §5): a Parquet timestamp marked UTC-adjusted (isAdjustedToUTC=true, as
 * pyarrow and Spark write them; validation accepts it for a DATETIME column) lands in DuckDB and MySQL as the same
 * UTC wall-clock time whatever the machine's zone. The flow runs in a child process under TZ=America/New_York
 * (utc-session.child.ts), since an engine reads the process's zone once, when it loads.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { TableMetadata } from "../../../metadata/format";
import { writeParquet, type ParquetColumn } from "../../../src/local/dms-generator/parquet-writer";
import { mysqlTestDatabase } from "../../support/databases";
import { table, tempDir } from "../../support/parquet-fixtures";

const ROOT = path.resolve(__dirname, "../../..");
const ZONE = "America/New_York";

const META: TableMetadata = table(
  "dbo",
  "events",
  [
    { name: "id", dmsType: "INT4" },
    { name: "at", dmsType: "DATETIME", scale: 6 },
  ],
  ["id"],
);

/** UTC instants: winter (UTC-5), summer across midnight (UTC-4), just after New York springs forward, a null. */
const INSTANTS: Array<[number, string | null]> = [
  [1, "2024-01-02T12:00:00.123456Z"],
  [2, "2024-07-01T02:30:00.000001Z"],
  [3, "2024-03-10T07:30:00.000000Z"],
  [4, null],
];
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n + BigInt(iso.slice(23, 26));
/** How MySQL (dateStrings) prints each instant: zone-less UTC with microseconds. DuckDB leaves out a zero fraction. */
const EXPECTED = INSTANTS.map(([id, iso]) => [id, iso === null ? null : iso.replace("T", " ").replace("Z", "")]);
const EXPECTED_DUCKDB = EXPECTED.map(([id, text]) => [id, typeof text === "string" ? text.replace(/\.0{6}$/, "") : text]);

function utcAdjustedFile(dir: string): string {
  const text = { physical: "BYTE_ARRAY", logical: { type: "STRING" } } as const;
  const columns: ParquetColumn[] = [
    { name: "Op", type: text, values: INSTANTS.map(() => "I") },
    { name: "cdc_timestamp", type: text, values: INSTANTS.map(() => "2024-07-01 02:30:01.000000") },
    { name: "cdc_seq", type: text, values: INSTANTS.map(([id]) => String(id).padStart(35, "0")) },
    { name: "id", type: META.columns[0].parquet, values: INSTANTS.map(([id]) => id) },
    {
      name: "at",
      // What pyarrow writes for a tz-aware column: the logical type says UTC, the legacy annotation alongside.
      type: {
        elements: [
          {
            type: "INT64",
            repetition_type: "OPTIONAL",
            converted_type: "TIMESTAMP_MICROS",
            logical_type: { type: "TIMESTAMP", unit: "MICROS", isAdjustedToUTC: true },
          },
        ],
      },
      values: INSTANTS.map(([, iso]) => (iso === null ? null : micros(iso))),
    },
  ];
  const file = path.join(dir, "20240701-023001000.parquet");
  fs.writeFileSync(file, writeParquet(columns));
  return file;
}

/** Runs the flow in a child under TZ=America/New_York and returns what it printed. */
function runInNewYork(file: string, mysqlUrl?: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tests/src/executors/utc-session.child.ts"], {
    cwd: ROOT,
    input: JSON.stringify({ meta: META, file, mysqlUrl }),
    encoding: "utf8",
    env: { ...process.env, TZ: ZONE },
  });
  if (r.status !== 0) throw new Error(`utc-session.child.ts failed (${r.status}):\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  // The child really ran in New York time, or the test proves nothing.
  expect([out.processTz, out.localOffsetMinutes]).toEqual([ZONE, 300]);
  return out;
}

const pairs = (rows: unknown) => (rows as Array<{ id: unknown; at: unknown }>).map((r) => [Number(r.id), r.at]);

describe("engine sessions under TZ=America/New_York", () => {
  const tmp = tempDir("cdc-utc-session");
  const file = utcAdjustedFile(tmp.dir);
  afterAll(tmp.cleanup);

  it("DuckDB keeps UTC-adjusted timestamps as their UTC time", () => {
    const out = runInNewYork(file);
    expect(pairs(out.duckRows)).toEqual(EXPECTED_DUCKDB);
    expect([out.duckTimeZone, out.duckInstant]).toEqual(["UTC", "2024-07-01 02:30:00+00"]);
  }, 60_000);

  const db = mysqlTestDatabase("cdc_utc_session");
  db.describe("with MySQL", () => {
    it("MySQL receives and stores the same UTC times, in a UTC session", () => {
      const out = runInNewYork(file, db.url());
      expect(pairs(out.mysqlRows)).toEqual(EXPECTED);
      expect(pairs(out.duckRows)).toEqual(EXPECTED_DUCKDB);
      expect([out.mysqlTimeZone, out.mysqlDateParameter]).toEqual(["+00:00", "2024-01-02 12:00:00.000"]);
    }, 60_000);
  });
});
