/**
 * fauxqs (S3 + SQS + SNS emulator) for integration tests. fauxqs is ESM-only and jest runs CommonJS, so it runs as a
 * child process on a free port; tests talk to it with the real AWS SDK v3 clients.
 *
 *   const aws = useFauxqs();                      // in a describe block: started in beforeAll, stopped in afterAll
 *   it("…", async () => { await aws().createBucket("raw"); await aws().s3.send(...); });
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { awsHelpers, type AwsHelpers } from "./aws-helpers";

export const FAUXQS_REGION = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

export interface Fauxqs extends AwsHelpers {
  endpoint: string;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  /** Client settings for code under test that builds its own clients. */
  clientConfig: { endpoint: string; region: string; credentials: typeof credentials; forcePathStyle: true };
  stop(): Promise<void>;
}

const LAUNCHER = `
import { startFauxqs } from "fauxqs";
const server = await startFauxqs({ port: 0, logger: false });
process.stdout.write(JSON.stringify({ port: server.port }) + "\\n");
const stop = async () => { await server.stop(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("disconnect", stop);
`;

/** Starts a fauxqs child process on a free port and returns clients pointed at it. */
export async function startFauxqs(): Promise<Fauxqs> {
  const root = path.resolve(__dirname, "../..");
  const child = spawn(process.execPath, ["--input-type=module", "-e", LAUNCHER], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => reject(new Error(`fauxqs exited with ${code} before listening: ${err.trim()}`)));
  });
  child.stdout?.removeAllListeners("data");
  child.stdout?.resume();
  child.stderr?.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = { endpoint, region: FAUXQS_REGION, credentials, forcePathStyle: true as const };
  const s3 = new S3Client(clientConfig);
  const sqs = new SQSClient({ endpoint, region: FAUXQS_REGION, credentials });
  const sns = new SNSClient({ endpoint, region: FAUXQS_REGION, credentials });
  return {
    endpoint,
    s3,
    sqs,
    sns,
    clientConfig,
    ...awsHelpers({ s3, sqs, sns }),
    stop: () => stopChild(child, [s3, sqs, sns]),
  };
}

async function stopChild(child: ChildProcess, clients: Array<{ destroy(): void }>): Promise<void> {
  for (const c of clients) c.destroy();
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Starts fauxqs before the describe block's tests and stops it after; call the returned function inside tests. */
export function useFauxqs(): () => Fauxqs {
  let server: Fauxqs | undefined;
  beforeAll(async () => {
    server = await startFauxqs();
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("fauxqs is not running: call useFauxqs() inside a describe block and use it inside tests");
    return server;
  };
}
