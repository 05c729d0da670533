import { SendMessageBatchCommand, type SendMessageBatchCommandOutput, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { Logger } from "@aws-lambda-powertools/logger";
import { createFanOutHandler, targetsFromEnv } from "../../handlers/fan-out";
import type { ValidatedFileMessage } from "../../handlers/core/messages";
import { useFauxqs } from "../support/fauxqs";
import { interceptSend } from "../support/intercept";

function message(table: string, n: number): ValidatedFileMessage {
  const [schema, name] = table.split(".");
  return {
    version: 1,
    source: "sales",
    schema,
    table: name,
    bucket: "cdc-dev-sales-harmonized-111111111111",
    key: `${schema}/${name}/20261122-0101010000${String(n).padStart(2, "0")}.parquet`,
    etag: `"etag-${n}"`,
    sizeBytes: 1024,
    rowCount: 10,
    kind: "cdc",
    minSeq: "1".padStart(35, "0"),
    maxSeq: String(n + 1).padStart(35, "0"),
    validatedAt: "2026-11-22T01:01:01.000Z",
  };
}

/** The handler logs every retry; the assertions here are about what reached the queues. */
const logger = new Logger({ logLevel: "SILENT" });

const event = (bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSRecord),
});

/**
 * Wraps a client so SendMessageBatch reports the entries `fail` picks as failed (as SQS does under throttling);
 * `call` counts the calls made to that queue so far.
 */
function flaky(
  client: SQSClient,
  fail: (queueUrl: string, body: string, call: number) => boolean,
): { client: SQSClient; calls: () => number } {
  let calls = 0;
  const perQueue = new Map<string, number>();
  const wrapped = interceptSend(client, async (command, send) => {
    if (!(command instanceof SendMessageBatchCommand)) return send(command);
    calls++;
    const input = command.input;
    const call = perQueue.get(input.QueueUrl as string) ?? 0;
    perQueue.set(input.QueueUrl as string, call + 1);
    const rejected = (input.Entries ?? []).filter((e) => fail(input.QueueUrl as string, e.MessageBody as string, call));
    const rest = (input.Entries ?? []).filter((e) => !rejected.includes(e));
    const out = (
      rest.length ? await send(new SendMessageBatchCommand({ ...input, Entries: rest })) : { Successful: [] }
    ) as SendMessageBatchCommandOutput;
    return { ...out, Failed: rejected.map((e) => ({ Id: e.Id, Code: "ThrottlingException", SenderFault: false })) };
  });
  return { client: wrapped, calls: () => calls };
}

describe("fan-out handler on fauxqs", () => {
  const aws = useFauxqs();
  let queues: { reporting: string; finance: string };
  let n = 0;
  beforeEach(async () => {
    n++;
    queues = { reporting: await aws().createQueue(`reporting-${n}`), finance: await aws().createQueue(`finance-${n}`) };
  });
  const targets = () => [
    { name: "reporting", tables: ["dbo.*"], queueUrl: queues.reporting },
    { name: "finance", tables: ["dbo.Invoice*", "billing.*"], queueUrl: queues.finance },
  ];

  it("copies every file to exactly the targets that subscribe to its table", async () => {
    const bodies = [
      ...Array.from({ length: 12 }, (_, i) => JSON.stringify(message("dbo.Invoice", i))),
      JSON.stringify(message("dbo.Customer", 20)),
      JSON.stringify(message("billing.Subscription", 21)),
      JSON.stringify(message("audit.Event", 22)),
    ];
    const result = await createFanOutHandler({ logger, sqs: aws().sqs, targets: targets() })(event(bodies));
    expect(result.batchItemFailures).toEqual([]);
    const reporting = (await aws().drainQueue(queues.reporting)).map((b) => JSON.parse(b).table);
    const finance = (await aws().drainQueue(queues.finance)).map((b) => JSON.parse(b).table);
    expect(reporting.sort()).toEqual([...Array(12).fill("Invoice"), "Customer"].sort());
    expect(finance.sort()).toEqual([...Array(12).fill("Invoice"), "Subscription"].sort());
  });

  it("forwards the message unchanged", async () => {
    const body = JSON.stringify(message("dbo.Invoice", 1));
    await createFanOutHandler({ logger, sqs: aws().sqs, targets: targets() })(event([body]));
    expect(await aws().drainQueue(queues.finance)).toEqual([body]);
  });

  it("fails only the unreadable record and delivers the others", async () => {
    const good = JSON.stringify(message("dbo.Customer", 1));
    const bad = JSON.stringify({ ...message("dbo.Customer", 2), sizeBytes: -1 });
    const result = await createFanOutHandler({ logger, sqs: aws().sqs, targets: targets() })(event([good, "not json", bad]));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m1" }, { itemIdentifier: "m2" }]);
    expect(await aws().drainQueue(queues.reporting)).toEqual([good]);
  });

  it("resends entries SQS reports as failed until they get through", async () => {
    const bodies = Array.from({ length: 5 }, (_, i) => JSON.stringify({ ...message("dbo.Invoice", i), rowCount: i }));
    // Files with an even number fail on the first two calls to each queue.
    const { client, calls } = flaky(aws().sqs, (_q, body, call) => call < 2 && JSON.parse(body).rowCount % 2 === 0);
    const result = await createFanOutHandler({ logger, sqs: client, targets: targets(), backoffMs: () => 0 })(event(bodies));
    expect(result.batchItemFailures).toEqual([]);
    expect(calls()).toBe(6);
    expect((await aws().drainQueue(queues.reporting)).sort()).toEqual([...bodies].sort());
    expect((await aws().drainQueue(queues.finance)).sort()).toEqual([...bodies].sort());
  });

  it("hands a record back to SQS when its copy keeps failing, without holding up other targets", async () => {
    const bodies = [JSON.stringify(message("dbo.Invoice", 1)), JSON.stringify(message("dbo.Customer", 2))];
    const { client } = flaky(aws().sqs, (q) => q === queues.finance);
    const result = await createFanOutHandler({ logger, sqs: client, targets: targets(), backoffMs: () => 0, attempts: 3 })(
      event(bodies),
    );
    // Only the Invoice file goes to finance, so only its record is retried; the reporting copies went through.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m0" }]);
    expect((await aws().drainQueue(queues.reporting)).sort()).toEqual([...bodies].sort());
    expect(await aws().drainQueue(queues.finance)).toEqual([]);
  });

  it("treats a thrown SendMessageBatch like failed entries", async () => {
    const broken = interceptSend(aws().sqs, async () => {
      throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    });
    const result = await createFanOutHandler({ logger, sqs: broken, targets: targets(), backoffMs: () => 0 })(
      event([JSON.stringify(message("dbo.Customer", 1))]),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m0" }]);
  });
});

describe("TARGETS", () => {
  it("names the bad entry", () => {
    expect(() => targetsFromEnv(JSON.stringify([{ name: "reporting", tables: [], queueUrl: "http://q" }]))).toThrow(
      "TARGETS: 0.tables: Too small: expected array to have >=1 items",
    );
    expect(() => targetsFromEnv(undefined)).toThrow("TARGETS: (root): Invalid input: expected array, received undefined");
    expect(() => targetsFromEnv("[{name: reporting}]")).toThrow(/^TARGETS: not JSON: /);
  });
});
