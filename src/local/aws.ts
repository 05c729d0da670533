/**
 * AWS for local mode: fauxqs (S3, SQS, SNS) started in this process on a free port, and SDK v3 clients pointed at it.
 *
 * fauxqs ships only as an ES module and exports only an `import` condition. A real `import()` is used — written
 * through `new Function` so TypeScript's CommonJS output does not turn it into `require` — and where the host cannot
 * import dynamically (jest's CommonJS sandbox) Node's own `require` loads the module file itself (require of ES
 * modules, Node ≥ 20.19).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";

interface FauxqsModule {
  startFauxqs(options: { port: number; logger: boolean; host?: string }): Promise<{ port: number; stop(): Promise<void> }>;
}

export interface LocalAws {
  endpoint: string;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  stop(): Promise<void>;
}

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Clients for an S3/SQS/SNS endpoint (fauxqs), path-style for S3. */
export function clientsFor(endpoint: string): Omit<LocalAws, "stop"> {
  return {
    endpoint,
    s3: new S3Client({ endpoint, region: REGION, credentials: CREDENTIALS, forcePathStyle: true }),
    sqs: new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS }),
    sns: new SNSClient({ endpoint, region: REGION, credentials: CREDENTIALS }),
  };
}

/** Starts fauxqs in this process (127.0.0.1, free port). */
export async function startLocalAws(): Promise<LocalAws> {
  const fauxqs = await loadFauxqs();
  const server = await fauxqs.startFauxqs({ port: 0, logger: false, host: "127.0.0.1" });
  const clients = clientsFor(`http://127.0.0.1:${server.port}`);
  return {
    ...clients,
    async stop() {
      for (const c of [clients.s3, clients.sqs, clients.sns]) c.destroy();
      await server.stop();
    },
  };
}

async function loadFauxqs(): Promise<FauxqsModule> {
  const dynamicImport = new Function("m", "return import(m)") as (m: string) => Promise<FauxqsModule>;
  try {
    return await dynamicImport("fauxqs");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING" && code !== "ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG") throw err;
    const real = process.getBuiltinModule("node:module") as typeof import("node:module");
    return real.createRequire(__filename)(fauxqsEntry()) as FauxqsModule;
  }
}

/** The file fauxqs's `import` condition points at, found the way Node looks up packages. */
function fauxqsEntry(): string {
  for (const dir of require.resolve.paths("fauxqs") ?? []) {
    const pkgFile = path.join(dir, "fauxqs", "package.json");
    if (!fs.existsSync(pkgFile)) continue;
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { exports: { ".": { import: { default: string } } } };
    return path.join(dir, "fauxqs", pkg.exports["."].import.default);
  }
  throw new Error("fauxqs is not installed (npm ci installs it)");
}
