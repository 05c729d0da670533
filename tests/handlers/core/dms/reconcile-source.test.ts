/**
 * What a reconciliation run reads: with the ledger of the run before, only the files that are new or replaced, at most
 * `concurrency` at a time, and nothing after its deadline. Harmonized files on moto carry their row count in their
 * metadata, as the validate Lambda writes them; DMS's control plane is aws-sdk-client-mock with the API's shapes.
 */
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
} from "@aws-sdk/client-database-migration-service";
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { cdcFileName } from "../../../../handlers/core/dms-key";
import { reconcileSource, type RunLimits, type SourceReconciliation } from "../../../../handlers/core/dms/reconcile-source";
import { ROW_COUNT_METADATA } from "../../../../handlers/core/dms/evidence";
import { motoDescribe, useMoto, type Moto } from "../../../support/moto";

const TASK_ARN = "arn:aws:dms:eu-west-2:111111111111:task:CDCDEVSALES";
const DAY = 86_400_000;
const now = new Date("2024-04-01T00:00:00Z");
const created = new Date(now.getTime() - 3 * DAY);

motoDescribe("reconcileSource: each run reads what is new since its ledger", () => {
  const aws = useMoto();
  const dms = mockClient(DatabaseMigrationServiceClient);
  afterEach(() => dms.reset());

  /** DMS: the task created 3 days ago, `inserts` changes counted for dbo.orders. */
  function dmsCounted(inserts: number) {
    dms.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        {
          ReplicationTaskIdentifier: "cdc-dev-sales",
          ReplicationTaskArn: TASK_ARN,
          Status: "running",
          ReplicationTaskStats: { FreshStartDate: created, StartDate: created },
        },
      ],
    });
    dms.on(DescribeTableStatisticsCommand).resolves({
      ReplicationTaskArn: TASK_ARN,
      TableStatistics: [
        {
          SchemaName: "dbo",
          TableName: "orders",
          TableState: "Table completed",
          FullLoadRows: 0,
          Inserts: inserts,
          Updates: 0,
          Deletes: 0,
          FullLoadStartTime: created,
          FullLoadReloaded: false,
          LastUpdateTime: new Date(now.getTime() - DAY),
        },
      ],
    });
  }

  const keyAt = (minutesAfterCreation: number) =>
    `dbo/orders/${cdcFileName(new Date(created.getTime() + minutesAfterCreation * 60_000))}.parquet`;

  async function harmonized(m: Moto, bucket: string, key: string, rows: number) {
    await m.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: `rows:${rows}`, Metadata: { [ROW_COUNT_METADATA]: String(rows) } }),
    );
  }

  interface World {
    buckets: { raw: string; quarantine: string; harmonized: string };
    heads: () => number;
    maxInFlight: () => number;
  }

  /** Three empty buckets, and a count of HEADs (and the most at once) made through moto's client. */
  async function world(m: Moto): Promise<World> {
    const id = Math.random().toString(36).slice(2, 8);
    const buckets = {
      raw: await m.createBucket(`raw-${id}`),
      quarantine: await m.createBucket(`quarantine-${id}`),
      harmonized: await m.createBucket(`harmonized-${id}`),
    };
    let heads = 0;
    let inFlight = 0;
    let max = 0;
    const send = m.s3.send.bind(m.s3);
    jest.spyOn(m.s3, "send").mockImplementation((async (command: unknown) => {
      if (!(command instanceof HeadObjectCommand)) return send(command as never);
      heads++;
      max = Math.max(max, ++inFlight);
      try {
        return await send(command as never);
      } finally {
        inFlight--;
      }
    }) as never);
    return { buckets, heads: () => heads, maxInFlight: () => max };
  }
  afterEach(() => jest.restoreAllMocks());

  const run = (m: Moto, w: World, limits: RunLimits, at = now): Promise<SourceReconciliation> =>
    reconcileSource(
      { dms: new DatabaseMigrationServiceClient({ region: "eu-west-2" }), s3: m.s3 },
      {
        source: "sales",
        taskId: "cdc-dev-sales",
        rawBucket: w.buckets.raw,
        quarantineBucket: w.buckets.quarantine,
        harmonizedBucket: w.buckets.harmonized,
        targets: [],
      },
      { now: at, batchSeconds: 60, staleMinutes: 60, applyGraceMinutes: 120, toleranceRows: 0 },
      limits,
    );

  it("a second run HEADs only the new files, at most `concurrency` at a time, and finds the same totals", async () => {
    const m = aws();
    const w = await world(m);
    // A file every 30 minutes for 3 days, one row each.
    for (let i = 0; i < 144; i++) await harmonized(m, w.buckets.harmonized, keyAt(i * 30), 1);
    dmsCounted(144);
    const first = await run(m, w, { concurrency: 4 });
    expect([w.heads(), first.reads, first.tables[0].drift]).toEqual([144, 144, undefined]);
    expect(w.maxInFlight()).toBeLessThanOrEqual(4);
    expect(w.maxInFlight()).toBeGreaterThan(1);

    // An hour later, two more files: only they are read.
    for (const i of [144, 145]) await harmonized(m, w.buckets.harmonized, keyAt(i * 30), 1);
    dmsCounted(146);
    const second = await run(m, w, { concurrency: 4, ledger: first.ledger }, new Date(now.getTime() + 3_600_000));
    expect([w.heads() - 144, second.reads]).toEqual([2, 2]);
    expect(second.tables[0].stages[0]).toMatchObject({ stage: "raw", expected: 146, found: 146, drift: false });
    // Most of the files are folded into a running total: the ledger does not grow with the table's history.
    expect(Object.keys(second.ledger.tables["dbo.orders"].harmonized.files).length).toBeLessThan(10);
  });

  it("a file replaced since (another ETag) is counted again, once; a folded file deleted since stays counted", async () => {
    const m = aws();
    const w = await world(m);
    for (let i = 0; i < 10; i++) await harmonized(m, w.buckets.harmonized, keyAt(i * 30), 1);
    const recent = `dbo/orders/${cdcFileName(new Date(now.getTime() - 10 * 60_000))}.parquet`;
    await harmonized(m, w.buckets.harmonized, recent, 1);
    dmsCounted(11);
    const first = await run(m, w, { concurrency: 4 });
    expect(first.tables[0].drift).toBeUndefined();
    // The recent file is rewritten with 3 rows; an old (folded) one is deleted by hand.
    await harmonized(m, w.buckets.harmonized, recent, 3);
    await m.s3.send(new DeleteObjectCommand({ Bucket: w.buckets.harmonized, Key: keyAt(0) }));
    dmsCounted(13);
    const second = await run(m, w, { concurrency: 4, ledger: first.ledger });
    expect(second.reads).toBe(1);
    expect(second.tables[0].stages[0]).toMatchObject({ expected: 13, found: 13, drift: false });
  });

  it("stops reading at the deadline with a partial result, and the next run goes on from there", async () => {
    const m = aws();
    const w = await world(m);
    for (let i = 0; i < 20; i++) await harmonized(m, w.buckets.harmonized, keyAt(i * 30), 1);
    dmsCounted(20);
    // A clock that passes the deadline after 5 reads.
    const clock = () => (w.heads() >= 5 ? 2 : 0);
    const partial = await run(m, w, { concurrency: 1, deadline: 1, clock });
    expect(partial.incomplete).toEqual(["dbo.orders"]);
    expect(partial.tables).toEqual([]);
    expect(w.heads()).toBe(5);
    const rest = await run(m, w, { concurrency: 1, ledger: partial.ledger });
    expect([rest.incomplete, rest.reads]).toEqual([[], 15]);
    expect(rest.tables[0].stages[0]).toMatchObject({ expected: 20, found: 20, drift: false });
  });

  it("a ledger that does not fit (a window starting inside what it folded) is rebuilt, with the reason", async () => {
    const m = aws();
    const w = await world(m);
    for (let i = 0; i < 10; i++) await harmonized(m, w.buckets.harmonized, keyAt(i * 30), 1);
    dmsCounted(10);
    const first = await run(m, w, { concurrency: 4 });
    // The task resumed 2 hours after its creation and its counters restarted: 6 files since.
    const resumed = new Date(created.getTime() + 2 * 3_600_000 - 1);
    dms.on(DescribeReplicationTasksCommand).resolves({
      ReplicationTasks: [
        {
          ReplicationTaskIdentifier: "cdc-dev-sales",
          ReplicationTaskArn: TASK_ARN,
          Status: "running",
          ReplicationTaskStats: { FreshStartDate: created, StartDate: resumed },
        },
      ],
    });
    const second = await run(m, w, { concurrency: 4, ledger: first.ledger });
    expect(second.rebuilt).toEqual([
      { table: "dbo.orders", reason: expect.stringMatching(/^a window starts at \d{8}-\d{9}, inside the folded part$/) },
    ]);
    expect(second.reads).toBe(10);
    expect(second.tables[0].window.from).toBe("fresh-start");
    expect(second.tables[0].drift).toBeUndefined();
  });
});
