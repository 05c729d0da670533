import { GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { DeleteObjectCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { FullBatchFailureError } from "@aws-lambda-powertools/batch";
import type { SQSBatchResponse } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { motoDescribe, useMoto } from "../support/moto";
import { ordersTable } from "../support/parquet-fixtures";
import { badFiles, ordersFile, paddedOrdersFile } from "./core/validation/bad-files";
import { chunkOf } from "./core/validation/parquet-surgery";
import { createPipeline, flakyS3, handlerFor, lambdaContext, notifications, type Pipeline } from "./validate-harness";

const tables = [ordersTable()];

motoDescribe("validate Lambda on moto: injected S3 5xx and throttling, range reads, large files", () => {
  const aws = useMoto();

  /** Failed message ids: Powertools throws when every record of a batch failed (Lambda then reports an error). */
  async function failedIds(run: () => Promise<SQSBatchResponse>, ids: string[]): Promise<string[]> {
    try {
      return (await run()).batchItemFailures.map((f) => f.itemIdentifier);
    } catch (err) {
      if (err instanceof FullBatchFailureError) return ids;
      throw err;
    }
  }

  /** Where the file is now; it must always be in raw or fully (same bytes) in its destination. */
  async function whereIs(p: Pipeline, key: string, bytes: Uint8Array, destination: string): Promise<string[]> {
    const places: string[] = [];
    for (const [name, bucket] of [
      ["raw", p.raw],
      ["destination", destination],
    ] as const) {
      const got = await aws().getObject(bucket, key);
      if (got && Buffer.from(got).equals(Buffer.from(bytes))) places.push(name);
    }
    return places;
  }

  it.each([
    ["CopyObject throttled (503 SlowDown)", { CopyObjectCommand: 2 }, 503, "harmonized"],
    ["CopyObject 500 InternalError", { CopyObjectCommand: 1 }, 500, "harmonized"],
    ["DeleteObject throttled after a verified copy", { DeleteObjectCommand: 2 }, 503, "harmonized"],
    ["verification HeadObject fails after the copy", { HeadObjectCommand: [false, true, false, true] }, 500, "harmonized"],
    ["copy and delete both fail on a quarantined file", { CopyObjectCommand: 1, DeleteObjectCommand: 1 }, 503, "quarantine"],
  ] as const)("%s: retries end with the file moved once, and it is never lost", async (_name, failures, status, dest) => {
    const p = await createPipeline(aws());
    const bytes = dest === "harmonized" ? ordersFile() : badFiles().find((f) => f.code === "NULL_PRIMARY_KEY")!.bytes;
    const key = "dbo/orders/20240107-000000000.parquet";
    const destination = dest === "harmonized" ? p.settings.harmonizedBucket : p.settings.quarantineBucket;
    await aws().putObject(p.raw, key, bytes);
    const { s3, injected } = flakyS3(aws(), failures, status);
    const handler = handlerFor(aws(), p, tables, { s3 });
    const event = await notifications(aws(), p);

    let attempts = 0;
    for (;;) {
      attempts++;
      const failed = await failedIds(() => handler(event, lambdaContext), [event.Records[0].messageId]);
      expect((await whereIs(p, key, bytes, destination)).length).toBeGreaterThan(0);
      if (failed.length === 0) break;
      expect(failed).toEqual([event.Records[0].messageId]);
      expect(attempts).toBeLessThan(10);
    }
    const planned = Object.values(failures as Record<string, number | boolean[]>).reduce<number>(
      (a, b) => a + (typeof b === "number" ? b : b.filter(Boolean).length),
      0,
    );
    expect(injected.length).toBe(planned);
    expect(attempts).toBeGreaterThan(1);
    expect(await whereIs(p, key, bytes, destination)).toEqual(["destination"]);
    expect(await aws().listKeys(p.raw)).toEqual([]);
    s3.destroy();
  });

  it("a throttled column-chunk read is retried, never a quarantine verdict", async () => {
    const p = await createPipeline(aws());
    // Big enough that the Op, cdc_seq and key chunks lie outside the footer read.
    const bytes = paddedOrdersFile();
    const key = "dbo/orders/20240107-000000001.parquet";
    await aws().putObject(p.raw, key, bytes);
    // The first GET is the footer; the second reads the Op, cdc_seq and key column chunks.
    const { s3, injected } = flakyS3(aws(), { GetObjectCommand: [false, true] });
    const handler = handlerFor(aws(), p, tables, { s3 });
    const event = await notifications(aws(), p);

    expect(await failedIds(() => handler(event, lambdaContext), ["all"])).toEqual(["all"]);
    expect(injected).toEqual(["GetObjectCommand"]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([]);
    expect(await aws().drainQueue(p.alertQueueUrl)).toEqual([]);
    expect(await aws().listKeys(p.raw)).toEqual([key]);

    expect((await handler(event, lambdaContext)).batchItemFailures).toEqual([]);
    expect(await whereIs(p, key, bytes, p.settings.harmonizedBucket)).toEqual(["destination"]);
    expect(await aws().listKeys(p.settings.quarantineBucket)).toEqual([]);
    s3.destroy();
  });

  it("a raw object another invocation already removed (404 on the conditional delete) counts as moved", async () => {
    const p = await createPipeline(aws());
    const bytes = ordersFile();
    const key = "dbo/orders/20240107-000000002.parquet";
    await aws().putObject(p.raw, key, bytes);
    const { s3 } = flakyS3(aws(), {});
    // A duplicate S3 event on another Lambda instance finished first; S3 answers If-Match on a missing key with 404.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "DeleteObjectCommand") return next(args);
        await aws().s3.send(new DeleteObjectCommand({ Bucket: p.raw, Key: key }));
        throw new S3ServiceException({
          name: "NoSuchKey",
          $fault: "client",
          $metadata: { httpStatusCode: 404 },
          message: "The specified key does not exist.",
        });
      },
      { step: "initialize", name: "concurrentMover" },
    );
    const r = await handlerFor(aws(), p, tables, { s3 })(await notifications(aws(), p), lambdaContext);
    expect(r.batchItemFailures).toEqual([]);
    expect(await whereIs(p, key, bytes, p.settings.harmonizedBucket)).toEqual(["destination"]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toHaveLength(1);
    s3.destroy();
  });

  it.each([
    ["a multipart source's COMPOSITE checksum next to the copy's whole-object one", "COMPOSITE", "Q1Jj-3", "harmonized"],
    ["whole-object checksums that differ", "FULL_OBJECT", "ZGlmZg==", "raw"],
  ] as const)("checksum verification: %s", async (_name, sourceType, sourceCrc, expected) => {
    const p = await createPipeline(aws());
    const bytes = ordersFile();
    const key = "dbo/orders/20240107-000000003.parquet";
    await aws().putObject(p.raw, key, bytes);
    const { s3 } = flakyS3(aws(), {});
    // moto keeps no checksums: report them as S3 does for a DMS multipart upload (raw) and its copy (harmonized).
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName !== "HeadObjectCommand") return out;
        const raw = (args.input as { Bucket: string }).Bucket === p.raw;
        Object.assign(out.output as object, {
          ChecksumCRC32: raw ? sourceCrc : "Y29weQ==",
          ChecksumType: raw ? sourceType : "FULL_OBJECT",
        });
        return out;
      },
      { step: "initialize", name: "reportChecksums" },
    );
    const event = await notifications(aws(), p);
    const failed = await failedIds(() => handlerFor(aws(), p, tables, { s3 })(event, lambdaContext), ["all"]);
    expect(failed).toEqual(expected === "raw" ? ["all"] : []);
    expect(await aws().listKeys(p.raw)).toEqual(expected === "raw" ? [key] : []);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toHaveLength(expected === "raw" ? 0 : 1);
    s3.destroy();
  });

  it("never deletes from raw when the copy did not really happen", async () => {
    const p = await createPipeline(aws());
    const bytes = ordersFile();
    const key = "dbo/orders/20240108-000000000.parquet";
    await aws().putObject(p.raw, key, bytes);
    const { s3 } = flakyS3(aws(), {});
    // A CopyObject that answers 200 but writes nothing: only the verification can notice.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "CopyObjectCommand")
          return { output: { $metadata: { httpStatusCode: 200 } }, response: {} } as never;
        return next(args);
      },
      { step: "initialize", name: "silentCopy" },
    );
    const event = await notifications(aws(), p);
    expect(await failedIds(() => handlerFor(aws(), p, tables, { s3 })(event, lambdaContext), ["all"])).toEqual(["all"]);
    expect(await aws().listKeys(p.raw)).toEqual([key]);
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([]);
    expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toEqual([]);
    s3.destroy();
  });

  it("reads two ranges for a footer over 64 KiB, one more for the Op, cdc_seq and key chunks outside them", async () => {
    const p = await createPipeline(aws());
    const normal = ordersFile();
    const huge = ordersFile({ kvMetadata: [{ key: "padding", value: "x".repeat(200 * 1024) }] });
    const files = [
      { key: "dbo/orders/20240110-000000000.parquet", bytes: normal },
      { key: "dbo/orders/20240110-000000001.parquet", bytes: huge },
    ];
    for (const f of files) {
      await aws().putObject(p.raw, f.key, f.bytes);
      const { s3, sent } = flakyS3(aws(), {});
      const r = await handlerFor(aws(), p, tables, { s3 })(await notifications(aws(), p), lambdaContext);
      expect(r.batchItemFailures).toEqual([]);
      const gets = sent.filter((c) => c.command === "GetObjectCommand");
      const footerLength = new DataView(f.bytes.buffer, f.bytes.byteOffset).getUint32(f.bytes.length - 8, true);
      if (f.bytes === normal) {
        expect(gets).toEqual([{ command: "GetObjectCommand", range: `bytes=0-${normal.length - 1}` }]);
      } else {
        const tailStart = huge.length - 64 * 1024;
        expect(gets).toEqual([
          { command: "GetObjectCommand", range: `bytes=${tailStart}-${huge.length - 1}` },
          { command: "GetObjectCommand", range: `bytes=${huge.length - 8 - footerLength}-${tailStart - 1}` },
          // The file's chunks lie before the (200 KiB) footer; those three are adjacent: one request.
          { command: "GetObjectCommand", range: `bytes=${chunkOf(huge, "Op").start}-${chunkOf(huge, "id").end - 1}` },
        ]);
      }
      s3.destroy();
    }
    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual(files.map((f) => f.key));
  });

  it("hands a large file without statistics to the large-file Glue job and leaves it in raw", async () => {
    const p = await createPipeline(aws());
    p.settings.largeFileBytes = 100;
    const bytes = ordersFile({ statistics: false });
    const key = "dbo/orders/20240109-000000000.parquet";
    await aws().putObject(p.raw, key, bytes);
    const glue = mockClient(GlueClient);
    glue.on(StartJobRunCommand).resolves({ JobRunId: "jr_1" });
    try {
      const handler = handlerFor(aws(), p, tables, {
        largeFileJob: { glue: new GlueClient({ region: "eu-west-2" }), jobName: "cdc-dev-sales-large-file-validate" },
      });
      const r = await handler(await notifications(aws(), p), lambdaContext);
      expect(r.batchItemFailures).toEqual([]);
      const calls = glue.commandCalls(StartJobRunCommand);
      expect(calls).toHaveLength(1);
      const input = calls[0].args[0].input;
      expect(input.JobName).toBe("cdc-dev-sales-large-file-validate");
      expect(input.Arguments).toMatchObject({ "--bucket": p.raw, "--key": key, "--table": "dbo.orders" });
      const checks = JSON.parse(input.Arguments!["--checks"]) as { sql: string; checks: Array<{ code: string }> };
      expect(checks.sql).toContain(`FROM parquet.\`s3://${p.raw}/${key}\``);
      expect(checks.checks.map((c) => c.code)).toEqual(["BAD_OP", "BAD_SEQ", "NULL_PRIMARY_KEY", "NULL_IN_NOT_NULL"]);
      expect(await aws().listKeys(p.raw)).toEqual([key]);
      expect(await aws().drainQueue(p.settings.fanOutQueueUrl)).toEqual([]);
    } finally {
      glue.restore();
    }
  });
});
