/**
 * The poller's failure handling end to end with the local DuckDB runner standing in for the Glue job (DuckDB as the
 * lake table, MariaDB as the MySQL target). The same scenarios run on the Glue job's own code on local Spark + Iceberg
 * in poll-failures.spark.test.ts.
 *
 * - Per-table isolation (DESIGN §5, issue #12 item 3): a poison file holds its table, the target goes on
 *   (poll-isolation-scenario.ts).
 * - A run failing as a whole (poll-run-failure-scenario.ts): each run connects to MariaDB first, as the job opens its
 *   JDBC connection before any table, and fails when MariaDB is unreachable; retried with backoff, no table held.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TableMetadata } from "../../metadata/format";
import type { DuckDbExecutor } from "../../src/executors/duckdb";
import { MySqlExecutor } from "../../src/executors/mysql";
import { LocalGlueJob, LocalJobRuns, type LocalRun } from "../../src/local/glue-runner";
import { motoDescribe, useMoto } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { runIsolationScenario } from "./poll-isolation-scenario";
import { runRunFailureScenario } from "./poll-run-failure-scenario";

const isolationDb = mysqlTestDatabase("cdc_poll_isolation");
const runFailureDb = mysqlTestDatabase("cdc_poll_run_failure");

/** The local runner behind a connection to the target opened first (and closed after), as the Glue job does. */
class ConnectingJob extends LocalJobRuns {
  constructor(
    private readonly url: string,
    private readonly runner: (mysql: MySqlExecutor) => LocalGlueJob,
  ) {
    super();
  }

  protected async execute(jobRunId: string, manifestUri: string, manifestSha256: string): Promise<LocalRun> {
    const mysql = await MySqlExecutor.connect(this.url);
    try {
      const inner = this.runner(mysql);
      await inner.start(manifestUri, manifestSha256);
      const run = await inner.wait();
      if (!run) throw inner.failed[0].error;
      return { ...run, jobRunId };
    } finally {
      await mysql.close();
    }
  }
}

motoDescribe("the poller's failures on the local runner (DuckDB and MariaDB)", () => {
  const aws = useMoto();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-poll-failures-"));
  const env = { ...process.env };
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    process.env = env;
  });

  /** The local runner applying to DuckDB and `mysql`, its files under `dir`. */
  const localJob = (dir: string, tables: readonly TableMetadata[], duck: DuckDbExecutor, mysql: MySqlExecutor) =>
    new LocalGlueJob({
      s3: aws().s3,
      tables,
      duck,
      mysql,
      tombstoneRetentionDays: 7,
      workDir: path.join(dir, "work"),
      publicationDir: path.join(dir, "pub"),
    });

  isolationDb.describe("a poison file", () => {
    it("holds A with one alert, applies B to the end (messages lost too), and after the fix and resume A equals the model", async () => {
      await aws().server.reset();
      const dir = path.join(root, "isolation");
      await runIsolationScenario(
        aws(),
        {
          mysqlUrl: isolationDb.url(),
          // DuckDB's Parquet reader on the garbage page header.
          poisonError: /^Error: Invalid Error: /,
          job: ({ tables, duck, mysql }) => localJob(dir, tables, duck, mysql),
        },
        dir,
      );
    }, 120_000);
  });

  runFailureDb.describe("an unreachable MariaDB", () => {
    it("retries the run, alerts once, goes on by itself once MariaDB is back; resume retries at once", async () => {
      await aws().server.reset();
      const dir = path.join(root, "run-failure");
      await runRunFailureScenario(
        aws(),
        {
          mysqlUrl: runFailureDb.url(),
          unreachableError: /ECONNREFUSED/,
          job: (url, duck, tables) => new ConnectingJob(url, (mysql) => localJob(dir, tables, duck, mysql)),
        },
        dir,
      );
    }, 120_000);
  });
});
