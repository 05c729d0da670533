/**
 * Local mode (`cdc local`, `npm start`): one example pipeline end to end with no AWS. moto provides S3, SQS and SNS
 * (src/local/aws.ts); the generator plays DMS, writing a full load and a CDC stream into the raw bucket round by round;
 * the raw bucket notifies the validation queue itself, configured as the deployment declares it; the real handlers
 * run — validate → fan-out → poller — and the poller's manifests are
 * executed by the local Glue runner (DuckDB, and MySQL when given) or, with `engine: "spark"`, by the Glue job's own
 * code on local Spark + Iceberg (src/local/spark/spark-glue-job.ts). Every file's time from landing in raw to being
 * queryable is measured.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { readMetadataDir } from "../../metadata/load";
import type { TableMetadata } from "../../metadata/format";
import { createFanOutHandler } from "../../handlers/fan-out";
import { createPollHandler } from "../../handlers/poll";
import { createValidateHandler } from "../../handlers/validate";
import type { PollResult } from "../../handlers/core/poller/ports";
import { DuckDbExecutor } from "../executors/duckdb";
import { MySqlExecutor } from "../executors/mysql";
import { UserError } from "../errors";
import { clientsFor, startLocalAws, type LocalAws } from "./aws";
import { CountingMetrics, drainInto, quietLogger } from "./event-source";
import { LocalGlueJob, type LocalJobRuns, type LocalRun } from "./glue-runner";
import { SparkGlueJob } from "./spark/spark-glue-job";
import { LocalSparkSession } from "./spark/spark-session";
import { jdbcFromMysqlUrl } from "./spark/spark-session";
import { glueEnv } from "./glue-env/paths";
import { configureRawNotification } from "./raw-notification";
import { Traffic } from "./traffic";

export interface LocalPipelineOptions {
  metadataDir: string;
  /** `.cdc-local`: the DuckDB database, publication Parquet files, generated DMS files, fetched batch files. */
  outDir: string;
  rows: number;
  changesPerRound: number;
  rounds: number;
  seed: number;
  /** Name of the one target (default `reporting`, subscribed to every table). */
  target?: string;
  mysqlUrl?: string;
  /** Who runs the manifests: the DuckDB stand-in (default) or the Glue job's code on local Spark + Iceberg. */
  engine?: "duckdb" | "spark";
  tombstoneRetentionDays?: number;
  /** Keep generating rounds until aborted (`--watch`). */
  watch?: AbortSignal;
  /** Pause between rounds in watch mode (default 2000 ms). */
  watchIntervalMs?: number;
  /** Use the moto server at this endpoint instead of starting one (its S3 must deliver bucket notifications). */
  endpoint?: string;
  progress?: (line: string) => void;
}

export interface LocalPipelineResult {
  /** Who ran the Glue runs. */
  engine: "duckdb" | "spark";
  source: string;
  target: string;
  tables: TableMetadata[];
  runs: LocalRun[];
  /** Milliseconds from landing in raw to queryable, one per delivered file. */
  latenciesMs: number[];
  files: { landed: number; harmonized: number; quarantined: number };
  databaseFile: string;
  publicationDir: string;
  /** Copies of the run manifests. */
  runsDir: string;
  /** Set while the result is used; closed by {@link LocalPipelineResult.close}. */
  duck: DuckDbExecutor;
  mysql?: MySqlExecutor;
  close(): Promise<void>;
}

const MARKER = ".cdc-local";

