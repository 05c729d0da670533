/**
 * Spark 3.5 (what Glue 5 runs) reads the files DMS writes for a table with a TIME column, because the column is text
 * (the table mappings' change-data-type rule), and cannot read the Parquet TIME32 DMS would write without the rule.
 * One short PySpark 3.5.4 process over generated files; the general Spark harness lives elsewhere.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hyparquet } from "../../../handlers/core/parquet/esm";
import { readMetadataDir } from "../../../metadata/load";
import { generateDmsOutput, writeParquet } from "../../../src/local/dms-generator";
import { glueEnv, glueEnvProblem } from "../../../src/local/glue-env/paths";

const problem = glueEnvProblem();
if (problem && process.env.CI === "true")
  throw new Error(`the Spark TIME check needs the local Glue environment under CI: ${problem}`);
if (problem) console.warn(`skipping the Spark TIME check: ${problem}`);

(problem ? describe.skip : describe)("TIME columns on Spark 3.5 (PySpark 3.5.4)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-time-spark-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the text DMS writes for time(7) with every digit, and refuses a Parquet TIME", async () => {
    // dbo.Customer of the example source: PreferredCallTime is SQL Server time(7).
    const customer = readMetadataDir(path.join(__dirname, "../../../metadata/sources/sales")).tables.find(
      (t) => t.table === "Customer",
    )!;
    expect(customer.columns.find((c) => c.name === "PreferredCallTime")).toMatchObject({ dmsType: "TIME", scale: 7 });
    const files = generateDmsOutput({ tables: [customer], outDir: dir, rows: 60, changes: 40, seed: 4, nullFraction: 0 });
    const written = (
      await Promise.all(
        files.map(
          (f) =>
            hyparquet.parquetReadObjects({
              file: new Uint8Array(fs.readFileSync(f.path)).buffer,
              columns: ["PreferredCallTime"],
              utf8: true,
            }) as Promise<Array<{ PreferredCallTime: string }>>,
        ),
      )
    )
      .flat()
      .map((r) => r.PreferredCallTime);
    // What DMS would write without the rule: TIME32, milliseconds since midnight.
    const time32 = path.join(dir, "time32.parquet");
    fs.writeFileSync(
      time32,
      writeParquet([
        { name: "t", type: { physical: "INT32", logical: { type: "TIME", unit: "MILLIS" } }, values: [0, 86_399_999] },
      ]),
    );

    // The apply job reads each file as `SELECT … FROM parquet.\`<uri>\`` (dialect.ts readFiles); so does this.
    const script = [
      "import json, sys",
      "from pyspark.sql import SparkSession",
      "args = json.load(sys.stdin)",
      "spark = SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false').config('spark.sql.session.timeZone', 'UTC').getOrCreate()",
      "spark.sparkContext.setLogLevel('ERROR')",
      "out = {'types': [], 'values': []}",
      "for uri in args['files']:",
      "    df = spark.sql('SELECT PreferredCallTime FROM parquet.`' + uri + '`')",
      "    out['types'].append(df.schema['PreferredCallTime'].dataType.simpleString())",
      "    out['values'] += [r[0] for r in df.collect()]",
      // The query form hides why (UNSUPPORTED_DATASOURCE_FOR_DIRECT_QUERY); the reader says it.
      "for key, read in [('direct', lambda: spark.sql('SELECT * FROM parquet.`' + args['time32'] + '`')), ('reader', lambda: spark.read.parquet(args['time32']))]:",
      "    try:",
      "        read().collect()",
      "        out[key] = 'read'",
      "    except Exception as err:",
      "        out[key] = str(err)",
      "spark.stop()",
      "sys.stdout.write(json.dumps(out))",
    ].join("\n");
    const r = spawnSync(glueEnv().python, ["-c", script], {
      cwd: dir,
      input: JSON.stringify({ files: files.map((f) => f.path), time32 }),
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`PySpark failed (${r.status}):\n${r.stderr}`);
    const out = JSON.parse(r.stdout) as { types: string[]; values: string[]; direct: string; reader: string };

    expect(new Set(out.types)).toEqual(new Set(["string"]));
    expect(out.values).toEqual(written);
    expect(out.values.length).toBeGreaterThan(60);
    expect(out.values.every((v) => /^\d\d:\d\d:\d\d\.\d{7}$/.test(v))).toBe(true);
    expect(out.direct).toMatch(/UNSUPPORTED_DATASOURCE_FOR_DIRECT_QUERY/);
    expect(out.reader).toMatch(/Illegal Parquet type: INT32 \(TIME\(MILLIS,/);
  }, 180_000);
});
