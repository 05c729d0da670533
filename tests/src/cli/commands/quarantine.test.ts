import * as path from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Logger } from "@aws-lambda-powertools/logger";
import { validateAndMove } from "../../../../handlers/lib/validated-move";
import { replayFile } from "../../../../src/cli/commands/quarantine";
import { loadStackFile } from "../../../../src/config-sources";
import { bucketName } from "../../../../metadata/naming";
import { cdc } from "../../../support/cli";
import { useFauxqs } from "../../../support/fauxqs";
import { ordersTable } from "../../../support/parquet-fixtures";
import { badFiles, ordersFile } from "../../../handlers/core/validation/bad-files";

const PROJECT_DIR = path.resolve(__dirname, "../../../..");

describe("cdc quarantine replay (fauxqs S3)", () => {
  const aws = useFauxqs();
  const config = loadStackFile(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
  const account = config.accounts.ingestion.accountId;
  const quarantine = bucketName(config.environment, "sales", "quarantine", account);
  const raw = bucketName(config.environment, "sales", "raw", account);
  const orders = ["dbo/orders/20240101-000000000.parquet", "dbo/orders/20240101-000000001.parquet"];
  const other = "dbo/customers/20240101-000000000.parquet";
  const bytes = ordersFile();
  const replay = (...extra: string[]) =>
    cdc("quarantine", "replay", "--stack", "dev", "--source", "sales", "-C", PROJECT_DIR, "--endpoint", aws().endpoint, ...extra);

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= "test";
    process.env.AWS_SECRET_ACCESS_KEY ??= "test";
    await aws().createBucket(quarantine);
    await aws().createBucket(raw);
    for (const key of [...orders, other]) await aws().putObject(quarantine, key, bytes);
  });

  it("--dry-run lists without moving", async () => {
    const r = await replay("--table", "dbo.orders", "--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual(orders.map((k) => `would replay s3://${quarantine}/${k} → s3://${raw}/${k}`));
    expect(await aws().listKeys(raw)).toEqual([]);
  });

  it("moves only the named table's files back to raw, byte for byte, and removes them from quarantine", async () => {
    const r = await replay("--table", "DBO.Orders");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("2 quarantined file(s)");
    expect(await aws().listKeys(raw)).toEqual(orders);
    expect(await aws().listKeys(quarantine)).toEqual([other]);
    for (const k of orders) {
      expect(Buffer.from((await aws().getObject(raw, k))!).equals(Buffer.from(bytes))).toBe(true);
      const head = await aws().s3.send(new HeadObjectCommand({ Bucket: raw, Key: k }));
      expect(head.Metadata?.["cdc-replayed-from"]).toBe("quarantine");
    }
  });

  it("without --table replays everything that is left; a second run finds nothing", async () => {
    expect((await replay()).code).toBe(0);
    expect(await aws().listKeys(quarantine)).toEqual([]);
    expect(await aws().listKeys(raw)).toEqual([other, ...orders].sort());
    const again = await replay();
    expect([again.code, again.stdout]).toEqual([0, ""]);
  });

  it("a file validation rejects again while the replay is still running stays in quarantine", async () => {
    const q = await aws().createBucket("race-quarantine");
    const r = await aws().createBucket("race-raw");
    const key = "dbo/orders/20240102-000000000.parquet";
    const bad = badFiles().find((f) => f.code === "NULL_PRIMARY_KEY")!.bytes;
    await aws().putObject(q, key, bad);
    const lambda = {
      s3: aws().s3,
      sqs: aws().sqs,
      sns: aws().sns,
      tables: [ordersTable()],
      logger: new Logger({ logLevel: "SILENT" }),
      settings: {
        source: "sales",
        harmonizedBucket: await aws().createBucket("race-harmonized"),
        quarantineBucket: q,
        alertTopicArn: await aws().createTopic("race-alerts"),
        fanOutQueueUrl: await aws().createQueue("race-fanout"),
        largeFileBytes: 1 << 30,
      },
    };
    // The raw copy's S3 event reaches the validate Lambda as soon as the copy exists: here, right after the replay
    // has verified it, the real Lambda logic quarantines the (still bad) file again, same key, same bytes.
    const s3 = new S3Client(aws().clientConfig);
    let raced = false;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (!raced && context.commandName === "HeadObjectCommand" && (args.input as { Bucket: string }).Bucket === r) {
          raced = true;
          expect(await validateAndMove(lambda, { bucket: r, key })).toMatchObject({ outcome: "quarantined" });
        }
        return out;
      },
      { step: "initialize", name: "validateLambdaRace" },
    );
    try {
      expect(await replayFile(s3, { bucket: q, key }, r)).toBe("requarantined");
    } finally {
      s3.destroy();
    }
    expect(raced).toBe(true);
    expect(await aws().listKeys(r)).toEqual([]);
    expect(Buffer.from((await aws().getObject(q, key))!).equals(Buffer.from(bad))).toBe(true);
  });

  it.each([
    [["--source", "nope"], /--source nope: not in .*Pulumi.dev.yaml \(sources: sales, crm\)/],
    [["--stack", "qa"], /Pulumi.qa.yaml: no such stack file/],
    [["--table", "orders"], /--table: expected schema.table/],
  ])("usage errors exit 2: %j", async (args, message) => {
    const base: Record<string, string> = { "--stack": "dev", "--source": "sales" };
    for (let i = 0; i < args.length; i += 2) base[args[i]] = args[i + 1];
    const r = await cdc("quarantine", "replay", ...Object.entries(base).flat(), "-C", PROJECT_DIR, "--endpoint", aws().endpoint);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
