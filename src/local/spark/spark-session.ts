/**
 * A local Glue 5.0 job environment (src/local/spark/glue_local.py) held open for as long as its user needs it: one
 * Spark session per `cdc replay --engine spark`, per `cdc local --engine spark`, per test file. Each `apply` runs a run
 * manifest through handlers/glue/apply_changes.py — the code the Glue job runs — against a local Iceberg catalog and
 * S3 on the local emulator.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import type { TableMetadata } from "../../../metadata/format";
import { spark as sparkDialect } from "../../../handlers/core/plan/dialect";
import { defaultTableNames, TablePlan } from "../../../handlers/core/plan/plan";
import { countsFromSummary, type ApplyCounts } from "../../executors/counts";
import { glueEnv, glueEnvDir } from "../glue-env/paths";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../glue-env/moto";

export interface SparkSessionOptions {
  /** Directory of the local Iceberg catalog (`glue_catalog`). */
  warehouse: string;
  /** S3 endpoint the job reads manifests and batch files from (the local emulator). */
  s3Endpoint: string;
  /** Local cores Spark uses (default 2, the CI machines' count). */
  cores?: number;
  /**
   * `small` (default): settings for batches of a few rows, where Spark's fixed costs dominate; `large`: Spark's own
   * defaults, as on Glue, for the benchmark. Results are the same (see glue_local.py).
   */
  profile?: "small" | "large";
  /** Receives Spark's and the runner's output, line by line (default: dropped). */
  log?: (line: string) => void;
}

/** JDBC settings of the MySQL target, as the Glue connection provides them. */
export interface JdbcTarget {
  url: string;
  user: string;
  password: string;
}

/** What the job logged for one table of a run: its summary's counts. */
export interface AppliedTable {
  table: string;
  counts: ApplyCounts;
}

/** JDBC settings for a mysql:// URL; TLS as the URL says (`?ssl=true`), off for a local server otherwise. */
export function jdbcFromMysqlUrl(url: string): JdbcTarget {
  const u = new URL(url);
  const tls = u.searchParams.get("ssl") === "true" ? "REQUIRED" : "DISABLED";
  return {
    url: `jdbc:mysql://${u.hostname}:${u.port || "3306"}${u.pathname}?sslMode=${tls}&allowPublicKeyRetrieval=true`,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/**
 * Where an injected failure stops a run: right after a table's MySQL commit, its first Iceberg commit (the
 * tombstones'; the target's MERGE not run) or its last.
 */
export interface InjectedFailure {
  table: number;
  commit: "mysql" | "tombstones" | "iceberg";
}

/** A failure the job reported; `kind` is the Python exception's class (e.g. `ManifestError`, `InjectedFailure`). */
export class SparkJobError extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
    this.name = "SparkJobError";
  }
}

type Reply = { ok: true; [key: string]: unknown } | { ok: false; error: string; kind?: string };

