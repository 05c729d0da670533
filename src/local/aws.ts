/**
 * AWS for local mode: moto in server mode (S3 with event notifications into SQS, SQS, SNS) on a free loopback port,
 * from the pinned venv (`bash .ci/python-env`), and SDK v3 clients pointed at it. Local mode takes everything it says
 * to AWS from here: the clients, and the endpoint and client settings for anything else that must reach the same
 * buckets (another engine's S3 reader).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto, type MotoServer } from "./glue-env/moto";

export interface LocalAws {
  endpoint: string;
  /** Settings for any other SDK v3 client (path-style S3). */
  clientConfig: MotoServer["clientConfig"];
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  stop(): Promise<void>;
}

/** Clients for a moto server already running at `endpoint`. */
export function clientsFor(endpoint: string): Omit<LocalAws, "stop"> {
  const clientConfig = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true as const };
  return {
    endpoint,
    clientConfig,
    s3: new S3Client(clientConfig),
    sqs: new SQSClient(clientConfig),
    sns: new SNSClient(clientConfig),
  };
}

/**
 * Starts moto (127.0.0.1, free port) and returns clients for it; `stop()` ends both. Without the venv this throws a
 * UserError saying how to create it.
 */
export async function startLocalAws(): Promise<LocalAws> {
  const moto = await startMoto();
  const clients = clientsFor(moto.endpoint);
  return {
    ...clients,
    async stop() {
      for (const c of [clients.s3, clients.sqs, clients.sns]) c.destroy();
      await moto.stop();
    },
  };
}
