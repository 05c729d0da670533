/**
 * The raw bucket's event notification to the validation queue, declared once. ValidatedLanding declares it as an
 * `aws.s3.BucketNotification`, local mode and the tests configure the same on moto
 * (src/local/raw-notification.ts), and the reconciler re-sends events only for keys it would have announced — so the
 * deployment, local mode and the reconciler cannot drift apart.
 */

/** One queue destination of a bucket notification, in the shape Pulumi's `aws.s3.BucketNotification` takes. */
export interface QueueNotificationSettings {
  /** S3 event types (`s3:ObjectCreated:*` covers Put, Post, Copy and CompleteMultipartUpload). */
  events: readonly string[];
  filterPrefix?: string;
  filterSuffix?: string;
}

/** Every new Parquet file anywhere in the raw bucket (DMS writes `<schema>/<table>/<file>.parquet`). */
export const RAW_TO_VALIDATION_QUEUE: QueueNotificationSettings = Object.freeze({
  events: Object.freeze(["s3:ObjectCreated:*"]),
  filterSuffix: ".parquet",
});

/** Whether S3 announces an object with this (decoded) key on the validation queue. */
export function rawNotificationMatches(key: string, settings: QueueNotificationSettings = RAW_TO_VALIDATION_QUEUE): boolean {
  return key.startsWith(settings.filterPrefix ?? "") && key.endsWith(settings.filterSuffix ?? "");
}
