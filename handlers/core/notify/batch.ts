/**
 * One batch of the notifier's queue to Slack: read every record, show each alert once (SNS may deliver one
 * notification twice), pack them into as few posts as Slack's limits allow, deliver, and name the records whose
 * post failed. Those records go back to SQS and only those: an alert already posted is never posted again.
 */
import { deliverPosts, type DeliveryOptions } from "./deliver";
import { formatAlert, type FormatContext } from "./format";
import { readRecord } from "./incoming";
import { packPosts, SLACK_LIMITS, type Packable, type SlackLimits } from "./posts";

export interface NotifyRecord {
  messageId: string;
  body: string;
}

export interface BatchOutcome {
  /** SQS message ids to report as batch item failures. */
  failedRecordIds: string[];
  posts: number;
  /** Alerts shown in delivered posts. */
  delivered: number;
  /** Why each failed post failed (status and Slack's error code; never the URL). */
  failures: string[];
}

export async function notifyBatch(
  records: NotifyRecord[],
  options: DeliveryOptions & FormatContext & { limits?: SlackLimits },
): Promise<BatchOutcome> {
  const items: Packable[] = [];
  const byNotification = new Map<string, Packable>();
  for (const r of records) {
    const alert = readRecord(r.messageId, r.body);
    const seen = alert.notificationId ? byNotification.get(alert.notificationId) : undefined;
    if (seen) {
      seen.recordIds.push(r.messageId);
      continue;
    }
    const item = { recordIds: [r.messageId], formatted: formatAlert(alert, { stack: options.stack }) };
    if (alert.notificationId) byNotification.set(alert.notificationId, item);
    items.push(item);
  }
  const posts = packPosts(items, options.limits ?? SLACK_LIMITS);
  const delivery = await deliverPosts(posts, options);
  return {
    failedRecordIds: delivery.failed.flatMap((f) => f.post.recordIds),
    // The parts of a post Slack refused count as posts of their own.
    posts: delivery.delivered.length + delivery.failed.length,
    delivered: delivery.delivered.reduce((n, p) => n + p.alerts, 0),
    failures: delivery.failed.map((f) => f.reason),
  };
}
