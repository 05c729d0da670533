/**
 * Applying a CDC batch on Spark + Iceberg (the Glue job, run locally): the plan — dedupe by sequence, tombstone expiry,
 * guard against the stored row and tombstone, MERGE, tombstone MERGE, i.e. exactly-once under duplicated, reordered and
 * replayed files — against the textbook approach of the AWS samples for Glue + Iceberg CDC: keep the latest change per
 * key by timestamp, then one `MERGE … WHEN MATCHED AND Op = 'D' THEN DELETE WHEN MATCHED THEN UPDATE SET * WHEN NOT
 * MATCHED THEN INSERT *`, with no guard and no tombstones (correct only for in-order, never repeated files).
 *
 * Both start from the same Iceberg table (one table, rolled back to its initial snapshot between the two) and apply the
 * same DMS-format Parquet files, read through S3A from the local S3 emulator (moto) as the Glue job reads S3. The plan
 * runs through `LocalSparkSession.apply` — handlers/glue/apply_changes.py on a rendered run manifest, the production
 * path — and its per-statement times come from the runner's trace (CDC_SPARK_TRACE). The textbook's statements run one
 * by one in the same session. Afterwards both results are compared (live rows, checksum) against each other and against
 * the counts the generator implies. A warm-up round on a small table first compiles both paths in the JVM.
 *
 * The batch: 70% updates (a third of the updated keys change twice; a seventh of the updates hit a key inserted earlier
 * in the batch), 20% inserts of new keys, 10% deletes of existing keys, in increasing cdc_seq and cdc_timestamp. No
 * key's last change is a delete of a key the table does not hold (the textbook would insert that delete as a row).
 *
 * Wall-clock time depends on what else the machine runs, so each approach's line also gives the CPU seconds of the Spark
 * JVM (from /proc) and the notes say how many cores other processes kept busy meanwhile.
 *
 * Goals: the plan ≤ 1.25× the textbook's time and ≥ 100k changes/s on 2 local cores. Defaults take ~4 minutes on an
 * idle 2-core machine and ~10 GB (Spark's driver 8 GB, CDC_SPARK_DRIVER_MEMORY overrides).
 *
 * Knobs: CDC_BENCH_SPARK_ROWS (table rows, default 10,000,000), CDC_BENCH_SPARK_CHANGES (default 1,000,000; at most
 * 60% of the rows), CDC_BENCH_SPARK_FILES (DMS files the batch is split into, default 4), CDC_BENCH_SPARK_CORES
 * (default 2), CDC_BENCH_SPARK_ORDER=plan-first (default: the textbook first), CDC_BENCH_SPARK_WARMUP=0 skips the
 * warm-up, CDC_BENCH_SPARK_VERBOSE=1 echoes Spark's output. Spark settings: CDC_SPARK_CONF (JSON), as for every local
 * session; the bench adds SAFE_READS (below) unless it sets them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spark as sparkDialect } from "../handlers/core/plan/dialect";
import { buildRunManifest, manifestBody, sha256Hex, type RunManifest } from "../handlers/core/plan/manifest";
import { defaultTableNames, TablePlan } from "../handlers/core/plan/plan";
import { glueEnvProblem } from "../src/local/glue-env/paths";
import { startMoto } from "../src/local/glue-env/moto";
import { LocalSparkSession } from "../src/local/spark/spark-session";
import type { Benchmark } from "./run";
import { changeSql, expected, META, rowColumns } from "./spark-batch";
import { CpuMeter, type Cpu } from "./cpu-meter";
import { formatNumber, printTable, timed } from "./table";

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROWS = num("CDC_BENCH_SPARK_ROWS", 10_000_000);
const CHANGES = num("CDC_BENCH_SPARK_CHANGES", 1_000_000);
const FILES = num("CDC_BENCH_SPARK_FILES", 4);
const CORES = num("CDC_BENCH_SPARK_CORES", 2);
const WARMUP = process.env.CDC_BENCH_SPARK_WARMUP !== "0";
const VERBOSE = process.env.CDC_BENCH_SPARK_VERBOSE === "1";
const PLAN_FIRST = process.env.CDC_BENCH_SPARK_ORDER === "plan-first";
const BUCKET = "cdc-bench";
/** Rows per data file of the initial table (Spark writes one file per task). */
const ROWS_PER_TABLE_FILE = 1_000_000;

const SOURCE_COLUMNS = META.columns.map((c) => c.name);
const TARGET_COLUMNS = [...SOURCE_COLUMNS, "_cdc_seq", "_cdc_timestamp"];
const q = sparkDialect.quote;

