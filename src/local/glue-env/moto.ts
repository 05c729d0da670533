/**
 * moto in server mode (DESIGN §8): one process per user (a test file, `cdc local`, `cdc replay --engine spark`) on a free
 * loopback port, started from the pinned venv and stopped with it. It is the AWS emulator wherever it is more real than
 * fauxqs: S3 event notifications into SQS as the deployment declares them, the Glue Data Catalog, Secrets Manager,
 * STS, and S3 for Spark's S3A reader (ranged reads, multipart, listing v2).
 */
import { spawn } from "node:child_process";
import * as net from "node:net";
import { glueEnv } from "./paths";

export const MOTO_REGION = "us-east-1";
/** moto's default account: ARNs it returns carry it. */
export const MOTO_ACCOUNT = "123456789012";
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface MotoServer {
  endpoint: string;
  port: number;
  /** Client settings for AWS SDK v3 clients (path-style S3: moto serves every bucket on one host). */
  clientConfig: { endpoint: string; region: string; credentials: typeof MOTO_CREDENTIALS; forcePathStyle: true };
  /** Forgets every resource (moto's reset API): tests that share one server start clean. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * moto_server, plus a thread that ends it when its stdin closes — when the Node process that started it is gone,
 * however it ended (Ctrl-C, a killed test worker), so no server outlives its user.
 */
const BOOTSTRAP = `
import os, sys, threading
def parent_gone():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=parent_gone, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
`;

export async function startMoto(options: { startTimeoutMs?: number } = {}): Promise<MotoServer> {
  const env = glueEnv();
  const port = await freePort();
  // Its own process group, so Ctrl-C in a terminal reaches only Node (`cdc local --watch` finishes its round first).
  const child = spawn(env.python, ["-c", BOOTSTRAP, "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["pipe", "ignore", "pipe"],
    detached: true,
    env: { ...process.env, AWS_DEFAULT_REGION: MOTO_REGION, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr.trim()}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/data.json`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not answer on ${endpoint}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    port,
    clientConfig: { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
