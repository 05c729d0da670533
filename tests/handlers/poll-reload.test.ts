/**
 * A DMS reload through the poller (fauxqs for S3 and SQS, the Glue control plane mocked, the local Glue runner on
 * DuckDB applying the manifests): the rewritten `LOAD00000001.parquet` arrives with a new ETag, the poller starts a
 * generation, the table is rebuilt (rows the new load lacks disappear), and the old generation's announcements
 * replayed afterwards change nothing — the old LOAD version is skipped, the old CDC files are stale.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetJobRunsCommand, GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { mockClient } from "aws-sdk-client-mock";
import { createPollHandler, glueJobRuns } from "../../handlers/poll";
import { runManifestSchema } from "../../handlers/core/plan/manifest";
import type { ValidatedFileMessage } from "../../handlers/core/messages";
import { DuckDbExecutor } from "../../src/executors/duckdb";
import { LocalGlueJob } from "../../src/local/glue-runner";
import { canonicalRows } from "../support/reference-model";
import { useFauxqs } from "../support/fauxqs";
import { RELOAD_FILES, RELOAD_META, writeReloadFiles } from "../src/executors/reload-scenario";

const silent = new Logger({ logLevel: "SILENT" });
// The scenario's changes are from 2024: keep their tombstones for the whole test.
const RETENTION_DAYS = 36_500;

describe("a reload through the poller", () => {
  const aws = useFauxqs();
  const glue = new GlueClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const glueMock = mockClient(glue);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-poll-reload-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("rebuilds the table from the new load, and replayed old announcements change nothing", async () => {
    const [queueUrl, lake, harmonized] = [
      await aws().createQueue("reload"),
      await aws().createBucket("lake-reload"),
      await aws().createBucket("harmonized-reload"),
    ];
    const duck = await DuckDbExecutor.open(":memory:", { threads: 1 });
    const runner = new LocalGlueJob({
      s3: aws().s3,
      tables: [RELOAD_META],
      duck,
      tombstoneRetentionDays: RETENTION_DAYS,
      workDir: path.join(root, "work"),
      publicationDir: path.join(root, "pub"),
    });
    glueMock.on(GetJobRunsCommand).callsFake(async () => ({ JobRuns: [] }));
    glueMock.on(StartJobRunCommand).callsFake(async (input: { Arguments: Record<string, string> }) => {
      const r = await runner.start(input.Arguments["--manifest"], input.Arguments["--manifest_sha256"]);
      await runner.wait();
      return { JobRunId: r.started ? r.jobRunId : "" };
    });
    const tick = createPollHandler({
      s3: aws().s3,
      sqs: aws().sqs,
      sns: aws().sns,
      runs: glueJobRuns(glue, "reload-job"),
      tables: [RELOAD_META],
      settings: {
        source: "sales",
        target: "reporting",
        queueUrl,
        lakeBucket: lake,
        harmonizedBucket: harmonized,
        alertTopicArn: "arn:aws:sns:us-east-1:000000000000:alerts",
        sparkNamespace: ["glue_catalog", "cdc_dev_sales"],
        mysql: false,
        tombstoneRetentionDays: RETENTION_DAYS,
        sweepMinAgeMs: 3_600_000,
      },
      logger: silent,
    });
    const local = await writeReloadFiles(duck.connection, path.join(root, "dms"));
    const announcements: ValidatedFileMessage[] = [];
    /** Lands file `i` in harmonized under its DMS key (a reload overwrites the key) and announces that version. */
    const land = async (i: number) => {
      const key = `dbo/Orders/${RELOAD_FILES[i].file.name}`;
      const put = await aws().s3.send(new PutObjectCommand({ Bucket: harmonized, Key: key, Body: fs.readFileSync(local(i)) }));
      const message: ValidatedFileMessage = {
        version: 1,
        source: "sales",
        schema: "dbo",
        table: "Orders",
        bucket: harmonized,
        key,
        etag: put.ETag as string,
        sizeBytes: fs.statSync(local(i)).size,
        rowCount: RELOAD_FILES[i].file.changes.length,
        kind: key.includes("LOAD") ? "load" : "cdc",
        minSeq: null,
        maxSeq: null,
        validatedAt: new Date().toISOString(),
      };
      announcements[i] = message;
      await announce(message);
    };
    const announce = (m: ValidatedFileMessage) =>
      aws().sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(m) }));
    const customers = async () =>
      canonicalRows(RELOAD_META, await duck.rows(RELOAD_META)).map((r) => `${String(r.order_id)}:${String(r.customer)}`);
    const lastManifest = async () => {
      const run = runner.finished.at(-1);
      return run && runManifestSchema.parse(run.manifest);
    };

    try {
      for (const i of [0, 1, 2, 3]) await land(i);
      expect(await tick()).toMatchObject({ outcome: "started", files: 4 });
      expect((await lastManifest())?.tables[0].generation).toBeUndefined();
      expect(await customers()).toEqual(["1:a1", "2:b2", "4:a4", "5:a5", "6:c6"]);

      // DMS reloads the table: LOAD00000001.parquet is rewritten in place, CDC goes on.
      for (const i of [4, 5, 6]) await land(i);
      expect(await tick()).toMatchObject({ outcome: "started", files: 3 });
      const reload = await lastManifest();
      expect(reload?.tables[0].generation).toMatchObject({ id: announcements[4].etag.replace(/"/g, ""), sweep: true });
      expect(runner.finished.at(-1)?.tables[0].failed).toBeUndefined();
      expect(await customers()).toEqual(["1:a1", "2:b2", "4:n4", "7:x7", "8:y8"]);

      // The old generation's announcements come again (a redrive): the old LOAD version is gone and skipped, the old
      // CDC files are applied and stale.
      for (const i of [0, 1, 2, 3]) await announce(announcements[i] ?? (undefined as never));
      expect(await tick()).toMatchObject({ outcome: "started", files: 3 });
      expect((await lastManifest())?.tables[0].files.some((f) => f.endsWith("LOAD00000001.parquet"))).toBe(false);
      expect(runner.finished.at(-1)?.tables[0].failed).toBeUndefined();
      expect(await customers()).toEqual(["1:a1", "2:b2", "4:n4", "7:x7", "8:y8"]);

      // A later LOAD file of the reload joins its generation (same floor, no sweep): 5 is back.
      await land(7);
      expect(await tick()).toMatchObject({ outcome: "started", files: 1 });
      expect((await lastManifest())?.tables[0].generation).toMatchObject({ id: reload?.tables[0].generation?.id, sweep: false });
      expect(await customers()).toEqual(["1:a1", "2:b2", "4:n4", "5:r5", "7:x7", "8:y8", "9:n9"]);
    } finally {
      duck.close();
    }
  });
});
