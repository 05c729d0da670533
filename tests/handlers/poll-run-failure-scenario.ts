/**
 * A run that fails as a whole (issue #12), run by each engine's test file with its own job:
 * tests/handlers/poll-failures.test.ts (the local DuckDB runner, which connects to MariaDB first as the Glue job
 * does) and poll-failures.spark.test.ts (the Glue job's own code, whose `GlueEngine.__init__` opens the JDBC
 * connection before any table). The MySQL target is unreachable (a port nothing listens on), so the job dies without a
 * `.done` marker. On moto (S3, SQS, SNS) with the real poller: the run is retried with backoff, alerts once, holds no
 * table, and once MariaDB is reachable again the next retry applies everything without anyone acting; a second outage
 * is ended at once by `cdc target resume` with no table. Both tables then equal the reference model on the engine's lake
 * table and on MariaDB.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import type { TableMetadata } from "../../metadata/format";
import { createPollHandler } from "../../handlers/poll";
import type { JobRunInfo } from "../../handlers/core/poller/ports";
import type { GeneratedFile } from "../../src/local/dms-generator";
import { DuckDbExecutor } from "../../src/executors/duckdb";
import { MySqlExecutor } from "../../src/executors/mysql";
import { LocalJobRuns, type LocalRun } from "../../src/local/glue-runner";
import { MOTO_REGION } from "../../src/local/glue-env/moto";
import { canonicalRows, ReferenceModel } from "../support/reference-model";
import type { Moto } from "../support/moto";
import { cdc } from "../support/cli";
import { readModelFile } from "../src/local/model-files";
import { INVOICE, PAYMENT, pollTarget } from "./poll-target-fixture";

export interface RunFailureEngine {
  /** The engine's job for one run against the MariaDB at `mysqlUrl`; `duck` holds the lake table's rows after it. */
  job(mysqlUrl: string, duck: DuckDbExecutor, tables: readonly TableMetadata[]): LocalJobRuns;
  /** MariaDB database URL (a scratch database of the test file). */
  mysqlUrl: string;
  /** The engine's error when the target is unreachable, as the failed job run reports it. */
  unreachableError: RegExp;
}

/** A job whose every run is a fresh run of the engine's job against the MySQL URL of the moment (`url`). */
class RetargetableJob extends LocalJobRuns {
  constructor(
    public url: string,
    private readonly make: (url: string) => LocalJobRuns,
  ) {
    super();
  }

  protected async execute(jobRunId: string, manifestUri: string, manifestSha256: string): Promise<LocalRun> {
    const inner = this.make(this.url);
    await inner.start(manifestUri, manifestSha256);
    const run = await inner.wait();
    if (!run) throw inner.failed[0].error;
    return { ...run, jobRunId };
  }

  /** Failed runs with their error, as Glue's GetJobRuns reports ErrorMessage. */
  override async recent(): Promise<JobRunInfo[]> {
    const errors = new Map(this.failed.map((f) => [f.jobRunId, f.error.message]));
    return (await super.recent()).map((r) => (errors.has(r.id) ? { ...r, error: errors.get(r.id) } : r));
  }
}

