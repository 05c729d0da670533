/**
 * The deployed notifier end to end, except Slack: alerts are published to a real SNS topic (moto) subscribed to an
 * SQS queue, exactly as the alarm, the EventBridge rule or our Lambdas publish them; what the queue receives is the
 * handler's event; the webhook URL is read from moto's Secrets Manager through Powertools; and the posts go to a local
 * HTTP server standing in for Slack's incoming webhook, which can enforce a rate limit (429 + Retry-After) or fail.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishBatchCommand, PublishCommand } from "@aws-sdk/client-sns";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
} from "@aws-sdk/client-sqs";
import type { Context, SQSEvent } from "aws-lambda";
import { Logger } from "@aws-lambda-powertools/logger";
import { createNotifyHandler, webhookUrlFrom } from "../../handlers/notify";
import { motoDescribe, startRequestLog, useMoto, type RequestLog } from "../support/moto";
import { ageAlarm, DMS_TASK_STOPPED, dlqAlarm, GLUE_RUN_FAILED, snsEnvelope, VALIDATION_FAILED } from "./core/notify/shapes";

/**
 * Slack's stand-in: records every accepted post; optionally at most `perSecond` posts a second, always `failWith`, or
 * 400 `invalid_blocks` for any post whose blocks contain `refuse` (plain text passes).
 */
class FakeSlack {
  readonly posts: { blocks?: { text: { text: string } }[]; text: string }[] = [];
  tooMany = 0;
  failWith?: number;
  perSecond?: number;
  refuse?: string;
  private window: number[] = [];
  private server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== WEBHOOK_PATH) return void res.writeHead(404).end("no_service");
      if (this.failWith) return void res.writeHead(this.failWith).end();
      const post = JSON.parse(body) as FakeSlack["posts"][number];
      if (this.refuse && JSON.stringify(post.blocks ?? []).includes(this.refuse))
        return void res.writeHead(400, { "content-type": "text/plain" }).end("invalid_blocks");
      const now = Date.now();
      this.window = this.window.filter((t) => now - t < 1000);
      if (this.perSecond !== undefined && this.window.length >= this.perSecond) {
        this.tooMany += 1;
        return void res.writeHead(429, { "retry-after": "1" }).end();
      }
      this.window.push(now);
      this.posts.push(post);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop = () => new Promise<void>((r) => this.server.close(() => r()));
  sections = () => this.posts.flatMap((p) => (p.blocks ?? []).map((b) => b.text.text));
  reset() {
    this.posts.length = 0;
    this.tooMany = 0;
    this.failWith = undefined;
    this.perSecond = undefined;
    this.refuse = undefined;
    this.window = [];
  }
}

const WEBHOOK_PATH = "/services/T0CDC0000/B0CDC0000/s3cr3tT0k3nThatMustNeverBeLogged";
// Slack's own host, as the handler requires: the tests swap fetch to reach the stand-in, never the check.
const WEBHOOK_URL = `https://hooks.slack.com${WEBHOOK_PATH}`;

