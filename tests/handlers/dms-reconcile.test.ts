/**
 * Reconciliation with DMS: DMS's control plane through aws-sdk-client-mock with the response shapes of the DMS API
 * reference (DescribeReplicationTasks, DescribeTableStatistics with a Marker), the pipeline's side from the real
 * stores on moto — files DMS would write put in raw, moved by the real validate Lambda to harmonized or quarantine,
 * and the poller's state document in the lake bucket.
 */
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  type TableStatistics,
} from "@aws-sdk/client-database-migration-service";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { mockClient } from "aws-sdk-client-mock";
import { cdcFileName } from "../../handlers/core/dms-key";
import { ledgerKey, type Ledger } from "../../handlers/core/dms/ledger";
import { RECONCILE_METRICS } from "../../handlers/core/metric-names";
import { createDmsReconcileHandler, dmsReconcileEnvFrom, type DmsReconcileDeps } from "../../handlers/dms-reconcile";
import { motoDescribe, useMoto, type Moto } from "../support/moto";
import { ordersTable } from "../support/parquet-fixtures";
import { ordersFile } from "./core/validation/bad-files";
import { createPipeline, handlerFor, lambdaContext, sqsEvent, type Pipeline } from "./validate-harness";

const TASK_ARN = "arn:aws:dms:eu-west-2:111111111111:task:CDCDEVSALES";
const HOUR = 3600_000;
/** Each CDC file of ordersFile() holds one insert, one update and one delete. */
const CDC_FILES = ["20240111-000000000", "20240111-000100000", "20240111-000200000"];

/** A TableStatistics entry as DMS returns it (API reference, TableStatistics). */
function stats(table: string, o: Partial<TableStatistics> = {}): TableStatistics {
  return {
    SchemaName: "dbo",
    TableName: table,
    Inserts: 0,
    Deletes: 0,
    Updates: 0,
    Ddls: 0,
    AppliedInserts: 0,
    AppliedDeletes: 0,
    AppliedUpdates: 0,
    AppliedDdls: 0,
    FullLoadRows: 0,
    FullLoadCondtnlChkFailedRows: 0,
    FullLoadErrorRows: 0,
    FullLoadStartTime: new Date("2024-01-10T23:00:00Z"),
    FullLoadEndTime: new Date("2024-01-10T23:00:05Z"),
    FullLoadReloaded: false,
    LastUpdateTime: new Date("2024-01-11T00:02:00Z"),
    TableState: "Table completed",
    ValidationPendingRecords: 0,
    ValidationFailedRecords: 0,
    ValidationSuspendedRecords: 0,
    ValidationState: "Not enabled",
    ...o,
  };
}

const counts = (files: number, o: Partial<TableStatistics> = {}) =>
  stats("orders", { FullLoadRows: 3, Inserts: files, Updates: files, Deletes: files, ...o });