interface Step {
  what: string;
  seconds: number;
}

interface Outcome {
  seconds: number;
  /** CPU seconds of this Spark JVM, and of every other process on the machine, while it ran. */
  cpu: Cpu;
  steps: Step[];
  snapshot: string;
}

interface Scenario {
  rows: number;
  changes: number;
  textbook: Outcome;
  plan: Outcome & { counts: Record<string, number> };
  /** Seconds to read every column of the batch files once: through S3A from moto, and from local disk. */
  read: { s3a: number; local: number };
  check: { textbook: Checksum; plan: Checksum; expected: ReturnType<typeof expected> };
  tableFiles: { files: number; mb: number };
}

interface Checksum {
  rows: number;
  hash: string;
}

const log = (line: string) => console.error(`bench spark: ${line}`);

/** Lines of the session's stderr with their arrival time; the runner's `trace` lines carry statement times. */
class SessionLog {
  private lines: Array<{ at: number; line: string }> = [];
  capture = false;

  receive(line: string): void {
    if (this.capture) this.lines.push({ at: performance.now() / 1000, line });
    if (VERBOSE) console.error(line);
  }

  take(): Array<{ at: number; line: string }> {
    return this.lines.splice(0);
  }
}

class SparkBench {
  constructor(
    private readonly spark: LocalSparkSession,
    private readonly s3: S3Client,
    private readonly tmp: string,
    private readonly cpu: CpuMeter,
    private readonly sessionLog: SessionLog,
  ) {}

