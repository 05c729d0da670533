/**
 * The raw bucket's S3 → SQS event notification on an emulator (moto), configured from the same settings
 * ValidatedLanding declares (handlers/core/raw-notification.ts): objects put into the raw bucket then reach the
 * validation queue the way S3 delivers them, with nobody sending the events by hand.
 *
 * moto 5.0.11 delivers the notification with AWS's body shape (Records[].s3.bucket.name, object key/size/eTag,
 * `s3:TestEvent` first), with these differences from AWS:
 *  - the object key is NOT URL-encoded (AWS sends `a+b%C3%A9` for `a bé`): a key with a `+` or `%` reaches the
 *    handler, which decodes as AWS requires, changed (`+` reads as a space). Spaces and non-ASCII come through
 *    right. Fixed upstream in getmoto/moto#9060 (2025).
 *  - a multipart upload is announced twice (`ObjectCreated:Put` and `ObjectCreated:CompleteMultipartUpload`).
 *  - the queue policy is not checked: AWS refuses the configuration unless the queue lets s3.amazonaws.com send.
 */
import {
  PutBucketNotificationConfigurationCommand,
  type FilterRule,
  type QueueConfiguration,
  type S3Client,
} from "@aws-sdk/client-s3";
import { RAW_TO_VALIDATION_QUEUE, type QueueNotificationSettings } from "../../handlers/core/raw-notification";

/** The S3 API form of a queue notification (what Pulumi's BucketNotification sends for the same settings). */
export function queueConfiguration(queueArn: string, settings: QueueNotificationSettings): QueueConfiguration {
  const rules: FilterRule[] = [];
  if (settings.filterPrefix !== undefined) rules.push({ Name: "prefix", Value: settings.filterPrefix });
  if (settings.filterSuffix !== undefined) rules.push({ Name: "suffix", Value: settings.filterSuffix });
  return {
    QueueArn: queueArn,
    Events: [...settings.events] as QueueConfiguration["Events"],
    ...(rules.length > 0 ? { Filter: { Key: { FilterRules: rules } } } : {}),
  };
}

/**
 * Makes `bucket` notify `queueArn` as the deployed raw bucket notifies the validation queue. Replaces the bucket's
 * notification configuration; S3 (and moto) then send one `s3:TestEvent` to the queue, which the handler ignores.
 */
export async function configureRawNotification(
  s3: S3Client,
  bucket: string,
  queueArn: string,
  settings: QueueNotificationSettings = RAW_TO_VALIDATION_QUEUE,
): Promise<void> {
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: [queueConfiguration(queueArn, settings)] },
    }),
  );
}
