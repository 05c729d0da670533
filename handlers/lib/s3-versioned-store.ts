/**
 * Conditional reads and writes of a target's state document (If-Match / If-None-Match: *); the poller and
 * `cdc target` use it. moto 5.0.11 ignores the conditions (tests inject the 412), AWS S3 has honoured them since
 * November 2024.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { VersionedStore } from "../core/poller/state-store";
import { s3StateReader } from "./s3-state-reader";

export function s3VersionedStore(s3: S3Client, bucket: string): VersionedStore {
  return {
    ...s3StateReader(s3, bucket),
    async writeIfMatch(key, body, etag) {
      try {
        const put = await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: Buffer.from(body, "utf-8"),
            ContentType: "application/json",
            ...(etag === null ? { IfNoneMatch: "*" } : { IfMatch: etag }),
          }),
        );
        if (!put.ETag) throw new Error(`s3://${bucket}/${key}: PutObject returned no ETag`);
        return put.ETag;
      } catch (err) {
        if (isConditionLost(err)) return undefined;
        throw err;
      }
    },
  };
}

/** S3's answer to a conditional write that lost: 412 PreconditionFailed, or 409 when another write was in flight. */
function isConditionLost(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === "PreconditionFailed" ||
    e.name === "ConditionalRequestConflict" ||
    e.$metadata?.httpStatusCode === 412 ||
    e.$metadata?.httpStatusCode === 409
  );
}
