/**
 * moto in server mode for integration tests (DESIGN §8): S3 with event notifications into SQS, SQS, SNS, the Glue
 * Data Catalog, Secrets Manager and STS, answered by one server per test file (started in beforeAll, stopped in
 * afterAll) from the pinned venv, with the real AWS SDK v3 clients.
 *
 *   motoDescribe("…", () => {
 *     const aws = useMoto();
 *     it("…", async () => { await aws().createBucket("raw"); await aws().s3.send(...); });
 *   });
 *
 * Under CI=true a missing venv fails the run (tests/support/global-setup.js); elsewhere the suite is skipped with the
 * reason and the command that fixes it.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { GlueClient } from "@aws-sdk/client-glue";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { glueEnvProblem } from "../../src/local/glue-env/paths";
import { startMoto, type MotoServer } from "../../src/local/glue-env/moto";
import { configureRawNotification } from "../../src/local/raw-notification";
import { awsHelpers, type AwsHelpers } from "./aws-helpers";

export interface Moto extends AwsHelpers {
  server: MotoServer;
  endpoint: string;
  /** Client settings for code under test that builds its own clients. */
  clientConfig: MotoServer["clientConfig"];
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  glue: GlueClient;
  sts: STSClient;
  /**
   * Makes `bucket` notify `queueUrl` of new objects exactly as the deployed raw bucket notifies the validation queue
   * (src/local/raw-notification.ts), and takes the s3:TestEvent S3 sends first off the queue; returns its body.
   */
  notifyQueue(bucket: string, queueUrl: string): Promise<string>;
  /** Forgets every resource (moto's reset API). */
  reset(): Promise<void>;
}

/** Why moto cannot run here, or "" when it can (probed once per run by global-setup.js). */
export function motoProblem(): string {
  return process.env.CDC_TEST_GLUE_ENV_UNAVAILABLE ?? glueEnvProblem();
}

/** `describe` for tests that need moto: skipped with the reason when the venv is missing, failing instead under CI. */
export function motoDescribe(title: string, body: () => void): void {
  const problem = motoProblem();
  if (problem && process.env.CI === "true") throw new Error(`${title}: moto is needed under CI: ${problem}`);
  if (problem) console.warn(`skipping "${title}": moto is unavailable: ${problem}`);
  (problem ? describe.skip : describe)(title, body);
}

export async function startTestMoto(): Promise<Moto> {
  return motoOn(await startMoto());
}

/**
 * The {@link Moto} helpers on a running server (one a test started, or the one a local Spark session reads `s3://`
 * from: tests/support/spark.ts). `destroy` closes the clients; the server belongs to whoever started it.
 */
export function motoOn(server: MotoServer): Moto & { destroy(): void } {
  const config = server.clientConfig;
  const s3 = new S3Client(config);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const glue = new GlueClient(config);
  const sts = new STSClient(config);
  const helpers = awsHelpers({ s3, sqs, sns });
  return {
    ...helpers,
    server,
    endpoint: server.endpoint,
    clientConfig: config,
    s3,
    sqs,
    sns,
    glue,
    sts,
    async notifyQueue(bucket, queueUrl) {
      await configureRawNotification(s3, bucket, await helpers.queueArn(queueUrl));
      const first = await helpers.drainQueue(queueUrl);
      if (first.length !== 1 || !first[0].includes('"s3:TestEvent"'))
        throw new Error(
          `expected S3's s3:TestEvent on ${queueUrl} after configuring notifications, got ${JSON.stringify(first)}`,
        );
      return first[0];
    },
    reset: () => server.reset(),
    destroy() {
      for (const c of [s3, sqs, sns, glue, sts]) c.destroy();
    },
  };
}

/** Starts moto before the describe block's tests and stops it after; call the returned function inside tests. */
export function useMoto(): () => Moto {
  let moto: ReturnType<typeof motoOn> | undefined;
  beforeAll(async () => {
    moto = motoOn(await startMoto());
  }, 60_000);
  afterAll(async () => {
    if (!moto) return;
    moto.destroy();
    await moto.server.stop();
  });
  return () => {
    if (!moto) throw new Error("moto is not running: call useMoto() inside a describe block and use it inside tests");
    return moto;
  };
}

/** One request as it went over the wire to moto. */
export interface LoggedRequest {
  /** Signing name from the SigV4 credential scope: `glue`, `sts`, `s3`, … */
  service: string;
  /** `CreateTable` (JSON protocols' X-Amz-Target), `AssumeRole` (query protocols' Action), else `<METHOD> <path>`. */
  operation: string;
  /** The access key the request was signed with: which credentials the caller used. */
  accessKeyId: string;
  /** The request body as text. */
  body: string;
}

export interface RequestLog {
  /** Point code under test here (e.g. AWS_ENDPOINT_URL) instead of at moto. */
  endpoint: string;
  requests: LoggedRequest[];
  /** `service:Operation` of every request since the last clear, in order. */
  operations(service?: string): string[];
  clear(): void;
  stop(): Promise<void>;
}

/**
 * A pass-through proxy in front of moto that logs every request: what code under test really sent (which calls, with
 * which credentials), observed on the wire without touching its clients.
 */
export async function startRequestLog(target: string): Promise<RequestLog> {
  const upstream = new URL(target);
  const requests: LoggedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const text = body.toString("utf8");
      const scope = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? "");
      const target = req.headers["x-amz-target"];
      const action = /(?:^|&)Action=([^&]+)/.exec(text)?.[1];
      requests.push({
        service: scope?.[2] ?? "",
        operation: typeof target === "string" ? target.split(".").pop()! : (action ?? `${req.method} ${req.url}`),
        accessKeyId: scope?.[1] ?? "",
        body: text,
      });
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    operations: (service) => requests.filter((r) => !service || r.service === service).map((r) => `${r.service}:${r.operation}`),
    clear: () => void requests.splice(0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
