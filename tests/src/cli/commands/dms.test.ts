/**
 * `cdc dms status|stop|resume|reload-table` against DMS and CloudWatch through aws-sdk-client-mock, with the response
 * shapes of their API references: the status table, refusals in the wrong task state, and the requests sent.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  AccessDeniedFault,
  InvalidResourceStateFault,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type ReplicationTask,
} from "@aws-sdk/client-database-migration-service";
import { mockClient } from "aws-sdk-client-mock";
import { cdc } from "../../../support/cli";

const TASK_ARN = "arn:aws:dms:eu-west-2:111111111111:task:7QBLNBTPCNDEBG7CHI3WA73YFA";
const INSTANCE_ARN = "arn:aws:dms:eu-west-2:111111111111:rep:6UTDJGBOUS3VI3SUWA66XFJCJQ";

const dms = mockClient(DatabaseMigrationServiceClient);
const cloudwatch = mockClient(CloudWatchClient);
afterEach(() => {
  dms.reset();
  cloudwatch.reset();
});

function task(status: string): ReplicationTask {
  return {
    ReplicationTaskIdentifier: "cdc-dev-sales",
    ReplicationTaskArn: TASK_ARN,
    ReplicationInstanceArn: INSTANCE_ARN,
    MigrationType: "full-load-and-cdc",
    Status: status,
    ...(status === "stopped" ? { StopReason: "Stop Reason NORMAL" } : {}),
    ReplicationTaskStats: {
      FullLoadProgressPercent: 100,
      ElapsedTimeMillis: 86_400_000,
      TablesLoaded: 2,
      TablesLoading: 0,
      TablesQueued: 0,
      TablesErrored: 0,
      StartDate: new Date("2026-11-20T08:00:00Z"),
      FreshStartDate: new Date("2026-11-01T08:00:00Z"),
    },
  };
}

function dmsIs(status: string) {
  dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [task(status)] });
  dms.on(DescribeTableStatisticsCommand).resolves({
    ReplicationTaskArn: TASK_ARN,
    TableStatistics: [
      {
        SchemaName: "dbo",
        TableName: "Customer",
        TableState: "Table completed",
        FullLoadRows: 1200,
        Inserts: 40,
        Updates: 7,
        Deletes: 1,
        Ddls: 0,
        LastUpdateTime: new Date("2026-11-22T09:59:00Z"),
      },
      { SchemaName: "dbo", TableName: "Invoice", TableState: "Table error", FullLoadRows: 0, Inserts: 0, Updates: 0, Deletes: 0 },
    ],
  });
  dms.on(DescribeReplicationInstancesCommand).resolves({
    ReplicationInstances: [{ ReplicationInstanceIdentifier: "cdc-dev-sales", ReplicationInstanceArn: INSTANCE_ARN }],
  });
}

const args = (cmd: string, ...more: string[]) => ["dms", cmd, "--stack", "dev", "--source", "sales", ...more];

describe("cdc dms status", () => {
  it("shows the task's state, its CDC latency and a table of its tables", async () => {
    dmsIs("running");
    cloudwatch
      .on(GetMetricStatisticsCommand, { MetricName: "CDCLatencySource" })
      .resolves({
        Label: "CDCLatencySource",
        Datapoints: [
          { Timestamp: new Date("2026-11-22T09:58:00Z"), Average: 2.4, Unit: "Seconds" },
          { Timestamp: new Date("2026-11-22T09:59:00Z"), Average: 3.6, Unit: "Seconds" },
        ],
      })
      .on(GetMetricStatisticsCommand, { MetricName: "CDCLatencyTarget" })
      .resolves({ Label: "CDCLatencyTarget", Datapoints: [] });
    const r = await cdc(...args("status"));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "task cdc-dev-sales: running",
        "  started 2026-11-20T08:00:00.000Z",
        "  CDC latency: source 4 s, target no data",
        "",
        "TABLE         STATE            FULL LOAD  INSERTS  UPDATES  DELETES  LAST UPDATE",
        "dbo.Customer  Table completed  1200       40       7        1        2026-11-22T09:59:00.000Z",
        "dbo.Invoice   Table error      0          0        0        0",
      ].join("\n"),
    );
    // The metrics DMS publishes per task: the instance's identifier and the task's resource id.
    const q = cloudwatch.commandCalls(GetMetricStatisticsCommand)[0].args[0].input;
    expect(q).toMatchObject({
      Namespace: "AWS/DMS",
      Dimensions: [
        { Name: "ReplicationInstanceIdentifier", Value: "cdc-dev-sales" },
        { Name: "ReplicationTaskIdentifier", Value: "7QBLNBTPCNDEBG7CHI3WA73YFA" },
      ],
    });
    expect(dms.commandCalls(DescribeReplicationTasksCommand)[0].args[0].input.Filters).toEqual([
      { Name: "replication-task-id", Values: ["cdc-dev-sales"] },
    ]);
  });

  it("a task DMS does not have: one line, no stack trace", async () => {
    dms.on(DescribeReplicationTasksCommand).resolves({ ReplicationTasks: [] });
    const r = await cdc(...args("status"));
    expect([r.code, r.stderr]).toEqual([
      1,
      "cdc: DMS has no replication task cdc-dev-sales (stack dev, region eu-west-2); is the source deployed?",
    ]);
  });
});

describe("cdc dms stop|resume", () => {
  it("stop stops a running task", async () => {
    dmsIs("running");
    dms.on(StopReplicationTaskCommand).resolves({ ReplicationTask: task("stopping") });
    const r = await cdc(...args("stop"));
    expect(r.stdout).toBe("task cdc-dev-sales: stopping; resume with cdc dms resume --stack dev --source sales");
    expect(dms.commandCalls(StopReplicationTaskCommand)[0].args[0].input).toEqual({ ReplicationTaskArn: TASK_ARN });
  });

  it.each(["stopped", "starting", "failed"])("stop refuses a task that is %s, and sends nothing", async (status) => {
    dmsIs(status);
    const r = await cdc(...args("stop"));
    expect([r.code, r.stderr]).toEqual([1, `cdc: task cdc-dev-sales is ${status}; stop applies only to a running task`]);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(0);
  });

  it.each(["stopped", "failed"])("resume continues a %s task from its last position", async (status) => {
    dmsIs(status);
    dms.on(StartReplicationTaskCommand).resolves({ ReplicationTask: task("starting") });
    const r = await cdc(...args("resume"));
    expect(r.stdout).toBe("task cdc-dev-sales: starting, continuing from its last position");
    expect(dms.commandCalls(StartReplicationTaskCommand)[0].args[0].input).toEqual({
      ReplicationTaskArn: TASK_ARN,
      StartReplicationTaskType: "resume-processing",
    });
  });

  it.each(["running", "stopping", "ready"])("resume refuses a task that is %s", async (status) => {
    dmsIs(status);
    const r = await cdc(...args("resume"));
    expect([r.code, r.stderr]).toEqual([
      1,
      `cdc: task cdc-dev-sales is ${status}; resume applies only to a stopped or failed task`,
    ]);
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(0);
  });
});

describe("cdc dms reload-table", () => {
  it("reloads one table (data-reload) and says what every target will do", async () => {
    dmsIs("running");
    dms.on(ReloadTablesCommand).resolves({ ReplicationTaskArn: TASK_ARN });
    const r = await cdc(...args("reload-table", "--table", "dbo.customer"));
    expect(r.code).toBe(0);
    expect(dms.commandCalls(ReloadTablesCommand)[0].args[0].input).toEqual({
      ReplicationTaskArn: TASK_ARN,
      TablesToReload: [{ SchemaName: "dbo", TableName: "Customer" }],
      ReloadOption: "data-reload",
    });
    expect(r.stdout).toContain("reloading dbo.Customer");
    expect(r.stdout).toContain("each target starts a new generation of dbo.Customer");
  });

  it("refuses a table the task does not replicate, a malformed name, and a task that is not running", async () => {
    dmsIs("running");
    expect((await cdc(...args("reload-table", "--table", "dbo.Nope"))).stderr).toBe(
      "cdc: --table dbo.Nope: task cdc-dev-sales does not replicate it",
    );
    expect((await cdc(...args("reload-table", "--table", "Customer"))).stderr).toBe(
      'cdc: --table: expected schema.table, got "Customer"',
    );
    dms.reset();
    dmsIs("stopped");
    expect((await cdc(...args("reload-table", "--table", "dbo.Customer"))).stderr).toBe(
      "cdc: task cdc-dev-sales is stopped; DMS reloads tables only of a running task",
    );
    expect(dms.commandCalls(ReloadTablesCommand)).toHaveLength(0);
  });
});

describe("what AWS answers, as one line (an SDK error carries $metadata)", () => {
  const meta = { httpStatusCode: 400, requestId: "3f1e4b8e-0c1d-4c2a-9a55-2f0d8d7f3c11", attempts: 1, totalRetryDelay: 0 };

  it("stop refused by DMS (the task stopped meanwhile): the fault's name and message, no stack trace", async () => {
    dmsIs("running");
    dms
      .on(StopReplicationTaskCommand)
      .rejects(new InvalidResourceStateFault({ message: "Replication task is not running", $metadata: meta }));
    const r = await cdc(...args("stop"));
    expect([r.code, r.stderr]).toEqual([1, "cdc: InvalidResourceStateFault: Replication task is not running"]);
  });

  it("status without permission on DescribeReplicationInstances: one line", async () => {
    dmsIs("running");
    const message =
      "User: arn:aws:sts::111111111111:assumed-role/cdc-ops/x is not authorized to perform: dms:DescribeReplicationInstances";
    dms.on(DescribeReplicationInstancesCommand).rejects(new AccessDeniedFault({ message, $metadata: meta }));
    const r = await cdc(...args("status"));
    expect([r.code, r.stderr]).toEqual([1, `cdc: AccessDeniedFault: ${message}`]);
  });

  it('no permission to find the task is not "is the source deployed?"', async () => {
    const message = "not authorized to perform: dms:DescribeReplicationTasks";
    dms.on(DescribeReplicationTasksCommand).rejects(new AccessDeniedFault({ message, $metadata: meta }));
    const r = await cdc(...args("resume"));
    expect([r.code, r.stderr]).toEqual([1, `cdc: AccessDeniedFault: ${message}`]);
  });
});