  async scenario(ns: string, rows: number, changes: number, files: number): Promise<Scenario> {
    if (changes > rows * 0.6) throw new Error(`CDC_BENCH_SPARK_CHANGES ${changes}: at most 60% of the rows (${rows})`);
    const sp = this.spark;
    const names = defaultTableNames(META, ["glue_catalog", ns]);
    const plan = new TablePlan(META, sparkDialect, names);
    const target = plan.name("target");

    log(`${ns}: creating ${rows.toLocaleString("en-US")} rows`);
    for (const sql of plan.create()) await sp.sql(sql);
    const parts = Math.max(1, Math.ceil(rows / ROWS_PER_TABLE_FILE));
    await sp.sql(
      `INSERT INTO ${target} SELECT ${rowColumns("id", null)}, repeat('0', 35) AS _cdc_seq, '2024-01-01 00:00:00.000000' AS _cdc_timestamp ` +
        `FROM range(0, ${rows}, 1, ${parts})`,
    );
    const base = await this.currentSnapshot(target);
    const [layout] = await sp.query(`SELECT count(*) AS files, sum(file_size_in_bytes) AS bytes FROM ${target}.files`);

    log(`${ns}: writing ${changes.toLocaleString("en-US")} changes as ${files} DMS Parquet file(s)`);
    const prefix = `${ns}/bench/accounts/`;
    const uris: string[] = [];
    const etags: string[] = [];
    const locals: string[] = [];
    for (let f = 0; f < files; f++) {
      const [from, to] = [Math.floor((changes * f) / files), Math.floor((changes * (f + 1)) / files)];
      const name = `20240102-${String(f).padStart(6, "0")}000.parquet`;
      const file = path.join(this.tmp, `${ns}-${name}`);
      await sp.exportParquet(changeSql(rows, changes, from, to), file);
      const put = await this.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: prefix + name, Body: fs.readFileSync(file) }));
      uris.push(`s3://${BUCKET}/${prefix}${name}`);
      etags.push(put.ETag as string);
      locals.push(file);
    }
    const read = { s3a: await this.readAll(uris), local: await this.readAll(locals) };

    const manifestKey = `runs/${ns}.json`;
    const manifest = buildRunManifest({
      target: "bench/spark",
      runId: ns,
      manifestUri: `s3://${BUCKET}/${manifestKey}`,
      sparkNamespace: ["glue_catalog", ns],
      mysql: false,
      tombstoneRetentionDays: 7,
      now: new Date("2024-01-03T00:00:00Z"),
      tables: [{ meta: META, files: uris, etags }],
    });
    await this.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey, Body: manifestBody(manifest) }));

    const runTextbook = async () => {
      log(`${ns}: textbook MERGE`);
      return this.textbook(target, `s3://${BUCKET}/${prefix}`);
    };
    const runPlan = async () => {
      log(`${ns}: the plan (handlers/glue/apply_changes.py)`);
      return this.plan(manifest, `s3://${BUCKET}/${manifestKey}`, target);
    };
    const rollback = () => sp.sql(`CALL glue_catalog.system.rollback_to_snapshot('${ns}.${names.target.at(-1)}', ${base})`);
    let textbook: Outcome;
    let planRun: Scenario["plan"];
    if (PLAN_FIRST) {
      planRun = await runPlan();
      await rollback();
      textbook = await runTextbook();
    } else {
      textbook = await runTextbook();
      await rollback();
      planRun = await runPlan();
    }

    log(`${ns}: comparing both results`);
    const check = {
      textbook: await this.checksum(target, textbook.snapshot),
      plan: await this.checksum(target, planRun.snapshot),
      expected: expected(rows, changes),
    };
    return {
      rows,
      changes,
      textbook,
      plan: planRun,
      read,
      check,
      tableFiles: { files: Number(layout.files), mb: Number(layout.bytes) / 1e6 },
    };
  }

  /** The AWS samples' approach: latest change per key by timestamp, one MERGE, nothing else. */
  private async textbook(target: string, dir: string): Promise<Outcome> {
    const cols = TARGET_COLUMNS.map(q).join(", ");
    const statements: Array<[string, string]> = [
      [
        "read the batch (view)",
        `CREATE OR REPLACE TEMPORARY VIEW tb_batch AS SELECT ${SOURCE_COLUMNS.map(q).join(", ")}, Op, ` +
          `cdc_seq AS _cdc_seq, cdc_timestamp AS _cdc_timestamp FROM parquet.${q(dir)}`,
      ],
      [
        "latest change per key by timestamp (view)",
        `CREATE OR REPLACE TEMPORARY VIEW tb_changes AS SELECT ${cols}, Op FROM (SELECT *, ` +
          `row_number() OVER (PARTITION BY id ORDER BY _cdc_timestamp DESC) AS rn FROM tb_batch) WHERE rn = 1`,
      ],
      [
        "MERGE INTO target (delete, update *, insert *)",
        `MERGE INTO ${target} AS t USING tb_changes AS s ON t.id = s.id WHEN MATCHED AND s.Op = 'D' THEN DELETE ` +
          `WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *`,
      ],
      ["drop the views", `DROP VIEW IF EXISTS tb_changes`],
    ];
    const steps: Step[] = [];
    const total = await this.cpu.measure(async () => {
      for (const [what, sql] of statements) {
        const t = await timed(() => this.spark.sql(sql));
        steps.push({ what, seconds: t.seconds });
      }
    });
    await this.spark.sql(`DROP VIEW IF EXISTS tb_batch`);
    return { seconds: total.seconds, cpu: total.cpu, steps, snapshot: await this.currentSnapshot(target) };
  }

  /**
   * The production path: the run manifest through apply_changes.py. Statement times are the runner's trace lines; the
   * summary query (which the runner does not trace) is the time from the guard's trace line to the first count it logs.
   */
  private async plan(manifest: RunManifest, uri: string, target: string): Promise<Scenario["plan"]> {
    this.sessionLog.take();
    this.sessionLog.capture = true;
    const run = await this.cpu
      .measure(() => this.spark.apply(uri, sha256Hex(manifestBody(manifest))))
      .finally(() => (this.sessionLog.capture = false));
    const lines = this.sessionLog.take();
    const traced = lines.flatMap(({ at, line }) => {
      const m = /^trace ([\d.]+)s (spark|mysql|copy) (.*)$/.exec(line);
      return m ? [{ at, what: m[3], seconds: Number(m[1]) }] : [];
    });
    const t = manifest.tables[0].spark;
    const phases: Array<[string, string[]]> = [
      ["create (IF NOT EXISTS)", t.create],
      ["load (view over the files)", t.load],
      ["dedupe (CACHE LAZY TABLE changes)", t.dedupe],
      ["expire tombstones (DELETE)", t.expire],
      ["guard (CACHE LAZY TABLE classified: joins target, tombstones)", t.guard],
      ["summary (counts per action; fills both caches)", []],
      ["MERGE INTO tombstones", t.merge.slice(0, 1)],
      ["MERGE INTO target (guard re-checked, tombstones joined)", t.merge.slice(1)],
      ["cleanup (DROP VIEW)", t.cleanup],
    ];
    const guardHeads = new Set(t.guard.map((sql) => sql.slice(0, 160)));
    const guardDone = traced.filter((tr) => guardHeads.has(tr.what)).at(-1)?.at;
    const firstCount = lines.find(
      ({ at, line }) => guardDone !== undefined && at >= guardDone && /^cdc apply: \w+ \d+$/.test(line),
    )?.at;
    const steps: Step[] = phases.map(([what, sqls]) => {
      if (sqls.length === 0)
        return { what, seconds: guardDone !== undefined && firstCount !== undefined ? firstCount - guardDone : NaN };
      const heads = new Set(sqls.map((sql) => sql.slice(0, 160)));
      return { what, seconds: traced.filter((tr) => heads.has(tr.what)).reduce((a, tr) => a + tr.seconds, 0) };
    });
    const accounted = steps.reduce((a, st) => a + (Number.isNaN(st.seconds) ? 0 : st.seconds), 0);
    steps.push({ what: "the rest (manifest, runner, .done)", seconds: Math.max(0, run.seconds - accounted) });
    const c = run.value[0]?.counts;
    const counts: Record<string, number> = c
      ? { insert: c.inserted, update: c.updated, delete: c.deleted, tombstone: c.tombstoned, stale: c.skippedStale }
      : {};
    return { seconds: run.seconds, cpu: run.cpu, steps, counts, snapshot: await this.currentSnapshot(target) };
  }

  private async currentSnapshot(target: string): Promise<string> {
    const [row] = await this.spark.query(`SELECT snapshot_id FROM ${target}.snapshots ORDER BY committed_at DESC LIMIT 1`);
    return String(row.snapshot_id);
  }

  /** Live rows and an order-independent checksum over every column, at a snapshot. */
  private async checksum(target: string, snapshot: string): Promise<Checksum> {
    const [row] = await this.spark.query(
      `SELECT count(*) AS n, CAST(sum(CAST(xxhash64(${TARGET_COLUMNS.map(q).join(", ")}) AS DECIMAL(38,0))) AS STRING) AS h ` +
        `FROM ${target} VERSION AS OF ${snapshot}`,
    );
    return { rows: Number(row.n), hash: String(row.h) };
  }

  /** Seconds to decode every column of the files once. */
  private async readAll(files: string[]): Promise<number> {
    const from = files.map((f) => `SELECT * FROM parquet.${q(f)}`).join(" UNION ALL ");
    const all = ["Op", "cdc_timestamp", "cdc_seq", ...SOURCE_COLUMNS].map(q).join(", ");
    const t = await timed(() => this.spark.query(`SELECT count(*), sum(xxhash64(${all})) FROM (${from})`));
    return t.seconds;
  }
}

