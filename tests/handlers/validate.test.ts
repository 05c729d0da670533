import * as fs from "node:fs";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { parseValidatedFileMessage } from "../../handlers/core/messages";
import { generateDmsOutput } from "../../src/local/dms-generator";
import { useFauxqs } from "../support/fauxqs";
import { allTypesTable, ordersTable, tempDir } from "../support/parquet-fixtures";
import { badFiles, ordersFile } from "./core/validation/bad-files";
import { createPipeline, eventsFor, handlerFor, lambdaContext, quietTelemetry, sqsEvent } from "./validate-harness";

const tables = [ordersTable(), allTypesTable()];

describe("validate Lambda on fauxqs (S3 + SQS + SNS)", () => {
  const aws = useFauxqs();
  const tmp = tempDir("cdc-validate");
  afterAll(tmp.cleanup);

  it("moves valid DMS files to harmonized, byte for byte, and emits one validated-file message each", async () => {
    const p = await createPipeline(aws());
    const files = generateDmsOutput({
      tables,
      outDir: tmp.dir,
      rows: 40,
      changes: 60,
      seed: 11,
      rowsPerLoadFile: 25,
      changesPerCdcFile: 25,
    });
    const objects = files.map((f, i) => ({
      key: i === 0 ? `dms out/ü+1/${f.key}` : f.key,
      bytes: new Uint8Array(fs.readFileSync(f.path)),
      file: f,
    }));
    for (const o of objects) await aws().putObject(p.raw, o.key, o.bytes);
    const telemetry = quietTelemetry();
    const added = jest.spyOn(telemetry.metrics, "addMetric");
    const handler = handlerFor(aws(), p, tables, telemetry);

    const response = await handler(
      eventsFor(
        p.raw,
        objects.map((o) => ({ key: o.key, size: o.bytes.length })),
      ),
      lambdaContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual(objects.map((o) => o.key).sort());
    for (const o of objects)
      expect(Buffer.from((await aws().getObject(p.settings.harmonizedBucket, o.key))!).equals(Buffer.from(o.bytes))).toBe(true);
    const messages = (await aws().drainQueue(p.settings.fanOutQueueUrl)).map(parseValidatedFileMessage);
    expect(messages).toHaveLength(objects.length);
    for (const o of objects) {
      const m = messages.find((x) => x.key === o.key)!;
      const head = await aws().s3.send(new HeadObjectCommand({ Bucket: p.settings.harmonizedBucket, Key: o.key }));
      expect(m).toMatchObject({
        version: 1,
        source: "sales",
        schema: "dbo",
        table: o.file.table,
        bucket: p.settings.harmonizedBucket,
        etag: head.ETag,
        sizeBytes: o.bytes.length,
        rowCount: o.file.rows,
        kind: o.file.kind,
        minSeq: o.file.minSeq,
        maxSeq: o.file.maxSeq,
      });
      expect(head.Metadata).toMatchObject({ "cdc-validation": "passed", "cdc-row-count": String(o.file.rows) });
    }
    expect(await aws().drainQueue(p.alertQueueUrl)).toEqual([]);
    expect(added).toHaveBeenCalledWith("FilesHarmonized", "Count", 1);
    expect(added.mock.calls.filter((c) => c[0] === "FilesHarmonized")).toHaveLength(objects.length);

    // Duplicate and late events for files already moved are no-ops, never errors; S3's test event is ignored.
    const again = await handler(
      sqsEvent([
        ...eventsFor(
          p.raw,
          objects.map((o) => ({ key: o.key, size: o.bytes.length })),
        ).Records.map((r) => r.body),
        JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: p.raw }),
      ]),
      lambdaContext,
    );
    expect(again.batchItemFailures).toEqual([]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toEqual([]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual(objects.map((o) => o.key).sort());
    expect(added.mock.calls.filter((c) => c[0] === "DuplicateEvents")).toHaveLength(objects.length);
  });

  it("quarantines every bad input with its code, original bytes intact, and one alert each", async () => {
    const p = await createPipeline(aws());
    const bad = badFiles().map((f, i) => ({ ...f, key: `case-${String(i).padStart(2, "0")}/${f.key}` }));
    expect(bad.length).toBeGreaterThanOrEqual(30);
    for (const f of bad) await aws().putObject(p.raw, f.key, f.bytes);
    const handler = handlerFor(aws(), p, tables);

    for (let i = 0; i < bad.length; i += 10) {
      const batch = bad.slice(i, i + 10);
      const r = await handler(
        eventsFor(
          p.raw,
          batch.map((f) => ({ key: f.key, size: f.bytes.length })),
        ),
        lambdaContext,
      );
      expect(r.batchItemFailures).toEqual([]);
    }

    expect(await aws().listKeys(p.raw)).toEqual([]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toEqual([]);
    const alerts = (await aws().drainQueue(p.alertQueueUrl)).map(
      (b) =>
        JSON.parse((JSON.parse(b) as { Message: string }).Message) as {
          key: string;
          table: string | null;
          errors: Array<{ code: string }>;
          replay: string;
        },
    );
    expect(alerts).toHaveLength(bad.length);
    // The suggested command must be one the CLI accepts: --stack is a required option.
    for (const a of alerts)
      expect(a.replay).toBe(`cdc quarantine replay --stack <stack> --source sales${a.table ? ` --table ${a.table}` : ""}`);
    for (const f of bad) {
      const stored = await aws().getObject(p.settings.quarantineBucket, f.key);
      expect([f.name, stored && Buffer.from(stored).equals(Buffer.from(f.bytes))]).toEqual([f.name, true]);
      const head = await aws().s3.send(new HeadObjectCommand({ Bucket: p.settings.quarantineBucket, Key: f.key }));
      expect([f.name, head.Metadata?.["cdc-error-codes"]?.split(",")]).toEqual([f.name, expect.arrayContaining([f.code])]);
      expect(decodeURIComponent(head.Metadata?.["cdc-errors"] ?? "")).toContain(`"code":"${f.code}"`);
      const alert = alerts.filter((a) => a.key === f.key);
      expect([f.name, alert.length, alert[0]?.errors.map((e) => e.code)]).toEqual([f.name, 1, expect.arrayContaining([f.code])]);
    }
  });

  it("an alert lists at most 50 violations and gives the total, so a very wide wrong file stays under SNS's 256 KB", async () => {
    const p = await createPipeline(aws());
    const key = "dbo/orders/20240105-000000001.parquet";
    const intType = ordersTable().columns[0].parquet;
    const extra = Array.from({ length: 120 }, (_, i) => ({ name: `unexpected_${i}`, type: intType, values: [1, 2, 3] }));
    await aws().putObject(p.raw, key, ordersFile({ extra }));
    const r = await handlerFor(aws(), p, tables)(eventsFor(p.raw, [{ key, size: 1 }]), lambdaContext);
    expect(r.batchItemFailures).toEqual([]);
    const [alert] = (await aws().drainQueue(p.alertQueueUrl)).map(
      (b) =>
        JSON.parse((JSON.parse(b) as { Message: string }).Message) as { errors: Array<{ code: string }>; errorCount: number },
    );
    expect(alert.errorCount).toBe(120);
    expect(alert.errors).toHaveLength(50);
    expect(alert.errors[0]).toEqual({ code: "UNEXPECTED_COLUMN", message: expect.stringContaining("column unexpected_0: ") });
  });

  it("a duplicate event inside the same batch moves the file once", async () => {
    const p = await createPipeline(aws());
    const bytes = ordersFile();
    const key = "dbo/orders/20240105-000000000.parquet";
    await aws().putObject(p.raw, key, bytes);
    const event = eventsFor(p.raw, [
      { key, size: bytes.length },
      { key, size: bytes.length },
    ]);
    const r = await handlerFor(aws(), p, tables)(event, lambdaContext);
    expect(r.batchItemFailures).toEqual([]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([key]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toHaveLength(1);
  });

  it("fails only the record whose body is not an S3 event, so SQS retries just that one", async () => {
    const p = await createPipeline(aws());
    const bytes = ordersFile();
    const key = "dbo/orders/20240106-000000000.parquet";
    await aws().putObject(p.raw, key, bytes);
    const event = sqsEvent(["not json", eventsFor(p.raw, [{ key, size: bytes.length }]).Records[0].body]);
    const r = await handlerFor(aws(), p, tables)(event, lambdaContext);
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0].messageId }]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([key]);
  });
});
