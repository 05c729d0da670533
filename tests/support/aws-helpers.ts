/**
 * The small S3/SQS/SNS helpers integration tests use, the same on every emulator (moto, fauxqs): they only need
 * clients pointed at it.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";

export interface AwsHelpers {
  createBucket(name: string): Promise<string>;
  /** Creates a queue; returns its URL. */
  createQueue(name: string): Promise<string>;
  /** The queue's ARN. */
  queueArn(queueUrl: string): Promise<string>;
  /** Creates a topic; returns its ARN. */
  createTopic(name: string): Promise<string>;
  /** Subscribes a queue to a topic with raw delivery off (the SNS envelope arrives, as in AWS). */
  subscribeQueue(topicArn: string, queueUrl: string): Promise<void>;
  putObject(bucket: string, key: string, body: Uint8Array | string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  getObject(bucket: string, key: string): Promise<Uint8Array | undefined>;
  listKeys(bucket: string): Promise<string[]>;
  /** Receives (and leaves in flight) every message currently on the queue; returns the bodies. */
  drainQueue(queueUrl: string): Promise<string[]>;
}

export function awsHelpers({ s3, sqs, sns }: { s3: S3Client; sqs: SQSClient; sns: SNSClient }): AwsHelpers {
  const queueArn = async (queueUrl: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes
      ?.QueueArn as string;
  return {
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async createQueue(name) {
      return (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
    },
    queueArn,
    async createTopic(name) {
      return (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn as string;
    },
    async subscribeQueue(topicArn, queueUrl) {
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: await queueArn(queueUrl) }));
    },
    async putObject(bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async getObject(bucket, key) {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await r.Body?.transformToByteArray();
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchKey") return undefined;
        throw err;
      }
    },
    async listKeys(bucket) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(r.Contents ?? []).map((o) => o.Key as string));
        token = r.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async drainQueue(queueUrl) {
      const bodies: string[] = [];
      for (;;) {
        const r = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }),
        );
        if (!r.Messages?.length) return bodies;
        bodies.push(...r.Messages.map((m) => m.Body as string));
      }
    },
  };
}