function report(s: Scenario): void {
  const rate = (sec: number) => s.changes / sec;
  const label = `${s.changes.toLocaleString("en-US")} changes into ${s.rows.toLocaleString("en-US")} rows`;
  const times = (o: Outcome) => `${(o.seconds / s.textbook.seconds).toFixed(2)}×`;
  const cpuTimes = (o: Outcome) => (Number.isNaN(o.cpu.jvm) ? "n/a" : `${(o.cpu.jvm / s.textbook.cpu.jvm).toFixed(2)}×`);
  const cpu = (o: Outcome) => (Number.isNaN(o.cpu.jvm) ? "n/a" : o.cpu.jvm);
  printTable(
    ["apply", "seconds", "changes/s", "time vs textbook", "Spark CPU s", "CPU vs textbook"],
    [
      [
        `textbook MERGE, no guard/tombstones (${label})`,
        s.textbook.seconds,
        rate(s.textbook.seconds),
        "1.00×",
        cpu(s.textbook),
        "1.00×",
      ],
      [`plan, exactly-once (${label})`, s.plan.seconds, rate(s.plan.seconds), times(s.plan), cpu(s.plan), cpuTimes(s.plan)],
    ],
  );
  const r = s.plan.seconds / s.textbook.seconds;
  console.log(
    `goals: plan ≤ 1.25× textbook: ${r <= 1.25 ? "met" : "NOT met"} (${r.toFixed(2)}×); ≥ 100k changes/s: ` +
      `${rate(s.plan.seconds) >= 100_000 ? "met" : "NOT met"} (${formatNumber(rate(s.plan.seconds))}/s)`,
  );
  console.log("\nwhere the time goes (seconds per statement; the plan's from the runner's CDC_SPARK_TRACE lines):");
  printTable(
    ["statement", "seconds", "share"],
    [
      ...s.textbook.steps.map((st) => [`textbook: ${st.what}`, st.seconds, pct(st.seconds, s.textbook.seconds)]),
      ...s.plan.steps.map((st) => [`plan: ${st.what}`, st.seconds, pct(st.seconds, s.plan.seconds)]),
    ],
  );
  const same = s.check.plan.rows === s.check.textbook.rows && s.check.plan.hash === s.check.textbook.hash;
  const exp = s.check.expected;
  const countsOk = Object.entries(exp.counts).every(([k, v]) => (s.plan.counts[k] ?? 0) === v);
  console.log(
    `\ncheck: live rows textbook ${formatNumber(s.check.textbook.rows)}, plan ${formatNumber(s.check.plan.rows)}, ` +
      `expected ${formatNumber(exp.live)}; checksums ${same ? "equal" : `DIFFER (${s.check.textbook.hash} vs ${s.check.plan.hash})`}; ` +
      `plan counts ${JSON.stringify(s.plan.counts)} ${countsOk ? "as expected" : `expected ${JSON.stringify(exp.counts)}`}` +
      `${same && s.check.plan.rows === exp.live && countsOk ? " — OK" : " — MISMATCH"}`,
  );
  const busy = (o: Outcome) =>
    Number.isNaN(o.cpu.others) ? "n/a" : `${(o.cpu.others / o.seconds).toFixed(2)} of ${os.cpus().length} cores`;
  const vectorized = JSON.parse(process.env.CDC_SPARK_CONF ?? "{}")["spark.sql.iceberg.vectorization.enabled"] !== "false";
  console.log(
    `notes: both read the batch from s3:// through S3A on moto, as the job reads S3 (decoding the ${s.changes.toLocaleString("en-US")} ` +
      `changes once takes ${s.read.s3a.toFixed(2)} s through S3A, ${s.read.local.toFixed(2)} s from local disk); ` +
      `the initial table has ${s.tableFiles.files} data files, ${Math.round(s.tableFiles.mb)} MB; ${CORES} Spark cores, ` +
      `profile "large", Iceberg vectorized reads ${vectorized ? "on" : "off (see SAFE_READS in the source)"}; ` +
      `${PLAN_FIRST ? "plan" : "textbook"} ran first; other processes kept busy: ${busy(s.textbook)} during the textbook, ` +
      `${busy(s.plan)} during the plan`,
  );
}

