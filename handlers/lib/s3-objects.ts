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
      // No ACL header: every bucket is BucketOwnerEnforced, so the lake account owns what the Lambda writes there,
      // and an ACL header would need s3:PutObjectAcl the role deliberately lacks.
      ContentType: "application/vnd.apache.parquet",
    }),
  );
  const [copy, source] = await Promise.all([headObject(s3, to), headObject(s3, from)]);
  if (!copy)
    throw new Error(`copy of s3://${from.bucket}/${from.key} to s3://${to.bucket}/${to.key} is not there after CopyObject`);
  const problems: string[] = [];
  if (copy.ContentLength !== from.size) problems.push(`size ${copy.ContentLength} instead of ${from.size}`);
  if (copy.Metadata?.[SOURCE_ETAG_METADATA] !== from.etag)
    problems.push(`source ETag ${copy.Metadata?.[SOURCE_ETAG_METADATA]} instead of ${from.etag}`);
  // Only whole-object checksums are comparable: a multipart source's COMPOSITE checksum (`…-<parts>`) is a checksum
  // of its part checksums, which a single-request copy does not reproduce. Size and source ETag still hold then.
  const whole = (h: HeadObjectCommandOutput | undefined) => h?.ChecksumType !== "COMPOSITE";
  if (whole(copy) && whole(source)) {
    for (const alg of ["ChecksumCRC64NVME", "ChecksumCRC32C", "ChecksumCRC32", "ChecksumSHA256", "ChecksumSHA1"] as const) {
      const [a, b] = [copy[alg], source?.[alg]];
      if (a === undefined || b === undefined || /-\d+$/.test(a) || /-\d+$/.test(b)) continue;
      if (a !== b) problems.push(`${alg} ${a} instead of ${b}`);
    }
  }
  if (problems.length > 0) throw new Error(`copy s3://${to.bucket}/${to.key} does not match its source: ${problems.join(", ")}`);
  return copy.ETag ?? from.etag;
}

/**
 * Deletes the raw object only if it is still the version that was copied (If-Match): a newer file DMS wrote under the
 * same key in the meantime stays for its own event. Returns false when that happened. An object already gone (S3
 * answers a conditional delete of a missing key with 404) was removed by a concurrent mover of the same file, after
 * its own verified copy: that is success, not an error to retry.
 */
export async function deleteIfUnchanged(s3: S3Client, obj: ObjectVersion): Promise<boolean> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: obj.bucket, Key: obj.key, IfMatch: obj.etag }));
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 412) return false;
    if (status === 404) return true;
    throw err;
  }
}
