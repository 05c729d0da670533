/**
 * `cdc reconcile` end to end: the stack's buckets on fauxqs (S3), DMS through aws-sdk-client-mock with the shapes of
 * its API reference. What it prints for metadata tables DMS does not report, and AWS's refusals as one line.
 */
import * as path from "node:path";
import {
  AccessDeniedFault,
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
} from "@aws-sdk/client-database-migration-service";
import { mockClient } from "aws-sdk-client-mock";
import { loadStackFile } from "../../../../src/config-sources";
import { bucketName } from "../../../../metadata/naming";
import { cdc } from "../../../support/cli";
import { useFauxqs } from "../../../support/fauxqs";

const PROJECT_DIR = path.resolve(__dirname, "../../../..");
const TASK_ARN = "arn:aws:dms:eu-west-2:111111111111:task:7QBLNBTPCNDEBG7CHI3WA73YFA";
const START = new Date("2026-11-20T08:00:00Z");

describe("cdc reconcile (fauxqs S3)", () => {
  const aws = useFauxqs();
  const dms = mockClient(DatabaseMigrationServiceClient);
  afterEach(() => dms.reset());
  const config = loadStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
  const reconcile = (...extra: string[]) =>
    cdc("reconcile", "--stack", "dev", "--source", "sales", "-C", PROJECT_DIR, "--endpoint", aws().endpoint, ...extra);

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= "test";
    process.env.AWS_SECRET_ACCESS_KEY ??= "test";
    const { ingestion, lake } = config.accounts;
    for (const role of ["raw", "quarantine", "artifacts"] as const)
      await aws().createBucket(bucketName(config.environment, "sales", role, ingestion.accountId));
    for (const role of ["harmonized", "lake"] as const)
      await aws().createBucket(bucketName(config.environment, "sales", role, lake.accountId));
  });

  function taskRuns() {
    dms.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        {
          ReplicationTaskIdentifier: "cdc-dev-sales",
          ReplicationTaskArn: TASK_ARN,
          Status: "running",
          ReplicationTaskStats: { StartDate: START, FreshStartDate: START },
        },
      ],
    });
  }

  it("lists the metadata tables DMS does not report as not replicated", async () => {
    taskRuns();
    // DMS reports only the tables its mappings selected: here one of the six in metadata/sources/sales.
    dms.on(DescribeTableStatisticsCommand).resolves({
      ReplicationTaskArn: TASK_ARN,
      TableStatistics: [
        {
          SchemaName: "dbo",
          TableName: "Customer",
          TableState: "Table completed",
          FullLoadRows: 0,
          Inserts: 0,
          Updates: 0,
          Deletes: 0,
        },
      ],
    });
    const r = await reconcile();
    expect(r.code).toBe(0);
    const notReplicated = r.stdout.split("\n").filter((l) => l.includes("not replicated"));
    expect(notReplicated.map((l) => l.split(":")[0])).toEqual([
      "billing.Subscription",
      "dbo.AuditEvent",
      "dbo.Invoice",
      "dbo.InvoiceLine",
      "dbo.Payment",
    ]);
    expect(r.stdout).toMatch(/^dbo\.Customer +raw +0 +0 +0 +0 +ok/m);
    // `--table` of a metadata table DMS does not report says so instead of "does not replicate it" as a usage error.
    const one = await reconcile("--table", "dbo.Payment");
    expect([one.code, one.stdout]).toEqual([
      0,
      "task cdc-dev-sales: running\n" +
        "dbo.Payment: not replicated (in the metadata, but DMS does not report it: check the task's table mappings)",
    ]);
  });

  it("a task DMS does not have: one line naming the task and the stack", async () => {
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [] });
    const r = await reconcile();
    expect([r.code, r.stderr.split("\n").pop()]).toEqual([
      1,
      "cdc: DMS has no replication task cdc-dev-sales (stack dev, region eu-west-2); is the source deployed?",
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("DMS refusing the statistics: the fault's name and message, one line", async () => {
    taskRuns();
    const message = "not authorized to perform: dms:DescribeTableStatistics";
    dms
      .on(DescribeTableStatisticsCommand)
      .rejects(new AccessDeniedFault({ message, $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 } }));
    const r = await reconcile();
    expect([r.code, r.stderr.split("\n").pop()]).toEqual([1, `cdc: AccessDeniedFault: ${message}`]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
