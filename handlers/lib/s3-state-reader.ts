/**
 * Reads a pipeline state document (the pollers' `state/<source>/<target>/tables.json`) with its ETag, for a
 * conditional write after it. On its own for readers that must not write: the DMS reconciler, `cdc reconcile`.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StateReader } from "../core/poller/state-store";

export function s3StateReader(s3: S3Client, bucket: string): StateReader {
  return {
    async readVersioned(key) {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: (await r.Body?.transformToString("utf-8")) ?? "", etag: r.ETag as string };
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchKey") return undefined;
        throw err;
      }
    },
  };
}
