/**
 * S3 event notifications as they arrive on the validation queue: the body is S3's JSON (keys URL-encoded with `+`
 * for spaces); the `s3:TestEvent` S3 sends when notifications are configured is recognised and ignored.
 */
import { decodeS3EventKey } from "../core/dms-key";

export interface S3ObjectEvent {
  bucket: string;
  /** URL-decoded key. */
  key: string;
  size?: number;
  eTag?: string;
}

interface S3EventBody {
  Event?: string;
  Records?: Array<{
    eventSource?: string;
    eventName?: string;
    s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string } };
  }>;
}

/** The created objects a message announces (empty for a test event or other event types). Throws on a body that is not an S3 event. */
export function parseS3EventBody(body: string): S3ObjectEvent[] {
  let json: S3EventBody;
  try {
    json = JSON.parse(body) as S3EventBody;
  } catch {
    throw new Error(`message body is not JSON: ${body.slice(0, 100)}`);
  }
  if (json.Event === "s3:TestEvent") return [];
  if (!Array.isArray(json.Records))
    throw new Error(`message is not an S3 event notification (no Records): ${body.slice(0, 100)}`);
  const out: S3ObjectEvent[] = [];
  for (const r of json.Records) {
    if (r.eventSource !== "aws:s3" || !r.eventName?.startsWith("ObjectCreated:")) continue;
    const bucket = r.s3?.bucket?.name;
    const key = r.s3?.object?.key;
    if (!bucket || key === undefined)
      throw new Error(`S3 event record without bucket or key: ${JSON.stringify(r).slice(0, 200)}`);
    out.push({ bucket, key: decodeS3EventKey(key), size: r.s3?.object?.size, eTag: r.s3?.object?.eTag });
  }
  return out;
}

/** An S3 ObjectCreated:Put notification body for `bucket`/`key`, as S3 encodes it (tests, local mode). */
export function s3EventBody(bucket: string, key: string, size: number, eTag = ""): string {
  const encoded = key
    .split("/")
    .map((p) => encodeURIComponent(p).replace(/%20/g, "+"))
    .join("/");
  return JSON.stringify({
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "eu-west-2",
        eventTime: new Date(0).toISOString(),
        eventName: "ObjectCreated:Put",
        s3: {
          s3SchemaVersion: "1.0",
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encoded, size, eTag: eTag.replace(/"/g, "") },
        },
      },
    ],
  });
}