export async function runRunFailureScenario(aws: Moto, engine: RunFailureEngine, root: string): Promise<void> {
  const [A, B] = [INVOICE, PAYMENT];
  const target = await pollTarget(aws, root, { rows: 10, changes: 20, seed: 7 });
  const { a, b, lake, alertsQueue, state } = target;
  const reachable = engine.mysqlUrl;
  const unreachable = reachable.replace(/@([^/:]+)(:\d+)?\//, "@127.0.0.1:1/");
  expect(unreachable).not.toBe(reachable);
  const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
  const mysql = await MySqlExecutor.connect(reachable);
  const job = new RetargetableJob(unreachable, (url) => engine.job(url, duck, [A, B]));
  let clock = new Date();
  const minutes = (n: number) => (clock = new Date(clock.getTime() + n * 60_000));
  const poll = createPollHandler({
    s3: aws.s3,
    sqs: aws.sqs,
    sns: aws.sns,
    runs: job,
    tables: [A, B],
    logger: new Logger({ logLevel: "SILENT" }),
    now: () => clock,
    settings: { ...target.settings, mysql: mysql.flavor },
  });
  const deliver = (f: GeneratedFile) => target.land(f).then(() => target.announce(f, clock));
  const tick = async () => {
    const r = await poll();
    await job.wait();
    return r;
  };
  const untilIdle = async () => {
    for (let i = 0; i < 10; i++) if ((await tick()).outcome === "idle") return;
    throw new Error("the poller did not settle");
  };
  const expectModel = async (meta: TableMetadata, applied: GeneratedFile[]) => {
    const model = new ReferenceModel(meta);
    model.applyBatch(await Promise.all(applied.map((f) => readModelFile(duck.connection, f.path))));
    expect(canonicalRows(meta, await duck.rows(meta))).toEqual(model.rows());
    expect(canonicalRows(meta, await mysql.rows(meta))).toEqual(model.rows());
  };
  const where = ["--lake-bucket", lake, "--source", "sales", "--target", "reporting", "--endpoint", aws.endpoint];
  where.push("--region", MOTO_REGION);

  try {
    // MariaDB unreachable: the first run fails, is re-submitted at once, fails again and then waits 5 minutes.
    await deliver(a[0]);
    await deliver(b[0]);
    expect(await tick()).toMatchObject({ outcome: "started" });
    const runId = (await tick()) as { outcome: string; runId: string };
    expect(runId.outcome).toBe("resubmitted");
    const waiting = await tick();
    expect(waiting).toMatchObject({ outcome: "waiting", retryAt: new Date(clock.getTime() + 300_000).toISOString() });
    expect(job.failed).toHaveLength(2);
    let s = await state();
    expect(s.run).toMatchObject({ runId: runId.runId, failures: 2, cleared: 0 });
    expect(s.run?.error).toMatch(engine.unreachableError);
    expect(s.tables).toEqual({});
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);

    // The third failure alerts, once; nothing is held.
    minutes(5);
    expect(await tick()).toMatchObject({ outcome: "resubmitted" });
    expect(await tick()).toMatchObject({ outcome: "waiting", retryAt: new Date(clock.getTime() + 600_000).toISOString() });
    const alerts = await aws.drainQueue(alertsQueue);
    expect(alerts).toHaveLength(1);
    const alert = JSON.parse(alerts[0]) as { Subject: string; Message: string };
    expect(alert.Subject).toBe("cdc: sales/reporting run failing");
    expect(JSON.parse(alert.Message)).toMatchObject({ kind: "run-failing", source: "sales", target: "reporting" });
    expect(alert.Message).toContain("No table is at fault and none is held");
    const status = await cdc("target", "status", ...where);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`RUN FAILING: run ${runId.runId} failed as a whole 3 times since`);
    expect(status.stdout).toContain(`error: ${(await state()).run?.error}`);
    expect(status.stdout).not.toContain("HELD");
    minutes(1);
    expect(await tick()).toMatchObject({ outcome: "waiting" });
    expect(job.failed).toHaveLength(3);
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);

    // MariaDB is back: when the backoff is over the run goes through, and the target goes on with no one acting.
    job.url = reachable;
    minutes(10);
    await untilIdle();
    await expectModel(A, [a[0]]);
    await expectModel(B, [b[0]]);
    s = await state();
    expect(s.run).toBeUndefined();
    expect(Object.values(s.tables).filter((t) => t.held)).toEqual([]);
    expect(job.failed).toHaveLength(3);

    // A second outage, ended by `cdc target resume` with no table: the run is retried at the next tick.
    job.url = unreachable;
    for (const f of [a[1], b[1]]) await deliver(f);
    expect(await tick()).toMatchObject({ outcome: "started" });
    expect(await tick()).toMatchObject({ outcome: "resubmitted" });
    expect(await tick()).toMatchObject({ outcome: "waiting" });
    job.url = reachable;
    const resumed = await cdc("target", "resume", ...where);
    expect(resumed.stderr).toBe("");
    expect(resumed.stdout).toMatch(/^run \S+ of sales\/reporting: the poller's next tick starts it again$/);
    expect(await tick()).toMatchObject({ outcome: "resubmitted" });
    await untilIdle();
    await expectModel(A, a.slice(0, 2));
    await expectModel(B, b.slice(0, 2));
    expect((await state()).run).toBeUndefined();
    expect(await aws.drainQueue(alertsQueue)).toEqual([]);
    const again = await cdc("target", "resume", ...where, "--run");
    expect(again).toMatchObject({ code: 1, stderr: "cdc: no run of sales/reporting is failing" });
  } finally {
    duck.close();
    await mysql.close();
  }
}