motoDescribe("the Slack notifier from real SNS deliveries", () => {
  const aws = useMoto();
  const slack = new FakeSlack();
  let slackOrigin: string;
  let log: RequestLog;
  let queueUrl: string;
  let dlqUrl: string;
  let topicArn: string;
  let handler: typeof import("../../handlers/notify").handler;
  const env = { ...process.env };
  const realFetch = global.fetch;

  beforeAll(async () => {
    slackOrigin = await slack.start();
    log = await startRequestLog(aws().endpoint);
    const secrets = new SecretsManagerClient(aws().clientConfig);
    const secretArn = (await secrets.send(new CreateSecretCommand({ Name: "cdc/dev/slack-webhook", SecretString: WEBHOOK_URL })))
      .ARN as string;
    topicArn = await aws().createTopic("cdc-dev-sales-alerts");
    dlqUrl = await aws().createQueue("cdc-dev-slack-notifier-dlq");
    const dlqArn = await aws().queueArn(dlqUrl);
    queueUrl = (
      await aws().sqs.send(
        new CreateQueueCommand({
          QueueName: "cdc-dev-slack-notifier",
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) },
        }),
      )
    ).QueueUrl as string;
    await aws().subscribeQueue(topicArn, queueUrl);
    // The deployed function's environment; its SDK clients (Powertools' included) find moto through the log proxy.
    Object.assign(process.env, {
      SLACK_WEBHOOK_SECRET_ARN: secretArn,
      STACK: "dev",
      POST_ATTEMPTS: "2",
      // The stand-in's rate limit, not the handler's own pacing, is what the burst test runs into.
      MIN_POST_INTERVAL_MS: "1",
      AWS_ENDPOINT_URL: log.endpoint,
      AWS_REGION: aws().clientConfig.region,
      AWS_ACCESS_KEY_ID: aws().clientConfig.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws().clientConfig.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: "WARN",
    });
    // The handler posts to Slack's https URL from the secret; here that host is the local stand-in.
    global.fetch = ((input: string | URL, init?: RequestInit) =>
      realFetch(String(input).replace("https://hooks.slack.com", slackOrigin), init)) as typeof fetch;
    ({ handler } = await import("../../handlers/notify"));
  }, 60_000);

  afterAll(async () => {
    global.fetch = realFetch;
    process.env = env;
    await slack.stop();
    await log.stop();
  });

  beforeEach(() => slack.reset());

  /** Everything on the queue now, as Lambda's event source mapping would hand it over (in batches of `size`). */
  async function receiveAll(url = queueUrl): Promise<Message[]> {
    const out: Message[] = [];
    for (;;) {
      const r = await aws().sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 300, AttributeNames: ["All"] }),
      );
      if (!r.Messages?.length) return out;
      out.push(...r.Messages);
    }
  }
  const eventOf = (messages: Message[]): SQSEvent =>
    ({ Records: messages.map((m) => ({ messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body })) }) as SQSEvent;
  const context = { getRemainingTimeInMillis: () => 120_000 } as Context;

  /** What the event source mapping does with the answer: delete what succeeded, release what failed. */
  async function settle(messages: Message[], failed: string[]): Promise<void> {
    const done = messages.filter((m) => !failed.includes(m.MessageId as string));
    for (let i = 0; i < done.length; i += 10) {
      const entries = done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle }));
      await aws().sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
    for (const m of messages.filter((x) => failed.includes(x.MessageId as string)))
      await aws().sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }),
      );
  }

  it("posts alarms, EventBridge events and our alerts, one section each, with commands for the stack", async () => {
    const publish = (message: unknown, subject?: string) =>
      aws().sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(message), Subject: subject }));
    await publish(dlqAlarm(), 'ALARM: "dev-sales-validated-dlq-alarm-4f1c2a" in EU (London)');
    await publish(ageAlarm(), 'ALARM: "dev-sales-fan-out-queue-reporting-age-alarm-77e0b1" in EU (London)');
    await publish(DMS_TASK_STOPPED);
    await publish(GLUE_RUN_FAILED);
    await publish(VALIDATION_FAILED, "cdc sales: file quarantined (BAD_OP)");
    const messages = await receiveAll();
    expect(messages).toHaveLength(5);

    const answer = await handler(eventOf(messages), context);
    expect(answer.batchItemFailures).toEqual([]);
    await settle(messages, []);
    expect(slack.posts).toHaveLength(1);
    const text = slack.sections().join("\n");
    expect(slack.sections()).toHaveLength(5);
    expect(text).toContain("Dead letters in cdc-dev-sales-validated-dlq");
    expect(text).toContain("Messages waiting too long in cdc-dev-sales-reporting");
    expect(text).toContain("sales: DMS Replication Task State Change: REPLICATION_TASK_STOPPED");
    expect(text).toContain("Glue run failed: cdc-dev-sales-reporting-apply");
    expect(text).toContain("`cdc quarantine replay --stack dev --source sales --table dbo.Customer`");
    expect(slack.posts[0].text).toBe(
      `5 alerts: ${slack
        .sections()
        .map((s) => /\*(.+?)\*/.exec(s)?.[1])
        .join("; ")}`,
    );
  });

  it("holds under a burst of 500 alerts against Slack's rate limit: every alert in one post, none twice", async () => {
    slack.perSecond = 2;
    for (let i = 0; i < 500; i += 10) {
      await aws().sns.send(
        new PublishBatchCommand({
          TopicArn: topicArn,
          PublishBatchRequestEntries: Array.from({ length: 10 }, (_, j) => ({
            Id: String(j),
            Message: JSON.stringify({
              ...VALIDATION_FAILED,
              key: `dbo/Customer/burst-${String(i + j).padStart(3, "0")}.parquet`,
            }),
          })),
        }),
      );
    }
    const messages = await receiveAll();
    expect(messages).toHaveLength(500);
    // The event source mapping's batches (batchSize 100).
    for (let i = 0; i < messages.length; i += 100) {
      const batch = messages.slice(i, i + 100);
      const answer = await handler(eventOf(batch), context);
      expect(answer.batchItemFailures).toEqual([]);
      await settle(batch, []);
    }
    const keys = slack.sections().map((s) => /burst-(\d{3})\.parquet/.exec(s)?.[1]);
    expect(keys).toHaveLength(500);
    expect(new Set(keys).size).toBe(500);
    expect(keys.every((k) => k !== undefined)).toBe(true);
    // Packed, and the stand-in did refuse some posts: they were retried after Retry-After, not lost.
    expect(slack.posts.length).toBeLessThanOrEqual(20);
    expect(slack.tooMany).toBeGreaterThan(0);
  }, 120_000);

  it("reports the records of a post that keeps failing as batch item failures, which end in the DLQ", async () => {
    slack.failWith = 500;
    await aws().sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(GLUE_RUN_FAILED) }));
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    const spies = [
      jest.spyOn(process.stdout, "write").mockImplementation(capture),
      jest.spyOn(process.stderr, "write").mockImplementation(capture),
    ];
    try {
      for (let delivery = 1; delivery <= 2; delivery++) {
        const messages = await receiveAll();
        expect(messages).toHaveLength(1);
        const answer = await handler(eventOf(messages), context);
        expect(answer.batchItemFailures).toEqual([{ itemIdentifier: messages[0].MessageId }]);
        await settle(messages, [messages[0].MessageId as string]);
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // After maxReceiveCount receives SQS moves it to the dead-letter queue (whose alarm QueueWithDlq declares).
    expect(await receiveAll()).toEqual([]);
    const dead = await receiveAll(dlqUrl);
    expect(dead.map((m) => JSON.parse(m.Body as string).Message)).toEqual([JSON.stringify(GLUE_RUN_FAILED)]);
    expect(slack.posts).toEqual([]);
    // The failure was logged with Slack's status, never with the webhook's URL.
    expect(written.join("")).toContain("Slack posts failed");
    expect(written.join("")).toContain("Slack answered 500");
    expect(written.join("")).not.toContain("s3cr3tT0k3n");
  }, 60_000);

  it("isolates the alert Slack refuses and posts every other alert once; hostile names arrive escaped", async () => {
    slack.refuse = "BROKEN_BLOCK";
    const held = (table: string, error = "lock wait timeout") =>
      JSON.stringify({ kind: "table-held", source: "sales", target: "reporting", table, file: "f.parquet", error });
    for (const message of [held("dbo.A"), held("<!channel> <http://evil|click>"), held("dbo.C", "BROKEN_BLOCK"), held("dbo.D")])
      await aws().sns.send(new PublishCommand({ TopicArn: topicArn, Message: message }));
    const messages = await receiveAll();
    expect(messages).toHaveLength(4);
    const answer = await handler(eventOf(messages), context);
    expect(answer.batchItemFailures).toEqual([]);
    await settle(messages, []);
    // Three alerts in blocks, once each; the refused one once, as plain text.
    const tables = slack.sections().map((s) => /table (.+) held/.exec(s)?.[1]);
    expect(tables.sort()).toEqual(["&lt;!channel&gt; &lt;http://evil|click&gt;", "dbo.A", "dbo.D"]);
    const plain = slack.posts.filter((p) => !p.blocks).map((p) => p.text);
    expect(plain).toEqual([
      "sales/reporting: table dbo.C held\n(Slack refused this alert's formatted form: invalid_blocks; the notifier's log has it in full.)",
    ]);
    for (const p of slack.posts) expect(JSON.stringify(p)).not.toMatch(/<!channel>|<http:/);
  }, 60_000);

  it("reads the secret once per cache period, not once per batch", () => {
    // Three tests, several invocations: Powertools' cache (SECRET_MAX_AGE_SECONDS, 300 s) answered all but the first.
    expect(log.requests.filter((r) => r.service === "secretsmanager").map((r) => r.operation)).toEqual(["GetSecretValue"]);
  });
});

