/**
 * The local Glue environment for tests: one moto server and one Spark session (Spark 3.5.4 + Iceberg 1.7.1, the code
 * of handlers/glue/apply_changes.py) per test file, started in beforeAll and stopped in afterAll.
 *
 *   sparkDescribe("…", () => {
 *     const glue = useLocalGlue();
 *     it("…", async () => { const uri = await glue().putManifest(manifest); await glue().spark.apply(uri); });
 *   });
 *
 * Under CI=true a missing environment fails the suite; elsewhere it is skipped with the reason and the fix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { manifestBody, type RunManifest } from "../../handlers/core/plan/manifest";
import { glueEnvProblem } from "../../src/local/glue-env/paths";
import { startMoto, type MotoServer } from "../../src/local/glue-env/moto";
import { LocalSparkSession } from "../../src/local/spark/spark-session";

export interface LocalGlue {
  moto: MotoServer;
  s3: S3Client;
  spark: LocalSparkSession;
  /** The bucket files and manifests are put in. */
  bucket: string;
  /** Directory of the local Iceberg catalog. */
  warehouse: string;
  /** Uploads a local file under `key`; returns its s3:// URI. */
  putFile(file: string, key: string): Promise<string>;
  /** Stores a manifest at `runs/<runId>.json` as `manifestBody` writes it (hash: `sha256Hex(manifestBody(m))`); returns its s3:// URI. */
  putManifest(manifest: RunManifest): Promise<string>;
  /** The manifest URI a run id is stored at (what `buildRunManifest` needs before the manifest exists). */
  manifestUri(runId: string): string;
}

export function sparkDescribe(title: string, body: () => void): void {
  const problem = glueEnvProblem();
  if (problem && process.env.CI === "true")
    throw new Error(`${title}: the Spark tests need the local Glue environment under CI: ${problem}`);
  if (problem) console.warn(`skipping "${title}": ${problem}`);
  (problem ? describe.skip : describe)(title, body);
}

export function useLocalGlue(options: { bucket?: string } = {}): () => LocalGlue {
  let glue: LocalGlue | undefined;
  const bucket = options.bucket ?? "cdc-test-lake";
  beforeAll(async () => {
    const moto = await startMoto();
    const s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-iceberg-"));
    const spark = await LocalSparkSession.start({ warehouse, s3Endpoint: moto.endpoint }).catch(async (err: Error) => {
      await moto.stop();
      throw err;
    });
    const manifestUri = (runId: string) => `s3://${bucket}/runs/${runId}.json`;
    glue = {
      moto,
      s3,
      spark,
      bucket,
      warehouse,
      manifestUri,
      async putFile(file, key) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fs.readFileSync(file) }));
        return `s3://${bucket}/${key}`;
      },
      async putManifest(manifest) {
        const uri = manifestUri(manifest.runId);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `runs/${manifest.runId}.json`, Body: manifestBody(manifest) }));
        return uri;
      },
    };
  }, 120_000);
  afterAll(async () => {
    if (!glue) return;
    await glue.spark.stop();
    glue.s3.destroy();
    await glue.moto.stop();
    fs.rmSync(glue.warehouse, { recursive: true, force: true });
  }, 60_000);
  return () => {
    if (!glue) throw new Error("the local Glue environment did not start (see beforeAll)");
    return glue;
  };
}