export class LocalSparkSession {
  private readonly pending: Array<(reply: Reply) => void> = [];
  private queue: Promise<unknown> = Promise.resolve();
  private exit: string | undefined;
  private stray: string[] = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    /** Spark's version, as the session reports it. */
    readonly sparkVersion: string,
    lines: readline.Interface,
  ) {
    // Replies are JSON lines; anything else on stdout is the JVM's own (a crash report), kept for the exit message.
    lines.on("line", (line) => {
      const reply = parseReply(line);
      if (reply) this.pending.shift()?.(reply);
      else this.stray = [...this.stray.slice(-20), line];
    });
  }

  /** Starts the session; resolves when Spark is up (a few seconds). */
  static async start(options: SparkSessionOptions): Promise<LocalSparkSession> {
    const env = glueEnv();
    const script = path.join(__dirname, "glue_local.py");
    const child = spawn(
      env.python,
      [
        script,
        "--warehouse",
        options.warehouse,
        "--s3-endpoint",
        options.s3Endpoint,
        "--jars",
        path.join(glueEnvDir(), "jars"),
        "--cores",
        String(options.cores ?? 2),
        "--profile",
        options.profile ?? "small",
      ],
      {
        env: {
          ...process.env,
          TZ: "UTC",
          SPARK_LOCAL_IP: "127.0.0.1",
          AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
          AWS_DEFAULT_REGION: MOTO_REGION,
          PYTHONDONTWRITEBYTECODE: "1",
          PYTHONUNBUFFERED: "1",
        },
      },
    );
    const log = options.log ?? (() => undefined);
    let tail: string[] = [];
    readline.createInterface({ input: child.stderr }).on("line", (l) => {
      tail = [...tail.slice(-40), l];
      log(l);
    });
    const lines = readline.createInterface({ input: child.stdout });
    const ready = await new Promise<Reply>((resolve, reject) => {
      lines.on("line", function first(l) {
        const reply = parseReply(l);
        if (!reply) return;
        lines.off("line", first);
        resolve(reply);
      });
      child.once("exit", (code) => reject(new Error(`local Spark exited with ${code} before it was ready:\n${tail.join("\n")}`)));
    });
    if (!ready.ok) throw new Error(`local Spark failed to start: ${ready.error}`);
    const session = new LocalSparkSession(child, String(ready.spark), lines);
    child.once("exit", (code) => {
      session.exit = `local Spark exited with ${code}:\n${[...tail, ...session.stray].join("\n")}`;
      for (const waiter of session.pending.splice(0)) waiter({ ok: false, error: session.exit });
    });
    return session;
  }

  /**
   * Runs a run manifest stored at `manifestUri` with the Glue job's code; returns the counts it logged per table. The
   * job refuses a manifest whose bytes do not hash to `manifestSha256` (what the poller passes as `--manifest_sha256`).
   */
  async apply(
    manifestUri: string,
    manifestSha256: string,
    jdbc?: JdbcTarget,
    failAfter?: InjectedFailure,
  ): Promise<AppliedTable[]> {
    const r = await this.request({
      op: "apply",
      manifest: manifestUri,
      manifestSha256,
      jdbc: jdbc ?? null,
      failAfter: failAfter ?? null,
    });
    if (process.env.CDC_SPARK_TRACE) console.error(`spark apply ${manifestUri}: ${String(r.seconds)} s`);
    return (r.tables as Array<{ table: string; counts: Record<string, number> }>).map((t) => ({
      table: t.table,
      counts: countsFromSummary(Object.entries(t.counts).map(([action, n]) => ({ action, n }))),
    }));
  }

  /** Rows of a Spark SQL query: decimals and 64-bit integers as strings, binary as `{base64}`, times in ISO form. */
  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    const r = await this.request({ op: "query", sql });
    const columns = r.columns as string[];
    return (r.rows as unknown[][]).map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
  }

  /**
   * Runs another Glue script of handlers/glue/ with this session, as Glue would run it with `argv`: its
   * `run_job(spark, argv, aws)`, with AWS clients on the local emulator. Returns what it returns.
   */
  async job(script: "validate_large_file", argv: string[]): Promise<unknown> {
    const r = await this.request({ op: "job", script, argv });
    return r.result;
  }

  /**
   * Writes a table's publication file from its Iceberg table in `namespace`: the live rows in publication column order,
   * sorted by key (or change identity), like DuckDB's. Returns the row count.
   */
  async exportPublication(meta: TableMetadata, namespace: string[], file: string): Promise<number> {
    const plan = new TablePlan(meta, sparkDialect, defaultTableNames(meta, namespace));
    const cols = plan.publicationColumns().map(sparkDialect.quote);
    const order = (plan.mode === "upsert" ? meta.primaryKey : ["_cdc_seq", "_cdc_row"]).map(sparkDialect.quote);
    return this.exportParquet(`SELECT ${cols.join(", ")} FROM ${plan.name("target")} ORDER BY ${order.join(", ")}`, file);
  }

  /** Writes the rows of a query, in its order, as one Parquet file; returns the row count. */
  async exportParquet(sql: string, file: string): Promise<number> {
    const r = await this.request({ op: "export", sql, path: file });
    return Number(r.rows);
  }

  /** Runs one Spark SQL statement. */
  async sql(sql: string): Promise<void> {
    await this.request({ op: "sql", sql });
  }

  async stop(): Promise<void> {
    if (this.exit === undefined && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      await this.request({ op: "stop" }).catch(() => undefined);
      await exited;
    }
  }

  /** One request at a time, in order: the session is single-threaded like a Glue job's driver. */
  private request(body: Record<string, unknown>): Promise<Extract<Reply, { ok: true }>> {
    const run = async () => {
      if (this.exit !== undefined) throw new Error(this.exit);
      const reply = await new Promise<Reply>((resolve) => {
        this.pending.push(resolve);
        this.child.stdin.write(`${JSON.stringify(body)}\n`);
      });
      if (!reply.ok) throw new SparkJobError(reply.error, reply.kind ?? "Error");
      return reply;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function parseReply(line: string): Reply | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Reply;
  } catch {
    return undefined;
  }
}
