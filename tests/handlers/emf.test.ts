/**
 * What reaches CloudWatch from the handlers: the EMF lines Powertools Metrics writes, read back from stdout as the
 * Lambda runtime would ship them. Every metric has the one `service` dimension and the table travels as a property
 * (handlers/core/metric-names.ts: a per-table dimension would cost thousands a month at 500 tables × 20 sources).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { createFanOutHandler } from "../../handlers/fan-out";
import { emfPollMetrics } from "../../handlers/poll";
import { createValidateHandler } from "../../handlers/validate";
import { generateDmsOutput } from "../../src/local/dms-generator";
import { useFauxqs } from "../support/fauxqs";
import { motoDescribe, useMoto } from "../support/moto";
import { ordersTable, tempDir } from "../support/parquet-fixtures";
import { createPipeline, lambdaContext, notifications } from "./validate-harness";
import * as fs from "node:fs";

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  [key: string]: unknown;
}

/** Runs `work` with metrics enabled and returns the EMF lines written to stdout meanwhile. */
async function emfLines(work: () => Promise<unknown>): Promise<EmfLine[]> {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
    if (saved === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = saved;
  }
  return written
    .join("")
    .split("\n")
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as EmfLine);
}

const metricNames = (l: EmfLine) => l._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));
const dimensionSets = (lines: EmfLine[]) => [
  ...new Set(lines.flatMap((l) => l._aws.CloudWatchMetrics.map((m) => JSON.stringify(m.Dimensions)))),
];
const silent = new Logger({ logLevel: "SILENT" });

motoDescribe("validate Lambda EMF on moto", () => {
  const aws = useMoto();
  const tmp = tempDir("cdc-emf");
  afterAll(tmp.cleanup);

  it("one line per file: its outcome and violations, the table as a property, only the service dimension", async () => {
    const p = await createPipeline(aws());
    const files = generateDmsOutput({ tables: [ordersTable()], outDir: tmp.dir, rows: 10, changes: 10, seed: 3 });
    const good = files.find((f) => f.kind === "cdc")!;
    await aws().putObject(p.raw, good.key, new Uint8Array(fs.readFileSync(good.path)));
    // The same bytes under another table's prefix: a file of the wrong shape for dbo.customers, quarantined.
    const wrong = good.key.replace("/orders/", "/customers/");
    await aws().putObject(p.raw, wrong, new Uint8Array(fs.readFileSync(good.path)));
    const handler = createValidateHandler({
      s3: aws().s3,
      sqs: aws().sqs,
      sns: aws().sns,
      tables: [ordersTable(), { ...ordersTable("dbo", "customers"), columns: ordersTable().columns.slice(0, 2) }],
      settings: p.settings,
      logger: silent,
      metrics: new Metrics({ namespace: "cdc/dev", serviceName: "cdc-dev-sales-validate" }),
    });
    const event: SQSEvent = await notifications(aws(), p);
    const lines = await emfLines(() => handler(event, lambdaContext));

    expect(lines).toHaveLength(2);
    expect(dimensionSets(lines)).toEqual([JSON.stringify([["service"]])]);
    for (const l of lines) expect(l.service).toBe("cdc-dev-sales-validate");
    const harmonized = lines.find((l) => metricNames(l).includes("FilesHarmonized"))!;
    expect(harmonized).toMatchObject({ table: "dbo.orders", FilesHarmonized: 1 });
    const quarantined = lines.find((l) => metricNames(l).includes("FilesQuarantined"))!;
    expect(quarantined).toMatchObject({ table: "dbo.customers", FilesQuarantined: 1 });
    expect(metricNames(quarantined).some((n) => n.startsWith("Violation_"))).toBe(true);
    // No property of one file leaks into the other's line.
    expect(metricNames(harmonized)).toEqual(["FilesHarmonized"]);
  });
});

describe("poller EMF", () => {
  it("commit to target per table and the run's Glue cost, each on its own line with its table or run", async () => {
    const metrics = new Metrics({ namespace: "cdc/dev", serviceName: "cdc-dev-sales-reporting-poll" });
    const lines = await emfLines(async () => {
      const emf = emfPollMetrics(metrics);
      emf.tableApplied({ table: "dbo.Invoice", runId: "r1", commitToTargetSeconds: 312 });
      emf.tableApplied({ table: "dbo.Payment", runId: "r1", commitToTargetSeconds: 95 });
      emf.runSettled({ runId: "r1", attempts: 2, executionSeconds: 130, dpuHours: 0.123456 });
    });
    expect(lines.map((l) => [l.table, l.CommitToTargetSeconds, l.GlueRunSeconds, l.GlueDpuHours])).toEqual([
      ["dbo.Invoice", 312, undefined, undefined],
      ["dbo.Payment", 95, undefined, undefined],
      [undefined, undefined, 130, 0.1235],
    ]);
    expect(dimensionSets(lines)).toEqual([JSON.stringify([["service"]])]);
    expect(lines[2]).toMatchObject({ runId: "r1", attempts: "2", service: "cdc-dev-sales-reporting-poll" });
  });
});

describe("fan-out EMF on fauxqs", () => {
  const aws = useFauxqs();

  it("counts the copies sent to target queues and the unreadable messages of each invocation", async () => {
    const queueUrl = await aws().createQueue("emf-reporting");
    const handler = createFanOutHandler({
      sqs: aws().sqs,
      targets: [{ name: "reporting", tables: ["dbo.*"], queueUrl }],
      logger: silent,
      metrics: new Metrics({ namespace: "cdc/dev", serviceName: "cdc-dev-sales-fan-out" }),
    });
    const body = (n: number) =>
      JSON.stringify({
        version: 1,
        source: "sales",
        schema: "dbo",
        table: "orders",
        bucket: "harmonized",
        key: `dbo/orders/20261122-01010100000${n}.parquet`,
        etag: `"e${n}"`,
        sizeBytes: 1,
        rowCount: 1,
        kind: "cdc",
        minSeq: "1",
        maxSeq: "2",
        validatedAt: "2026-11-22T01:01:01.000Z",
      });
    const event = { Records: [body(1), body(2), "not json"].map((b, i) => ({ messageId: `m${i}`, body: b }) as SQSRecord) };
    const lines = await emfLines(() => handler(event));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ FileCopiesSent: 2, UnreadableMessages: 1, service: "cdc-dev-sales-fan-out" });
    expect(dimensionSets(lines)).toEqual([JSON.stringify([["service"]])]);
  });
});