/**
 * Iceberg 1.7.1's vectorized (Arrow) reader is unsafe under Spark 3.5.4 with whole-stage code generation: SPARK-50235
 * made ColumnarToRowExec free each batch's column vectors, and IcebergArrowColumnVector only opts out from Iceberg
 * 1.7.2 on (apache/iceberg#11802; crashes and wrong results in apache/iceberg#12178). The local "large" profile has code
 * generation on, and the MERGE's scans then crash the JVM (SIGSEGV) at any size tried here; the "small" profile has it
 * off. Both approaches therefore read Iceberg row by row here; CDC_SPARK_CONF may set it back to "true".
 */
const SAFE_READS = { "spark.sql.iceberg.vectorization.enabled": "false" };

const pct = (part: number, whole: number) => (Number.isNaN(part) ? "n/a" : `${((100 * part) / whole).toFixed(0)}%`);

const bench: Benchmark = {
  title: "Spark + Iceberg apply: the plan (exactly-once) vs the textbook MERGE of the AWS samples",
  async run() {
    const problem = glueEnvProblem();
    if (problem) {
      console.log(`skipped: ${problem}`);
      return;
    }
    // The runner prints each statement's time (glue_local.py's TracingEngine) when this is set at its start.
    process.env.CDC_SPARK_TRACE = "1";
    process.env.CDC_SPARK_CONF = JSON.stringify({ ...SAFE_READS, ...JSON.parse(process.env.CDC_SPARK_CONF || "{}") });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-bench-spark-"));
    const warehouse = path.join(tmp, "warehouse");
    const moto = await startMoto();
    const s3 = new S3Client(moto.clientConfig);
    const sessionLog = new SessionLog();
    let spark: LocalSparkSession | undefined;
    try {
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      log(`starting local Spark (${CORES} cores, profile large)`);
      spark = await LocalSparkSession.start({
        warehouse,
        s3Endpoint: moto.endpoint,
        cores: CORES,
        profile: "large",
        log: (line) => sessionLog.receive(line),
      });
      const b = new SparkBench(spark, s3, tmp, CpuMeter.find(warehouse), sessionLog);
      if (WARMUP) {
        const w = await timed(() => b.scenario("bench_warmup", 50_000, 5_000, FILES));
        log(`warm-up done in ${w.seconds.toFixed(1)} s`);
      }
      report(await b.scenario("bench_spark", ROWS, CHANGES, FILES));
    } finally {
      await spark?.stop();
      s3.destroy();
      await moto.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};

export default bench;
