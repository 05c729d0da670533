/**
 * The SNS topic a pipeline's alarms, DMS task events and validation failures publish to. Encrypted with the
 * pipeline's key; only this account's CloudWatch alarms and EventBridge rules (and IAM principals granted Publish) may
 * publish, and only over TLS. The Slack notifier subscribes to it; e-mail addresses from the stack are subscribed here.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { policyDocument } from "./iam";

/** Services that publish alerts; the topic's KMS key must let them use it too. */
export const ALERT_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"];

export interface AlertTopicArgs {
  /** Physical topic name, e.g. `cdc-prod-sales-alerts`. */
  topicName: string;
  /** The account the topic lives in; publishing services are limited to it. */
  accountId: string;
  /** KMS key the topic is encrypted with; it must allow {@link ALERT_PUBLISHERS}. */
  kmsKeyArn: pulumi.Input<string>;
  /** Addresses subscribed by e-mail (each confirms once). */
  emails?: string[];
}

export class AlertTopic extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:alerting:AlertTopic", name, {}, opts);
    const fail = argsChecker("AlertTopic", name, this);
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(args.topicName))
      fail(`topicName must be 1–256 letters, digits, _ or -, got ${JSON.stringify(args.topicName)}`);
    if (!/^\d{12}$/.test(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);

    const topic = new aws.sns.Topic(`${name}-topic`, { name: args.topicName, kmsMasterKeyId: args.kmsKeyArn }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: topic.arn,
        policy: policyDocument([
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "AlarmsAndRulesOfThisAccountPublish",
            Effect: "Allow",
            Principal: { Service: ALERT_PUBLISHERS },
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
          },
        ]),
      },
      { parent: this },
    );
    for (const email of args.emails ?? []) {
      new aws.sns.TopicSubscription(
        `${name}-${email}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    }

    this.arn = topic.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