/** A handler on a virtual clock (waits are checked, never timed), posting through `fetch` (Slack's stand-in). */
function handlerOnClock(webhook: string, fetchImpl: typeof fetch) {
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const handler = createNotifyHandler({
    webhookUrl: async () => webhook,
    secretArn: SECRET_ARN,
    settings: { stack: "dev", minPostIntervalMs: 1000, postAttempts: 3 },
    logger: new Logger({ serviceName: "cdc-notify-test", logLevel: "SILENT" }),
    now: clock.now,
    sleep: async (ms) => clock.advance(ms),
    fetch: fetchImpl,
  });
  return { handler, clock };
}

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-2:111111111111:secret:cdc/dev/slack-webhook-Ab12Cd";
const heldRecord = (i: number) => ({
  messageId: `m${i}`,
  body: snsEnvelope({ kind: "table-held", source: "sales", table: `t${i}`, error: "x".repeat(2500) }, { id: `n${i}` }),
});

describe("the notifier against the Lambda's deadline", () => {
  it("starts no post whose answer could come after the function's timeout; what is left returns to SQS, none twice", async () => {
    const posted: string[] = [];
    const { handler, clock } = handlerOnClock("https://hooks.slack.com/services/T/B/x", (async (
      _url: string,
      init: RequestInit,
    ) => {
      // Slack slow: each answer takes the whole 10 s post timeout.
      clock.advance(10_000);
      const blocks = (JSON.parse(String(init.body)) as { blocks: { text: { text: string } }[] }).blocks;
      for (const b of blocks) posted.push(`m${/table t(\d+) held/.exec(b.text.text)?.[1]}`);
      return new Response("ok", { status: 200 });
    }) as typeof fetch);
    const records = Array.from({ length: 60 }, (_, i) => heldRecord(i));
    const start = clock.now();
    const remaining = 27_000;
    const answer = await handler({ Records: records } as unknown as SQSEvent, { getRemainingTimeInMillis: () => remaining });
    // Answered before the timeout: nothing of this batch is redelivered but what it names.
    expect(clock.now()).toBeLessThanOrEqual(start + remaining - 5000);
    const failed = answer.batchItemFailures.map((f) => f.itemIdentifier);
    expect(posted.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect([...posted, ...failed].sort()).toEqual(records.map((r) => r.messageId).sort());
  });
});

describe("the webhook secret", () => {
  it.each([
    ["a string", "https://hooks.slack.com/services/T0/B0/abc"],
    ["JSON with url", '{"url": "https://hooks.slack.com/services/T0/B0/abc"}'],
    ["GovSlack", "https://hooks.slack-gov.com/services/T0/B0/abc"],
  ])("takes a Slack webhook URL as %s", (_, secret) => {
    expect(webhookUrlFrom(secret, SECRET_ARN)).toMatch(/^https:\/\/hooks\.slack(-gov)?\.com\/services\/T0\/B0\/abc$/);
  });

  it.each([
    ["plain http", "http://hooks.slack.com/services/T0/B0/abc"],
    ["another host", "https://evil.example/collect"],
    ["a look-alike host", "https://hooks.slack.com.evil.example/services/T0/B0/abc"],
    ["credentials before another host", "https://hooks.slack.com@evil.example/services/T0/B0/abc"],
    ["another port", "https://hooks.slack.com:8443/services/T0/B0/abc"],
    ["no path", "https://hooks.slack.com/"],
    ["JSON without url", '{"webhook": "https://hooks.slack.com/services/T0/B0/abc"}'],
  ])("refuses %s with one line naming the secret, never its value", (_, secret) => {
    expect(() => webhookUrlFrom(secret, SECRET_ARN)).toThrow(
      new Error(
        `Slack webhook secret ${SECRET_ARN} must hold a Slack incoming-webhook URL (https on hooks.slack.com or hooks.slack-gov.com), as a string or as JSON {"url": …}`,
      ),
    );
  });

  it("refused, posts nothing and returns the whole batch to SQS", async () => {
    const fetched: string[] = [];
    const { handler } = handlerOnClock("https://evil.example/collect", (async (url: string) => {
      fetched.push(url);
      return new Response("ok", { status: 200 });
    }) as typeof fetch);
    const answer = await handler({ Records: [heldRecord(1), heldRecord(2)] } as unknown as SQSEvent);
    expect(fetched).toEqual([]);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: "m1" }, { itemIdentifier: "m2" }]);
  });
});
