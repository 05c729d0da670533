import * as fs from "node:fs";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { parseValidatedFileMessage } from "../../handlers/core/messages";
import { rawNotificationMatches } from "../../handlers/core/raw-notification";
import { generateDmsOutput } from "../../src/local/dms-generator";
import { motoDescribe, useMoto } from "../support/moto";
import { allTypesTable, ordersTable, tempDir } from "../support/parquet-fixtures";
import { badFiles, ordersFile } from "./core/validation/bad-files";
import { createPipeline, handlerFor, lambdaContext, notifications, quietTelemetry, sqsEvent } from "./validate-harness";

const tables = [ordersTable(), allTypesTable()];

motoDescribe("validate Lambda on moto (S3 notifications + SQS + SNS)", () => {
  const aws = useMoto();
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
    // A key with a space and non-ASCII arrives as moto sends it; a '+' would not (moto leaves keys unencoded: see
    // tests/src/local/raw-notification.test.ts), tests/handlers/lib/s3-event.test.ts decodes AWS's encoding of one.
    const objects = files.map((f, i) => ({
      key: i === 0 ? `dms out/ü 1/${f.key}` : f.key,
      bytes: new Uint8Array(fs.readFileSync(f.path)),
      file: f,
    }));
    for (const o of objects) await aws().putObject(p.raw, o.key, o.bytes);
    const telemetry = quietTelemetry();
    const added = jest.spyOn(telemetry.metrics, "addMetric");
    const handler = handlerFor(aws(), p, tables, telemetry);

    const event = await notifications(aws(), p);
    expect(event.Records).toHaveLength(objects.length);
    const response = await handler(event, lambdaContext);

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

    // Duplicate and late events for files already moved (S3 delivers at least once) are no-ops, never errors; S3's
    // test event is ignored.
    const again = await handler(sqsEvent([...event.Records.map((r) => r.body), p.testEvent]), lambdaContext);
    expect(again.batchItemFailures).toEqual([]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toEqual([]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual(objects.map((o) => o.key).sort());
    expect(added.mock.calls.filter((c) => c[0] === "DuplicateEvents")).toHaveLength(objects.length);
  });

  it("quarantines every bad input with its code, original bytes intact, and one alert each", async () => {
    const p = await createPipeline(aws());
    const all = badFiles().map((f, i) => ({ ...f, key: `case-${String(i).padStart(2, "0")}/${f.key}` }));
    // A key with a '+' would reach the handler changed: moto leaves keys unencoded (tests/src/local/
    // raw-notification.test.ts); the rules' verdict on it is in tests/handlers/core/validation/rules.test.ts.
    const bad = all.filter((f) => !f.key.includes("+"));
    expect(bad.length).toBeGreaterThanOrEqual(30);
    for (const f of bad) await aws().putObject(p.raw, f.key, f.bytes);
    const handler = handlerFor(aws(), p, tables);
    // The raw bucket announces only what its notification's filter lets through, as in AWS: a .csv key is never
    // validated (it waits in raw until its retention).
    const announced = bad.filter((f) => rawNotificationMatches(f.key));
    const unannounced = bad.filter((f) => !announced.includes(f));
    expect(unannounced.map((f) => f.name)).toEqual(["key with a .csv extension"]);

    const bodies = (await notifications(aws(), p)).Records.map((r) => r.body);
    expect(bodies).toHaveLength(announced.length);
    for (let i = 0; i < bodies.length; i += 10) {
      const r = await handler(sqsEvent(bodies.slice(i, i + 10)), lambdaContext);
      expect(r.batchItemFailures).toEqual([]);
    }

    expect(await aws().listKeys(p.raw)).toEqual(unannounced.map((f) => f.key));
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
    expect(alerts).toHaveLength(announced.length);
    // The suggested command must be one the CLI accepts: --stack is a required option.
    for (const a of alerts)
      expect(a.replay).toBe(`cdc quarantine replay --stack <stack> --source sales${a.table ? ` --table ${a.table}` : ""}`);
    for (const f of announced) {
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
    const r = await handlerFor(aws(), p, tables)(await notifications(aws(), p), lambdaContext);
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
    const [body] = (await notifications(aws(), p)).Records.map((r) => r.body);
    const event = sqsEvent([body, body]);
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
    const event = sqsEvent(["not json", ...(await notifications(aws(), p)).Records.map((r) => r.body)]);
    const r = await handlerFor(aws(), p, tables)(event, lambdaContext);
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0].messageId }]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([key]);
  });
});
