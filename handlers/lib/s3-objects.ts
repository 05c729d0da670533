/**
 * The S3 calls the validate Lambda makes, kept small and explicit: a range reader over one object version, a head
 * that says "absent" instead of throwing, and the verified copy that must succeed before anything is deleted.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type HeadObjectCommandOutput,
} from "@aws-sdk/client-s3";
import type { RangeReader } from "../core/parquet/range-reader";

export interface ObjectRef {
  bucket: string;
  key: string;
}

export interface ObjectVersion extends ObjectRef {
  etag: string;
  size: number;
}

/** Reads ranges of exactly this version (If-Match on the ETag), so a file overwritten mid-validation fails loudly. */
export function s3RangeReader(s3: S3Client, obj: ObjectVersion): RangeReader {
  return {
    byteLength: obj.size,
    async read(start, end) {
      const r = await s3.send(
        new GetObjectCommand({ Bucket: obj.bucket, Key: obj.key, Range: `bytes=${start}-${end - 1}`, IfMatch: obj.etag }),
      );
      return (await r.Body?.transformToByteArray()) ?? new Uint8Array(0);
    },
  };
}

/** HeadObject, or undefined when the object does not exist. */
export async function headObject(s3: S3Client, ref: ObjectRef): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, ChecksumMode: "ENABLED" }));
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) return undefined;
    throw err;
  }
}

/** Object metadata key under which every copy records the ETag of the raw object it was made from. */
export const SOURCE_ETAG_METADATA = "cdc-raw-etag";

/**
 * Copies `from` to `to` (same key), replacing metadata with `metadata` plus the source ETag, and verifies the copy
 * with a HeadObject: same size, the source ETag recorded, and equal full-object checksums where S3 reports them.
 * Throws when the copy cannot be verified; the caller must not delete the source then. Returns the copy's ETag.
 */
export async function copyVerified(
  s3: S3Client,
  from: ObjectVersion,
  to: ObjectRef,
  metadata: Record<string, string>,
): Promise<string> {
  await s3.send(
    new CopyObjectCommand({
      Bucket: to.bucket,
      Key: to.key,
      CopySource: `${from.bucket}/${from.key.split("/").map(encodeURIComponent).join("/")}`,
      CopySourceIfMatch: from.etag,
      MetadataDirective: "REPLACE",
      Metadata: { ...metadata, [SOURCE_ETAG_METADATA]: from.etag },
      ContentType: "application/vnd.apache.parquet",
      // The harmonized bucket may be in the lake account: the bucket owner must own what the Lambda writes.
      ACL: "bucket-owner-full-control",
    }),
  );
  const [copy, source] = await Promise.all([headObject(s3, to), headObject(s3, from)]);
  if (!copy)
    throw new Error(`copy of s3://${from.bucket}/${from.key} to s3://${to.bucket}/${to.key} is not there after CopyObject`);
  const problems: string[] = [];
  if (copy.ContentLength !== from.size) problems.push(`size ${copy.ContentLength} instead of ${from.size}`);
  if (copy.Metadata?.[SOURCE_ETAG_METADATA] !== from.etag)
    problems.push(`source ETag ${copy.Metadata?.[SOURCE_ETAG_METADATA]} instead of ${from.etag}`);
  for (const alg of ["ChecksumCRC64NVME", "ChecksumCRC32C", "ChecksumCRC32", "ChecksumSHA256", "ChecksumSHA1"] as const) {
    if (copy[alg] !== undefined && source?.[alg] !== undefined && copy[alg] !== source[alg]) problems.push(`${alg} differs`);
  }
  if (problems.length > 0) throw new Error(`copy s3://${to.bucket}/${to.key} does not match its source: ${problems.join(", ")}`);
  return copy.ETag ?? from.etag;
}

/**
 * Deletes the raw object only if it is still the version that was copied (If-Match): a newer file DMS wrote under the
 * same key in the meantime stays for its own event. Returns false when that happened.
 */
export async function deleteIfUnchanged(s3: S3Client, obj: ObjectVersion): Promise<boolean> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: obj.bucket, Key: obj.key, IfMatch: obj.etag }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return false;
    throw err;
  }
}
