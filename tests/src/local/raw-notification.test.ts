/**
 * The raw bucket's S3 → SQS notification on moto, configured from the settings ValidatedLanding declares: what moto
 * delivers, and that the validate handler's parser reads it. Where moto 5.0.11 differs from AWS's documented body
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html) a test pins the
 * difference, so upgrading moto shows when the note in the README and src/local/raw-notification.ts can go.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketNotificationConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { RAW_TO_VALIDATION_QUEUE, rawNotificationMatches } from "../../../handlers/core/raw-notification";
import { parseS3EventBody, s3EventBody } from "../../../handlers/lib/s3-event";
import { queueConfiguration } from "../../../src/local/raw-notification";
import { motoDescribe, useMoto } from "../../support/moto";

interface Notification {
  Records: Array<{
    eventVersion: string;
    eventSource: string;
    awsRegion: string;
    eventName: string;
    s3: { s3SchemaVersion: string; bucket: { name: string; arn: string }; object: { key: string; size: number; eTag: string } };
  }>;
}

describe("the raw bucket's notification settings", () => {
  it("become one S3 queue configuration: every created object, Parquet only, anywhere in the bucket", () => {
    expect(queueConfiguration("arn:aws:sqs:eu-west-2:111111111111:v", RAW_TO_VALIDATION_QUEUE)).toEqual({
      QueueArn: "arn:aws:sqs:eu-west-2:111111111111:v",
      Events: ["s3:ObjectCreated:*"],
      Filter: { Key: { FilterRules: [{ Name: "suffix", Value: ".parquet" }] } },
    });
    expect(queueConfiguration("q", { events: ["s3:ObjectCreated:Put"] })).toEqual({
      QueueArn: "q",
      Events: ["s3:ObjectCreated:Put"],
    });
    expect(queueConfiguration("q", { events: ["e"], filterPrefix: "dbo/", filterSuffix: ".parquet" }).Filter).toEqual({
      Key: {
        FilterRules: [
          { Name: "prefix", Value: "dbo/" },
          { Name: "suffix", Value: ".parquet" },
        ],
      },
    });
    expect(rawNotificationMatches("dbo/t/LOAD00000001.parquet")).toBe(true);
    expect(rawNotificationMatches("dbo/t/LOAD00000001.parquet.tmp")).toBe(false);
  });
});

motoDescribe("S3 → SQS notifications on moto", () => {
  const aws = useMoto();
  let n = 0;

  /** A raw bucket notifying a fresh queue as deployed; returns both. */
  async function rawBucket() {
    n++;
    const bucket = await aws().createBucket(`raw-${n}`);
    const queueUrl = await aws().createQueue(`validate-${n}`);
    const testEvent = await aws().notifyQueue(bucket, queueUrl);
    return { bucket, queueUrl, testEvent };
  }

  it("stores the configuration as declared and confirms it with an s3:TestEvent the parser ignores", async () => {
    const { bucket, queueUrl, testEvent } = await rawBucket();
    const stored = await aws().s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    expect(stored.QueueConfigurations).toEqual([
      expect.objectContaining({
        QueueArn: await aws().queueArn(queueUrl),
        Events: ["s3:ObjectCreated:*"],
        Filter: { Key: { FilterRules: [{ Name: "suffix", Value: ".parquet" }] } },
      }),
    ]);
    expect(JSON.parse(testEvent)).toMatchObject({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: bucket });
    expect(parseS3EventBody(testEvent)).toEqual([]);
  });

  it("announces a new Parquet object with AWS's body shape; the handler's parser gets the key, size and eTag back", async () => {
    const { bucket, queueUrl } = await rawBucket();
    const key = "dbo/Order Lines/naïve 日本/20240102-030405678.parquet";
    const body = new TextEncoder().encode("PAR1 not really parquet PAR1");
    const put = await aws().s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await aws().putObject(bucket, "dbo/Order Lines/notes.csv", "not announced: the filter is .parquet");

    const bodies = await aws().drainQueue(queueUrl);
    expect(bodies).toHaveLength(1);
    const message = JSON.parse(bodies[0]) as Notification;
    expect(message.Records).toHaveLength(1);
    expect(message.Records[0]).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: { size: body.length, eTag: put.ETag!.replace(/"/g, "") },
      },
    });
    expect(parseS3EventBody(bodies[0])).toEqual([{ bucket, key, size: body.length, eTag: put.ETag!.replace(/"/g, "") }]);
  });

  it("announces copies (quarantine replay) and multipart uploads (how DMS writes big files)", async () => {
    const { bucket, queueUrl } = await rawBucket();
    await aws().putObject(bucket, "staging/x.csv", "copied in");
    await aws().s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "dbo/t/LOAD00000001.parquet", CopySource: `${bucket}/staging/x.csv` }),
    );
    const key = "dbo/t/LOAD00000002.parquet";
    const { UploadId } = await aws().s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await aws().s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: new Uint8Array(5 * 1024 * 1024 + 1) }),
    );
    await aws().s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const events = (await aws().drainQueue(queueUrl)).map((b) => (JSON.parse(b) as Notification).Records[0]);
    const copy = events.find((e) => e.s3.object.key === "dbo/t/LOAD00000001.parquet");
    expect(copy?.eventName).toBe("ObjectCreated:Copy");
    // moto 5.0.11 announces a multipart upload twice (Put, then CompleteMultipartUpload); AWS sends the second only.
    // The handler treats the repeat as the duplicate S3 may always deliver.
    const multipart = events.filter((e) => e.s3.object.key === key);
    expect(multipart.map((e) => e.eventName)).toEqual(["ObjectCreated:Put", "ObjectCreated:CompleteMultipartUpload"]);
    expect(new Set(multipart.map((e) => e.s3.object.size))).toEqual(new Set([5 * 1024 * 1024 + 1]));
  });

  it("moto 5.0.11 differs from AWS: keys arrive without URL-encoding, so a '+' reads as a space and a '%' fails", async () => {
    const { bucket, queueUrl } = await rawBucket();
    const plus = "dbo/a+b/20240102-030405678.parquet";
    const percent = "dbo/100%/20240102-030405678.parquet";
    await aws().putObject(bucket, plus, "x");
    await aws().putObject(bucket, percent, "x");
    const [first, second] = await aws().drainQueue(queueUrl);
    expect((JSON.parse(first) as Notification).Records[0].s3.object.key).toBe(plus);
    expect(parseS3EventBody(first)[0].key).toBe("dbo/a b/20240102-030405678.parquet");
    expect(() => parseS3EventBody(second)).toThrow(/not valid percent-encoding/);
    // What AWS sends for the same keys, which the parser reads back exactly.
    expect(JSON.parse(s3EventBody(bucket, plus, 1)).Records[0].s3.object.key).toBe("dbo/a%2Bb/20240102-030405678.parquet");
    expect(parseS3EventBody(s3EventBody(bucket, plus, 1))[0].key).toBe(plus);
    expect(parseS3EventBody(s3EventBody(bucket, percent, 1))[0].key).toBe(percent);
  });
});