/** Runs the local pipeline; the caller reports from the result and then closes it. */
export async function runLocalPipeline(opts: LocalPipelineOptions): Promise<LocalPipelineResult> {
  const progress = opts.progress ?? (() => undefined);
  const { source: sourceMeta, tables } = readMetadataDir(opts.metadataDir);
  const source = sourceMeta.source;
  const target = opts.target ?? "reporting";
  if (!opts.endpoint) glueEnv(); // no venv for moto: one line saying how to create it, before anything is written
  const dirs = prepareOutDir(opts.outDir);

  const started = Date.now();
  const aws: LocalAws = opts.endpoint ? { ...clientsFor(opts.endpoint), stop: async () => undefined } : await startLocalAws();
  const duck = await DuckDbExecutor.open(dirs.database, { threads: 1 });
  let mysql: MySqlExecutor | undefined;
  let spark: LocalSparkSession | undefined;
  try {
    mysql = opts.mysqlUrl ? await connectMysql(opts.mysqlUrl) : undefined;
    progress(
      `aws: ${opts.endpoint ? "using moto at" : "started moto at"} ${aws.endpoint}; target ${target}: DuckDB ${dirs.database}` +
        (mysql ? ` and MySQL ${redact(opts.mysqlUrl as string)}` : ""),
    );
    const names = await createResources(aws, source, target);
    const metrics = new CountingMetrics();
    const validate = createValidateHandler({
      s3: aws.s3,
      sqs: aws.sqs,
      sns: aws.sns,
      tables,
      logger: quietLogger("cdc-validate"),
      metrics,
      settings: {
        source,
        harmonizedBucket: names.harmonized,
        quarantineBucket: names.quarantine,
        alertTopicArn: names.alertTopic,
        fanOutQueueUrl: names.fanOut.url,
        largeFileBytes: 256 * 1024 * 1024,
      },
    });
    const fanOut = createFanOutHandler({
      sqs: aws.sqs,
      targets: [{ name: target, tables: ["*.*"], queueUrl: names.target.url }],
      logger: quietLogger("cdc-fan-out"),
      backoffMs: () => 0,
    });
    const retention = opts.tombstoneRetentionDays ?? 7;
    const sparkNamespace = ["glue_catalog", `cdc_local_${source}`];
    let job: LocalJobRuns;
    if (opts.engine === "spark") {
      progress(`starting local Spark 3.5 + Iceberg (catalog in ${dirs.iceberg}): the Glue job's code applies each run`);
      spark = await LocalSparkSession.start({ warehouse: dirs.iceberg, s3Endpoint: aws.endpoint });
      job = new SparkGlueJob({
        s3: aws.s3,
        spark,
        tables,
        sparkNamespace,
        jdbc: opts.mysqlUrl ? jdbcFromMysqlUrl(opts.mysqlUrl) : undefined,
        publicationDir: dirs.publication,
        duck,
        manifestDir: dirs.runs,
      });
    } else {
      job = new LocalGlueJob({
        s3: aws.s3,
        tables,
        duck,
        mysql,
        tombstoneRetentionDays: retention,
        workDir: dirs.work,
        publicationDir: dirs.publication,
        manifestDir: dirs.runs,
      });
    }
    const poll = createPollHandler({
      s3: aws.s3,
      sqs: aws.sqs,
      sns: aws.sns,
      runs: job,
      tables,
      logger: quietLogger("cdc-poll"),
      settings: {
        source,
        target,
        queueUrl: names.target.url,
        lakeBucket: names.lake,
        harmonizedBucket: names.harmonized,
        alertTopicArn: names.alertTopic,
        sparkNamespace,
        mysql: mysql?.flavor ?? false,
        tombstoneRetentionDays: retention,
        visibilityTimeoutSeconds: 300,
      },
    });

    // S3's notification from the raw bucket to the validation queue, as ValidatedLanding declares it. S3 confirms a
    // new configuration with an s3:TestEvent on the queue; the handler takes it and ignores it, as in AWS.
    await configureRawNotification(aws.s3, names.raw, names.validation.arn);
    await drainInto(aws.sqs, names.validation, validate, "cdc-local-validate");

    const traffic = new Traffic({
      tables,
      dir: dirs.dms,
      rows: opts.rows,
      changesPerRound: opts.changesPerRound,
      rounds: opts.rounds,
      seed: opts.seed,
    });
    const landedAt = new Map<string, number>();
    const latencies: number[] = [];
    const counted = new Set<string>();
    let roundNo = 0;
    const runRound = async (files: ReturnType<Traffic["next"]>[number]) => {
      const label = `round ${roundNo === 0 ? "0 (full load)" : roundNo}`;
      roundNo++;
      for (const f of files) {
        const body = fs.readFileSync(f.path);
        // The raw bucket announces the object on the validation queue itself (configureRawNotification above).
        await aws.s3.send(new PutObjectCommand({ Bucket: names.raw, Key: f.key, Body: body }));
        landedAt.set(f.key, Date.now());
      }
      const quarantinedBefore = metrics.totals.get("FilesQuarantined") ?? 0;
      const v = await drainInto(aws.sqs, names.validation, validate, "cdc-local-validate");
      const quarantined = (metrics.totals.get("FilesQuarantined") ?? 0) - quarantinedBefore;
      const fo = await drainInto(aws.sqs, names.fanOut, fanOut, "cdc-local-fan-out");
      const applied = await pollUntilIdle(poll, job);
      for (const run of applied) {
        for (const t of run.tables) {
          if (t.failed !== undefined) {
            progress(`${t.table}: held (its statements failed: ${t.failed}); see cdc target status`);
            continue;
          }
          for (const uri of t.files) {
            const key = uri.replace(/^s3:\/\/[^/]+\//, "");
            const at = landedAt.get(key);
            if (at !== undefined && !counted.has(key)) {
              counted.add(key);
              latencies.push(run.finishedAt.getTime() - at);
            }
          }
        }
      }
      const changes = applied.flatMap((r) => r.tables).reduce((n, t) => n + t.lake.changes, 0);
      progress(
        `${label}: landed ${files.length} file${files.length === 1 ? "" : "s"} → validated ${v.records - v.failed}` +
          `${v.failed ? ` (${v.failed} failed)` : ""}${quarantined ? ` (${quarantined} quarantined)` : ""} → fanned out ${fo.records} → ` +
          `${applied.length} run${applied.length === 1 ? "" : "s"} applied ${changes} changes`,
      );
    };

    for (const round of traffic.next()) await runRound(round);
    while (opts.watch && !opts.watch.aborted) {
      for (const round of traffic.next()) {
        if (opts.watch.aborted) break;
        await runRound(round);
        await sleep(opts.watchIntervalMs ?? 2000, opts.watch);
      }
    }
    progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const harmonized = metrics.totals.get("FilesHarmonized") ?? 0;
    const quarantined = metrics.totals.get("FilesQuarantined") ?? 0;
    await spark?.stop();
    await aws.stop();
    return {
      engine: opts.engine ?? "duckdb",
      source,
      target,
      tables,
      runs: job.finished,
      latenciesMs: latencies,
      files: { landed: landedAt.size, harmonized, quarantined },
      databaseFile: dirs.database,
      publicationDir: dirs.publication,
      runsDir: dirs.runs,
      duck,
      mysql,
      async close() {
        duck.close();
        await mysql?.close();
      },
    };
  } catch (err) {
    await spark?.stop();
    await aws.stop();
    duck.close();
    await mysql?.close();
    throw err;
  }
}

/** Polls until the poller finds nothing to do, waiting for each run it starts (or re-submits). */
async function pollUntilIdle(poll: () => Promise<PollResult>, job: LocalJobRuns): Promise<LocalRun[]> {
  const runs: LocalRun[] = [];
  for (let attempts = 0; attempts < 100; attempts++) {
    const r = await poll();
    if (r.outcome === "idle") return runs;
    const run = await job.wait();
    if (run) runs.push(run);
    const failed = job.failed[0];
    if (failed) throw new Error(`local Glue run ${failed.jobRunId} on ${failed.manifestUri} failed: ${failed.error.message}`);
  }
  throw new Error("the poller did not settle after 100 ticks");
}

interface Names {
  raw: string;
  harmonized: string;
  quarantine: string;
  lake: string;
  alertTopic: string;
  validation: { url: string; arn: string };
  fanOut: { url: string; arn: string };
  target: { url: string; arn: string };
}

/** The buckets, queues and topic of one source with one target, named like the deployed ones. */
async function createResources(aws: LocalAws, source: string, target: string): Promise<Names> {
  const base = `cdc-local-${source.toLowerCase()}`;
  const bucket = async (kind: string) => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: `${base}-${kind}` }));
    return `${base}-${kind}`;
  };
  const queue = async (name: string) => queueOf(aws.sqs, name);
  return {
    raw: await bucket("raw"),
    harmonized: await bucket("harmonized"),
    quarantine: await bucket("quarantine"),
    lake: await bucket("lake"),
    alertTopic: (await aws.sns.send(new CreateTopicCommand({ Name: `${base}-alerts` }))).TopicArn as string,
    validation: await queue(`${base}-validation`),
    fanOut: await queue(`${base}-fan-out`),
    target: await queue(`${base}-${target}`),
  };
}

