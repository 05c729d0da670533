/**
 * The queue between validation (ingestion account) and the fan-out (lake): one message per validated file. It lives
 * on the lake side, encrypted with the lake key, which the writer roles may already use (the key's `users`), and its
 * policy names the writer roles exactly as its only senders.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { awsPrincipal, policyDocument } from "../components/iam";
import { QueueWithDlq } from "../components/queue-with-dlq";

export interface ValidatedQueueArgs {
  /** `cdc-<env>-<source>`: the queue is `<id>-validated`. */
  id: string;
  /** The fan-out's visibility timeout, which its event source needs to know. */
  visibilityTimeoutSeconds: number;
  /** The lake key. */
  kmsKeyArn: pulumi.Input<string>;
  /** The lake side's alert topic, for the dead-letter alarm. */
  alertTopicArn: pulumi.Input<string>;
  /** The roles that write harmonized data and announce it here (the validate Lambda's, the large-file job's). */
  writerRoleArns: pulumi.Input<string[]>;
}

/** Declares `<name>-validated` and its policy `<name>-validated-policy`. */
export function validatedQueue(name: string, args: ValidatedQueueArgs, opts: pulumi.ComponentResourceOptions): QueueWithDlq {
  const queue = new QueueWithDlq(
    `${name}-validated`,
    {
      queueName: `${args.id}-validated`,
      visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
      kmsKeyArn: args.kmsKeyArn,
      alarmActions: [args.alertTopicArn],
    },
    opts,
  );
  new aws.sqs.QueuePolicy(
    `${name}-validated-policy`,
    {
      queueUrl: queue.url,
      policy: policyDocument([
        {
          Sid: "ValidateRoleSends",
          Effect: "Allow",
          Principal: { AWS: awsPrincipal(args.writerRoleArns) },
          Action: "sqs:SendMessage",
          Resource: queue.arn,
        },
      ]),
    },
    opts,
  );
  return queue;
}
