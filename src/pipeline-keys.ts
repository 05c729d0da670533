/**
 * A source's KMS key and alert topic in each of its accounts. The ingestion key encrypts raw data, queues and alerts
 * of that side; in a split stack the lake has its own key, used by the roles that write harmonized data and read by
 * the ingestion roles that check the lake (the DMS reconciler), both named exactly, and its own alert topic: alarms
 * notify only topics of their own account, so each alarm notifies one topic with the same subscribers, and nobody
 * hears of a problem twice or not at all. In one account both sides share the key and the topic.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ALERT_PUBLISHERS, AlertTopic } from "../components/alert-topic";
import { KmsKey } from "../components/kms-key";

export interface SourceKeysArgs {
  /** `cdc-<env>-<source>`: the keys' alias and the topics' name. */
  id: string;
  ingestionAccountId: string;
  lakeAccountId: string;
  /** The stack's region: CloudWatch Logs of this region encrypts each side's log groups with its key. */
  region: string;
  /** The e-mail subscribers of every topic of the source. */
  emails: string[];
  /** `protect` the keys (the stack's `cdc:protectData`). */
  protect: boolean;
  /** Roles writing harmonized data, named by the lake key (its users) before they exist in code order. */
  writerRoleArns: pulumi.Input<string[]>;
  /** Ingestion roles reading the lake in a split stack, named by the lake key (decrypt only). */
  lakeReaderRoleArns: pulumi.Input<string[]>;
}

export interface SourceKeys {
  ingestionKey: KmsKey;
  /** The ingestion key itself when the lake is in the same account. */
  lakeKey: KmsKey;
  alerts: AlertTopic;
  /** The ingestion topic itself when the lake is in the same account. */
  lakeAlerts: AlertTopic;
}

/** Declares the keys and topics `name-key-<account>` and `name-alerts-<account>` with each side's options. */
export function sourceKeysAndAlerts(
  name: string,
  args: SourceKeysArgs,
  opts: { ingestion: pulumi.ComponentResourceOptions; lake: pulumi.ComponentResourceOptions },
): SourceKeys {
  const { id, protect } = args;
  const separateLake = args.lakeAccountId !== args.ingestionAccountId;
  const ingestionKey = new KmsKey(
    `${name}-key-${args.ingestionAccountId}`,
    {
      accountId: args.ingestionAccountId,
      alias: id,
      description: `${id}: ingestion data, queues and alerts`,
      services: ALERT_PUBLISHERS,
      // The raw bucket notifies the validation queue, which this key encrypts; log groups of this side use it too.
      queueSenders: ["s3.amazonaws.com"],
      logsRegion: args.region,
      protect,
    },
    opts.ingestion,
  );
  const lakeKey = separateLake
    ? new KmsKey(
        `${name}-key-${args.lakeAccountId}`,
        {
          accountId: args.lakeAccountId,
          alias: id,
          description: `${id}: lake data`,
          services: ALERT_PUBLISHERS,
          users: args.writerRoleArns,
          readers: args.lakeReaderRoleArns,
          logsRegion: args.region,
          protect,
        },
        opts.lake,
      )
    : ingestionKey;
  const alerts = new AlertTopic(
    `${name}-alerts-${args.ingestionAccountId}`,
    { topicName: `${id}-alerts`, accountId: args.ingestionAccountId, kmsKeyArn: ingestionKey.arn, emails: args.emails },
    opts.ingestion,
  );
  const lakeAlerts = separateLake
    ? new AlertTopic(
        `${name}-alerts-${args.lakeAccountId}`,
        { topicName: `${id}-alerts`, accountId: args.lakeAccountId, kmsKeyArn: lakeKey.arn, emails: args.emails },
        opts.lake,
      )
    : alerts;
  return { ingestionKey, lakeKey, alerts, lakeAlerts };
}
