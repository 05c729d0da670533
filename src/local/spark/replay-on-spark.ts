/**
 * `cdc replay --engine spark`: the accepted files of a DMS output tree applied by the Glue apply job's own code on local
 * Spark + Iceberg. The files go to S3 on the local emulator under their DMS keys, one run manifest names every table's
 * files in DMS order (what one Glue run over the whole directory would get from the poller), and the job runs it; the
 * publication file of each table is then written from its Iceberg table, in key order like DuckDB's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { tableId, type TableMetadata } from "../../../metadata/format";
import { buildRunManifest, manifestBody, sha256Hex } from "../../../handlers/core/plan/manifest";
import type { MySqlFlavor } from "../../../handlers/core/plan/dialect";
import type { ApplyCounts } from "../../executors/counts";
import { startMoto } from "../glue-env/moto";
import { LocalSparkSession, type JdbcTarget } from "./spark-session";

/** Where the replay's Iceberg tables live in the local catalog. */
export const REPLAY_NAMESPACE = ["glue_catalog", "cdc_replay"];
const BUCKET = "cdc-replay";

export interface SparkReplayInput {
  dmsDir: string;
  /** Each table's accepted files, relative to `dmsDir`, in DMS order. */
  tables: Array<{ meta: TableMetadata; files: string[] }>;
  outDir: string;
  /** The MySQL target, if any: its flavor (for the manifest) and JDBC settings (for the job). */
  mysql?: { flavor: MySqlFlavor; jdbc: JdbcTarget };
  progress: (line: string) => void;
}

export interface SparkReplayTable {
  rows: number;
  counts: ApplyCounts;
}

export async function replayOnSpark(input: SparkReplayInput): Promise<Record<string, SparkReplayTable>> {
  const moto = await startMoto();
  const s3 = new S3Client(moto.clientConfig);
  const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-replay-iceberg-"));
  let spark: LocalSparkSession | undefined;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    input.progress("starting local Spark 3.5 + Iceberg (the Glue job's environment)");
    spark = await LocalSparkSession.start({ warehouse, s3Endpoint: moto.endpoint });
    const manifestTables = [];
    for (const { meta, files } of input.tables) {
      const uris: string[] = [];
      const etags: string[] = [];
      for (const rel of files) {
        const put = await s3.send(
          new PutObjectCommand({ Bucket: BUCKET, Key: rel, Body: fs.readFileSync(path.join(input.dmsDir, rel)) }),
        );
        uris.push(`s3://${BUCKET}/${rel}`);
        etags.push(put.ETag as string);
      }
      manifestTables.push({ meta, files: uris, etags });
    }
    const runId = "replay";
    const manifestUri = `s3://${BUCKET}/runs/${runId}.json`;
    const manifest = buildRunManifest({
      target: "replay/local",
      runId,
      manifestUri,
      sparkNamespace: REPLAY_NAMESPACE,
      mysql: input.mysql?.flavor ?? false,
      // Nothing in one pass over a directory is old enough to expire.
      tombstoneRetentionDays: 3650,
      now: new Date(),
      tables: manifestTables,
    });
    const body = manifestBody(manifest);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `runs/${runId}.json`, Body: body }));
    input.progress(`applying ${input.tables.length} tables with handlers/glue/apply_changes.py`);
    const applied = await spark.apply(manifestUri, sha256Hex(body), input.mysql?.jdbc);

    const out: Record<string, SparkReplayTable> = {};
    for (const [i, { meta }] of input.tables.entries()) {
      const file = path.join(input.outDir, `${tableId(meta)}.parquet`);
      out[tableId(meta)] = { rows: await spark.exportPublication(meta, REPLAY_NAMESPACE, file), counts: applied[i].counts };
    }
    return out;
  } finally {
    await spark?.stop();
    s3.destroy();
    await moto.stop();
    fs.rmSync(warehouse, { recursive: true, force: true });
  }
}
