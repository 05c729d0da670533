/**
 * A run failing as a whole (the scenario of poll-run-failure-scenario.ts) with the local DuckDB runner standing in for
 * the Glue job: each run connects to MariaDB first, as the job opens its JDBC connection before any table, and fails
 * when MariaDB is unreachable. The same scenario runs on the Glue job's own code in poll-failures.spark.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MySqlExecutor } from "../../src/executors/mysql";
import { LocalGlueJob, LocalJobRuns, type LocalRun } from "../../src/local/glue-runner";
import { motoDescribe, useMoto } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { runRunFailureScenario } from "./poll-run-failure-scenario";

const db = mysqlTestDatabase("cdc_poll_run_failure");

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

motoDescribe("a run failing as a whole: retried with backoff, no table held", () => {
  db.describe("on DuckDB and MariaDB", () => {
    const aws = useMoto();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-run-failure-"));
    const env = { ...process.env };
    afterAll(() => {
      fs.rmSync(root, { recursive: true, force: true });
      process.env = env;
    });

    it("retries while MariaDB is unreachable, alerts once, goes on by itself once it is back; resume retries at once", async () => {
      await runRunFailureScenario(
        aws(),
        {
          mysqlUrl: db.url(),
          unreachableError: /ECONNREFUSED/,
          job: (url, duck, tables) =>
            new ConnectingJob(
              url,
              (mysql) =>
                new LocalGlueJob({
                  s3: aws().s3,
                  tables,
                  duck,
                  mysql,
                  tombstoneRetentionDays: 7,
                  workDir: path.join(root, "work"),
                  publicationDir: path.join(root, "pub"),
                }),
            ),
        },
        root,
      );
    }, 120_000);
  });
});