motoDescribe("dms-reconcile: DMS's table statistics against the pipeline's stores", () => {
  const aws = useMoto();
  const dms = mockClient(DatabaseMigrationServiceClient);
  afterEach(() => dms.reset());

  /** DMS's answers: the task (running, dates as given) and its statistics on two pages. */
  function dmsSays(table: TableStatistics, task: { StartDate?: Date; FreshStartDate?: Date } = {}) {
    dms.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        {
          ReplicationTaskIdentifier: "cdc-dev-sales",
          ReplicationTaskArn: TASK_ARN,
          MigrationType: "full-load-and-cdc",
          Status: "running",
          ReplicationTaskStats: {
            FullLoadProgressPercent: 100,
            ElapsedTimeMillis: 3_600_000,
            TablesLoaded: 2,
            TablesLoading: 0,
            TablesQueued: 0,
            TablesErrored: 0,
            FreshStartDate: task.FreshStartDate ?? new Date("2024-01-10T23:00:00Z"),
            StartDate: task.StartDate ?? new Date("2024-01-10T23:00:00Z"),
            FullLoadStartDate: new Date("2024-01-10T23:00:00Z"),
            FullLoadFinishDate: new Date("2024-01-10T23:00:05Z"),
          },
        },
      ],
    });
    dms
      .on(DescribeTableStatisticsCommand, { ReplicationTaskArn: TASK_ARN, Marker: undefined })
      .resolves({ ReplicationTaskArn: TASK_ARN, TableStatistics: [stats("customers")], Marker: "page-2" })
      .on(DescribeTableStatisticsCommand, { ReplicationTaskArn: TASK_ARN, Marker: "page-2" })
      .resolves({ ReplicationTaskArn: TASK_ARN, TableStatistics: [table] });
  }

  interface World {
    p: Pipeline;
    lake: string;
    env: ReturnType<typeof dmsReconcileEnvFrom>;
  }

  /** A full load and `cdcFiles` CDC files of dbo.orders, validated by the real Lambda; `inRaw` left in raw. */
  async function world(m: Moto, opts: { cdcFiles?: string[]; inRaw?: string[]; quarantine?: string[] } = {}): Promise<World> {
    const p = await createPipeline(m);
    const lake = await m.createBucket(`lake-${Math.random().toString(36).slice(2, 8)}`);
    const artifacts = await m.createBucket(`artifacts-${Math.random().toString(36).slice(2, 8)}`);
    const keys = ["dbo/orders/LOAD00000001.parquet", ...(opts.cdcFiles ?? CDC_FILES).map((f) => `dbo/orders/${f}.parquet`)];
    for (const k of keys) await m.putObject(p.raw, k, ordersFile({ kind: k.includes("LOAD") ? "load" : "cdc" }));
    // A file the validate Lambda refuses (no Op column): its rows go to quarantine.
    for (const f of opts.quarantine ?? [])
      await m.putObject(p.raw, `dbo/orders/${f}.parquet`, ordersFile({ replace: { Op: null } }));
    const validate = handlerFor(m, p, [ordersTable()]);
    const events = await m.drainQueue(p.validationQueueUrl);
    expect((await validate(sqsEvent(events), lambdaContext)).batchItemFailures).toEqual([]);
    for (const f of opts.inRaw ?? []) await m.putObject(p.raw, `dbo/orders/${f}.parquet`, ordersFile());
    const env = dmsReconcileEnvFrom({
      SOURCE: "sales",
      DMS_TASK_ID: "cdc-dev-sales",
      DMS_TASK_ARN: TASK_ARN,
      RAW_BUCKET: p.raw,
      QUARANTINE_BUCKET: p.settings.quarantineBucket,
      HARMONIZED_BUCKET: p.settings.harmonizedBucket,
      LAKE_BUCKET: lake,
      ALERT_TOPIC_ARN: p.settings.alertTopicArn,
      LEDGER_BUCKET: artifacts,
      RECONCILE_TARGETS: JSON.stringify([{ name: "reporting", tables: ["dbo.*"] }]),
      BATCH_SECONDS: "60",
    });
    return { p, lake, env };
  }

  /** The poller's state: `dbo.orders` applied through `through` (and its full load), optionally held. */
  async function applied(m: Moto, w: World, through: string, held = false) {
    const h = w.p.settings.harmonizedBucket;
    const listed = await m.s3.send(new ListObjectsV2Command({ Bucket: h, Prefix: "dbo/orders/LOAD" }));
    const loadEtag = listed.Contents?.[0]?.ETag as string;
    const uri = (f: string) => `s3://${h}/dbo/orders/${f}.parquet`;
    const state = {
      version: 1,
      target: "sales/reporting",
      tables: {
        "dbo.orders": {
          appliedThrough: uri(through),
          loads: { [uri("LOAD00000001")]: loadEtag },
          ...(held
            ? {
                held: {
                  since: "2024-01-11T01:00:00.000Z",
                  runId: "r1",
                  manifestUri: "s3://lake/runs/r1.json",
                  files: [uri(CDC_FILES[2])],
                  file: uri(CDC_FILES[2]),
                  error: "boom",
                },
              }
            : {}),
        },
      },
    };
    await m.putObject(w.lake, "state/sales/reporting/tables.json", JSON.stringify(state));
  }

  async function run(m: Moto, w: World, now: Date, more: Partial<DmsReconcileDeps> = {}) {
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
    const handler = createDmsReconcileHandler({
      dms: new DatabaseMigrationServiceClient({ region: "eu-west-2" }),
      s3: m.s3,
      sns: m.sns,
      env: w.env,
      now: () => now,
      logger: new Logger({ serviceName: "t", logLevel: "SILENT" }),
      metrics: new Metrics({ namespace: "cdc-test", serviceName: "dms-reconcile" }),
      ...more,
    });
    const result = await handler();
    const all = (await m.drainQueue(w.p.alertQueueUrl)).map(
      (b) => JSON.parse((JSON.parse(b) as { Message: string }).Message) as Record<string, unknown>,
    );
    return { result, alerts: all.filter((a) => a.kind === "reconciliation-drift"), all };
  }

  it("no drift: every row DMS counted is validated and applied, so no alert", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[2]);
    dmsSays(counts(3));
    const { result, alerts } = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    expect(alerts).toEqual([]);
    const orders = result.tables.find((t) => t.table === "dbo.orders");
    expect(orders?.stages.map((s) => [s.stage, s.expected, s.found, s.difference])).toEqual([
      ["raw", 12, 12, 0],
      ["validated", 12, 12, 0],
      ["applied:reporting", 12, 12, 0],
    ]);
    expect(result.tables.map((t) => t.table)).toEqual(["dbo.customers", "dbo.orders"]);
    expect(dms.commandCalls(DescribeTableStatisticsCommand)).toHaveLength(2);
  });

  it("a batch DMS counted that never arrived: one alert naming the table, the raw stage and the numbers", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[2]);
    dmsSays(counts(4));
    const { alerts } = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    expect(alerts).toEqual([
      {
        kind: "reconciliation-drift",
        source: "sales",
        table: "dbo.orders",
        stage: "raw",
        dms: { fullLoadRows: 3, inserts: 4, updates: 4, deletes: 4, state: "Table completed", window: "fresh-start" },
        pipeline: { load: 3, cdc: 9, expected: 15, found: 12 },
        inFlight: { rows: 0, rawRows: 0, dmsBatch: false },
        difference: 3,
        command: "cdc reconcile --stack <stack> --source sales --table dbo.orders",
      },
    ]);
  });

  it("a validated file the target never applied: one alert at applied:<target> once the grace has passed", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[1]);
    dmsSays(counts(3));
    // Within the grace the last file is in flight to the target.
    expect((await run(aws(), w, new Date(Date.now() + 10 * 60_000))).alerts).toEqual([]);
    const { alerts } = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    expect(alerts.map((a) => [a.table, a.stage, a.difference])).toEqual([["dbo.orders", "applied:reporting", 3]]);
  });

  it("a table the target holds is not drift: its own alert (table-held) and cdc target resume deal with it", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[1], true);
    dmsSays(counts(3));
    const { result, alerts } = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    expect(alerts).toEqual([]);
    expect(result.tables[1].stages[2]).toMatchObject({ stage: "applied:reporting", note: "held by the target", drift: false });
  });

  it("in flight within tolerance: a file still in raw and a batch DMS counted a moment ago give no alert", async () => {
    // A table busy since the task started 10 minutes ago: a file every 2 minutes, the last one still in raw.
    const now = new Date();
    const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    const names = [8, 6, 4, 2].map((m) => cdcFileName(ago(m)));
    const w = await world(aws(), { cdcFiles: names.slice(0, 3), inRaw: [names[3]] });
    await applied(aws(), w, names[2]);
    // 4 files arrived (one still in raw), and DMS counted a fifth batch within its batch interval: 15 changes in
    // 10 minutes, so up to 9 rows (its rate × 180 s × 2) may not be in a file yet.
    const task = { StartDate: ago(10), FreshStartDate: ago(10) };
    dmsSays(counts(5, { LastUpdateTime: new Date(now.getTime() - 30_000) }), task);
    const { result, alerts } = await run(aws(), w, now);
    expect(alerts).toEqual([]);
    const orders = result.tables[1];
    expect(orders.inFlight).toMatchObject({ rawRows: 3, dmsBatch: true, dmsBatchRows: 3 });
    expect(orders.stages[1]).toMatchObject({ stage: "validated", expected: 15, found: 12, inFlight: 3, drift: false });

    // The same raw file still there hours later is no longer in flight: drift at validated.
    dmsSays(counts(4), task);
    const later = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    expect(later.alerts.map((a) => [a.stage, a.difference])).toEqual([["validated", 3]]);
  });

  it("quarantined rows are counted as validated-but-not-harmonized, with the replay in the note", async () => {
    const w = await world(aws(), { quarantine: ["20240111-000300000"] });
    await applied(aws(), w, CDC_FILES[2]);
    dmsSays(counts(4));
    const { result } = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    const v = result.tables[1].stages[1];
    expect(v).toMatchObject({ stage: "validated", expected: 15, found: 15, drift: false });
    expect(v.note).toBe("3 rows quarantined (cdc quarantine replay)");
  });

  it("after a resume, counters that restarted from zero and counters that kept counting both fit: no false drift", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[2]);
    // Resumed after the first CDC file was written.
    const task = { FreshStartDate: new Date("2024-01-10T23:00:00Z"), StartDate: new Date("2024-01-11T00:00:30Z") };
    dmsSays(counts(2), task);
    const reset = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    expect(reset.alerts).toEqual([]);
    expect(reset.result.tables[1].window.from).toBe("task-start");
    dmsSays(counts(3), task);
    const kept = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
    expect(kept.alerts).toEqual([]);
    expect(kept.result.tables[1].window.from).toBe("fresh-start");
    // Files from before the oldest window are not even listed: DMS cannot count them.
    dmsSays(counts(1), { FreshStartDate: new Date("2024-01-11T00:01:30Z"), StartDate: new Date("2024-01-11T00:01:30Z") });
    expect((await run(aws(), w, new Date(Date.now() + 3 * HOUR))).alerts).toEqual([]);
  });

  it("after a table reload, FullLoadRows is the new load's: files of the old, longer load do not count", async () => {
    const w = await world(aws());
    // The first load had a second file; the reload wrote only LOAD00000001 again.
    await aws().putObject(w.p.settings.harmonizedBucket, "dbo/orders/LOAD00000002.parquet", ordersFile({ kind: "load" }));
    const listed = await aws().s3.send(
      new ListObjectsV2Command({ Bucket: w.p.settings.harmonizedBucket, Prefix: "dbo/orders/LOAD00000002" }),
    );
    const reloadStart = new Date((listed.Contents?.[0]?.LastModified as Date).getTime() + 1000);
    while (Date.now() < reloadStart.getTime()) await new Promise((r) => setTimeout(r, 100));
    await aws().putObject(w.p.raw, "dbo/orders/LOAD00000001.parquet", ordersFile({ kind: "load" }));
    const validate = handlerFor(aws(), w.p, [ordersTable()]);
    expect((await validate(sqsEvent(await aws().drainQueue(w.p.validationQueueUrl)), lambdaContext)).batchItemFailures).toEqual(
      [],
    );
    await applied(aws(), w, CDC_FILES[2]);
    // The reloaded table's CDC counters restarted with it (no CDC since), or kept counting: both fit.
    for (const cdc of [0, 3]) {
      dmsSays(counts(cdc, { FullLoadReloaded: true, FullLoadStartTime: reloadStart, LastUpdateTime: reloadStart }));
      const { result, alerts } = await run(aws(), w, new Date(Date.now() + 3 * HOUR));
      expect([cdc, alerts]).toEqual([cdc, []]);
      expect(result.tables[1].pipeline.load).toBe(3);
    }
  });

  it("the same drift is alerted once, a changed difference again; the metric goes out every run", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[2]);
    const later = new Date(Date.now() + 3 * HOUR);
    const metric = jest.spyOn(Metrics.prototype, "addMetric");
    dmsSays(counts(4));
    expect((await run(aws(), w, later)).alerts.map((a) => a.difference)).toEqual([3]);
    expect((await run(aws(), w, later)).alerts).toEqual([]);
    dmsSays(counts(5));
    expect((await run(aws(), w, later)).alerts.map((a) => [a.stage, a.difference])).toEqual([["raw", 6]]);
    // Three runs, two tables each: one data point per table and run, drifting or not.
    const drift = metric.mock.calls.filter(([name]) => name === RECONCILE_METRICS.driftRows);
    expect(drift.map(([, , value]) => value)).toEqual([0, 3, 0, 3, 0, 6]);
    metric.mockRestore();
    // The drift ends: no alert, and when it comes back it is alerted again.
    dmsSays(counts(3));
    expect((await run(aws(), w, later)).alerts).toEqual([]);
    dmsSays(counts(4));
    expect((await run(aws(), w, later)).alerts.map((a) => a.difference)).toEqual([3]);
  });

  it("metadata tables DMS does not report are alerted once as not replicated", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[2]);
    dmsSays(counts(3));
    const metadataTables = ["dbo.customers", "dbo.invoices", "dbo.orders"];
    const first = await run(aws(), w, new Date(Date.now() + 3 * HOUR), { metadataTables });
    expect(first.result.notReplicated).toEqual(["dbo.invoices"]);
    expect(first.all.filter((a) => a.kind !== "reconciliation-drift")).toEqual([
      {
        kind: "reconciliation-not-replicated",
        source: "sales",
        tables: ["dbo.invoices"],
        command: "cdc reconcile --stack <stack> --source sales",
      },
    ]);
    const second = await run(aws(), w, new Date(Date.now() + 3 * HOUR), { metadataTables });
    expect([second.result.notReplicated, second.all]).toEqual([["dbo.invoices"], []]);
  });

  it("a corrupt ledger is rebuilt from scratch with a warning, never trusted", async () => {
    const w = await world(aws());
    await applied(aws(), w, CDC_FILES[2]);
    dmsSays(counts(3));
    const later = new Date(Date.now() + 3 * HOUR);
    const fresh = await run(aws(), w, later);
    // Counts that would hide a lost batch, in a document that no longer parses as a ledger.
    const key = ledgerKey("sales");
    const stored = JSON.parse(Buffer.from((await aws().getObject(w.env.ledgerBucket, key)) ?? []).toString("utf-8")) as Ledger;
    const files = stored.tables["dbo.orders"].harmonized.files;
    files[Object.keys(files).find((k) => !k.includes("LOAD")) as string].rows += 3;
    await aws().putObject(w.env.ledgerBucket, key, JSON.stringify({ ...stored, version: 2 }));
    const logger = new Logger({ serviceName: "t", logLevel: "SILENT" });
    const warn = jest.spyOn(logger, "warn");
    dmsSays(counts(4));
    const { result, alerts } = await run(aws(), w, later, { logger });
    expect(warn).toHaveBeenCalledWith("ledger unusable: counting every table from scratch", {
      key,
      reason: "ledger is malformed at version: Invalid input: expected 1",
    });
    expect(alerts.map((a) => [a.table, a.stage, a.difference])).toEqual([["dbo.orders", "raw", 3]]);
    expect(result.tables[1].stages.map((x) => x.found)).toEqual(fresh.result.tables[1].stages.map((x) => x.found));
  });
});