async function queueOf(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return { url, arn: attrs.Attributes?.QueueArn as string };
}

/**
 * Empties the output directory of a previous local run (only one this command made: it carries a marker file), so
 * counts and latencies describe this run.
 */
function prepareOutDir(outDir: string) {
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0 && !fs.existsSync(path.join(outDir, MARKER))) {
    throw new UserError(`${outDir}: exists and was not made by cdc local; choose another --out`);
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, MARKER), "made by `cdc local`; deleted and rebuilt on every run\n");
  return {
    database: path.join(outDir, "cdc.duckdb"),
    publication: path.join(outDir, "publication"),
    dms: path.join(outDir, "dms"),
    work: path.join(outDir, "work"),
    runs: path.join(outDir, "runs"),
    iceberg: path.join(outDir, "iceberg"),
  };
}

async function connectMysql(url: string): Promise<MySqlExecutor> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== "mysql:" || parsed.pathname.replace(/^\//, "") === "")
    throw new UserError("--mysql / CDC_MYSQL_URL: expected mysql://user:pass@host:port/database");
  try {
    return await MySqlExecutor.connect(url);
  } catch (err) {
    const reason = (err as { code?: string }).code ?? (err as Error).message;
    throw new UserError(`--mysql ${redact(url)}: cannot connect (${reason})`);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}
