/**
 * One target's AWS side on moto for the poller's end-to-end scenarios (isolation, run failures, transient holds):
 * generated DMS files of dbo.Invoice and dbo.Payment, the harmonized and lake buckets, the target's queue, and an alert
 * topic whose messages land in a queue the scenario reads. Files reach the poller as in AWS: put into harmonized, then
 * announced on the queue with the ETag harmonized holds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { readMetadataDir } from "../../metadata/load";
import { tableId, type TableMetadata } from "../../metadata/format";
import type { PollSettings } from "../../handlers/core/poller/ports";
import { targetStateSchema, type TargetState } from "../../handlers/core/poller/target-state";
import { generateDmsOutput, type GeneratedFile } from "../../src/local/dms-generator";
import { MOTO_CREDENTIALS } from "../../src/local/glue-env/moto";
import { validatedFileMessage } from "../support/validated-message";
import type { Moto } from "../support/moto";

export const SALES = readMetadataDir(path.resolve(__dirname, "../../metadata/sources/sales"));
export const INVOICE = SALES.tables.find((t) => tableId(t) === "dbo.Invoice") as TableMetadata;
export const PAYMENT = SALES.tables.find((t) => tableId(t) === "dbo.Payment") as TableMetadata;
/** Where the poller's manifests point Spark (and where the Spark job writes Iceberg). */
export const SPARK_NAMESPACE = ["glue_catalog", "cdc_dev_sales"];

export interface PollTarget {
  /** The generated files of dbo.Invoice (A) and dbo.Payment (B), full load first. */
  a: GeneratedFile[];
  b: GeneratedFile[];
  harmonized: string;
  lake: string;
  queueUrl: string;
  /** Where the alert topic's messages arrive. */
  alertsQueue: string;
  /** The poller's settings for this target (MySQL off unless overridden). */
  settings: PollSettings & { queueUrl: string; alertTopicArn: string };
  /** Puts a file into harmonized (its own bytes, or `body`). */
  land(f: GeneratedFile, body?: Uint8Array): Promise<void>;
  /** Announces a file on the target's queue with the ETag harmonized holds now, validated at `at`. */
  announce(f: GeneratedFile, at?: Date): Promise<void>;
  /** The target's table state as the poller wrote it. */
  state(): Promise<TargetState>;
}

export async function pollTarget(
  aws: Moto,
  root: string,
  dms: { rows: number; changes: number; seed: number },
  /** The tables whose files are generated: dbo.Invoice's version (A), then dbo.Payment (B). */
  tables: [TableMetadata, TableMetadata] = [INVOICE, PAYMENT],
): Promise<PollTarget> {
  // The CLI builds its own S3 client: point it at moto.
  process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
  const files = generateDmsOutput({
    tables,
    outDir: path.join(root, "dms"),
    ...dms,
    changesPerCdcFile: 10,
    start: new Date(Date.now() - 3_600_000),
  });
  const of = (meta: TableMetadata) => files.filter((f) => f.table === meta.table);
  const queueUrl = await aws.createQueue("reporting");
  const lake = await aws.createBucket("lake");
  const harmonized = await aws.createBucket("harmonized");
  const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: "alerts" }))).TopicArn as string;
  const alertsQueue = await aws.createQueue("alerts-inbox");
  await aws.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: await aws.queueArn(alertsQueue) }));
  return {
    a: of(tables[0]),
    b: of(tables[1]),
    harmonized,
    lake,
    queueUrl,
    alertsQueue,
    settings: {
      source: "sales",
      target: "reporting",
      queueUrl,
      lakeBucket: lake,
      harmonizedBucket: harmonized,
      alertTopicArn: topicArn,
      sparkNamespace: SPARK_NAMESPACE,
      mysql: false,
      tombstoneRetentionDays: 7,
      // Every tick compares harmonized with the state, so a file without a message is found at once.
      sweepIntervalMs: 0,
      sweepMinAgeMs: 0,
    },
    land: (f, body = fs.readFileSync(f.path)) => aws.putObject(harmonized, f.key, body),
    async announce(f, at = new Date()) {
      const etag = (await aws.s3.send(new HeadObjectCommand({ Bucket: harmonized, Key: f.key }))).ETag as string;
      const message = validatedFileMessage(f, { bucket: harmonized, etag, validatedAt: at.toISOString() });
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
    },
    async state() {
      const body = await aws.getObject(lake, "state/sales/reporting/tables.json");
      return targetStateSchema.parse(JSON.parse(new TextDecoder().decode(body)));
    },
  };
}
