/**
 * The AWS calls of handlers/lib/s3-objects.ts, per function, for the handlers that use them to compose their own
 * declarations (see handlers/aws-calls.ts). S3's KMS calls (SSE-KMS) are not listed: the simulation derives them from
 * each bucket's encryption settings.
 */
import type { AwsCall, BucketName } from "../aws-calls";

/** An example DMS object key: `<schema>/<table>/<CDC file>`. */
export const EXAMPLE_DATA_KEY = "dbo/Customer/20260101-120000000.parquet";

/** `s3RangeReader`: ranged GetObject of one version. */
export function rangeReadCalls(bucket: BucketName, key = EXAMPLE_DATA_KEY): AwsCall[] {
  return [{ action: "s3:GetObject", on: { bucket, key }, why: "s3RangeReader reads the footer and column chunks by range" }];
}

/**
 * `headObject`: HeadObject needs s3:GetObject, and tells "absent" (404) from "denied" (403) only with s3:ListBucket on
 * the bucket; S3 checks that list permission without a prefix.
 */
export function headCalls(bucket: BucketName, key = EXAMPLE_DATA_KEY): AwsCall[] {
  return [
    { action: "s3:GetObject", on: { bucket, key }, why: "headObject (HeadObject)" },
    { action: "s3:ListBucket", on: { bucket }, why: "headObject answers a missing key with 404, not 403" },
  ];
}

/** `copyVerified`: CopyObject reads the source and writes the copy, then both are read back with HeadObject. */
export function copyVerifiedCalls(from: BucketName, to: BucketName, key = EXAMPLE_DATA_KEY): AwsCall[] {
  return [
    { action: "s3:GetObject", on: { bucket: from, key }, why: "copyVerified: CopyObject reads the source" },
    { action: "s3:PutObject", on: { bucket: to, key }, why: "copyVerified: CopyObject writes the copy" },
    ...headCalls(to, key),
    ...headCalls(from, key),
  ];
}

/** `deleteIfUnchanged`: DeleteObject with If-Match. */
export function deleteIfUnchangedCalls(bucket: BucketName, key = EXAMPLE_DATA_KEY): AwsCall[] {
  return [{ action: "s3:DeleteObject", on: { bucket, key }, why: "deleteIfUnchanged removes the moved raw file" }];
}
