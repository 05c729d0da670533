import * as pulumi from "@pulumi/pulumi";
import { ValidatedLanding, metadataFiles, type ValidatedLandingArgs } from "../../components/validated-landing";
import { buildBundle } from "../../components/bundle";
import { validateEnvFrom } from "../../handlers/validate";
import { roleUniqueId, type RecordedResource } from "../support/pulumi-mocks";
import { descendantsOf, one, providerOf } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, KEY_ARN, statement, statements, testMetadata, testProvider } from "./helpers";

const LAKE = "222222222222";
const LAKE_KEY = `arn:aws:kms:eu-west-2:${LAKE}:key/lake`;
const RAW = `cdc-prod-sales-raw-${ACCOUNT}`;
const HARMONIZED = `cdc-prod-sales-harmonized-${LAKE}`;
const QUARANTINE = `cdc-prod-sales-quarantine-${ACCOUNT}`;
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-prod-sales-alerts`;
const VALIDATED = `arn:aws:sqs:eu-west-2:${LAKE}:cdc-prod-sales-validated`;
const QUEUE = `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-prod-sales-validate`;
const FIXTURE_HANDLER = "tests/components/fixtures/hello-handler.ts";

function args(overrides: Partial<ValidatedLandingArgs> = {}): ValidatedLandingArgs {
  return {
    environment: "prod",
    sourceName: "sales",
    accountId: ACCOUNT,
    region: "eu-west-2",
    metadata: testMetadata(),
    harmonized: { bucketName: HARMONIZED, arn: `arn:aws:s3:::${HARMONIZED}`, kmsKeyArn: LAKE_KEY },
    validatedQueue: { url: `https://sqs.eu-west-2.amazonaws.com/${LAKE}/cdc-prod-sales-validated`, arn: VALIDATED },
    kmsKeyArn: KEY_ARN,
    alertTopicArn: TOPIC,
    largeFileBytes: 268435456,
    handlerEntry: FIXTURE_HANDLER,
    largeFileScript: "tests/components/fixtures/large_file.py",
    ...overrides,
  };
}

async function declare(overrides: Partial<ValidatedLandingArgs> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const landing = new ValidatedLanding("landing", args(overrides), { provider: testProvider() });
    return { validateRoleArn: landing.validateRoleArn, harmonizedWriterRoleArns: landing.harmonizedWriterRoleArns };
  });
  return { resources: mocks.resources, outputs };
}

describe("ValidatedLanding", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("notifies the validation queue of every new raw Parquet file; only S3 for raw, the reconciler and the job may send", () => {
    expect(one(resources, "aws:s3/bucketNotification:BucketNotification", "landing-raw-events").inputs).toEqual({
      bucket: RAW,
      queues: [{ queueArn: QUEUE, events: ["s3:ObjectCreated:*"], filterSuffix: ".parquet" }],
    });
    const senders = [
      `arn:aws:iam::${ACCOUNT}:role/cdc-prod-sales-reconcile`,
      `arn:aws:iam::${ACCOUNT}:role/cdc-prod-sales-validate-large`,
    ];
    expect(statements(one(resources, "aws:sqs/queuePolicy:QueuePolicy", "landing-queue-policy"))).toEqual([
      {
        Sid: "RawBucketNotifies",
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: QUEUE,
        Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:s3:::${RAW}` }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
      {
        Sid: "OnlyRawEventsReconcilerAndLargeFileJob",
        Effect: "Deny",
        Principal: "*",
        Action: "sqs:SendMessage",
        Resource: QUEUE,
        Condition: { ArnNotEquals: { "aws:PrincipalArn": senders, "aws:SourceArn": `arn:aws:s3:::${RAW}` } },
      },
    ]);
    // The names in the deny are the roles the reconciler and the job really run as (the reconciler's is built from its
    // name, so a rename there must show up here).
    expect(one(resources, "aws:lambda/function:Function", "landing-reconcile-function-function").inputs.role).toBe(senders[0]);
    expect(one(resources, "aws:glue/job:Job", "landing-large-files-job").inputs.roleArn).toBe(senders[1]);
    // The raw bucket's notifications are configured only once the policy admits S3.
    const notification = one(resources, "aws:s3/bucketNotification:BucketNotification", "landing-raw-events");
    expect(notification.dependencies).toContain(one(resources, "aws:sqs/queuePolicy:QueuePolicy", "landing-queue-policy").urn);
  });

  it("tells the validate Lambda the job role's unique id, the SenderId its verdicts must carry", () => {
    const fn = one(resources, "aws:lambda/function:Function", "landing-validate-function");
    const vars = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    expect(vars.LARGE_FILE_JOB_ROLE_ID).toBe(roleUniqueId("cdc-prod-sales-validate-large"));
    expect(vars.LARGE_FILE_JOB_ROLE_ID).toMatch(/^AROA[A-Z0-9]{17}$/);
    // The handler's own schema accepts what the deployment sets.
    expect(validateEnvFrom(vars).largeFileJob).toEqual({
      jobName: "cdc-prod-sales-validate-large",
      roleUniqueId: vars.LARGE_FILE_JOB_ROLE_ID,
    });
  });

  it("runs the validate Lambda from the queue with partial batch failures, batch size and a concurrency cap", () => {
    expect(one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "landing-trigger").inputs).toEqual({
      eventSourceArn: QUEUE,
      functionName: `arn:aws:lambda:eu-west-2:${ACCOUNT}:function:cdc-prod-sales-validate`,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 5,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: 5 },
    });
    // Six times the function timeout, so a message is not redelivered while it is still being validated.
    expect(one(resources, "aws:sqs/queue:Queue", "landing-queue-queue").inputs.visibilityTimeoutSeconds).toBe(720);
  });

  it("gives the validate role exactly: read and delete raw, write quarantine and harmonized, publish alerts, start its job", () => {
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "landing-validate-policy"))).toEqual([
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:eu-west-2:${ACCOUNT}:log-group:/aws/lambda/cdc-prod-sales-validate:*`,
      },
      {
        Sid: "ConsumeValidationQueue",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        Resource: QUEUE,
      },
      {
        Sid: "ReadAndDeleteRaw",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:DeleteObject"],
        Resource: `arn:aws:s3:::${RAW}/*`,
      },
      {
        Sid: "WriteAndVerifyQuarantine",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: `arn:aws:s3:::${QUARANTINE}/*`,
      },
      {
        Sid: "WriteAndVerifyHarmonized",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: `arn:aws:s3:::${HARMONIZED}/*`,
      },
      {
        Sid: "ListLandingBuckets",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: [`arn:aws:s3:::${RAW}`, `arn:aws:s3:::${QUARANTINE}`, `arn:aws:s3:::${HARMONIZED}`],
      },
      { Sid: "SendValidatedFiles", Effect: "Allow", Action: "sqs:SendMessage", Resource: VALIDATED },
      { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
      { Sid: "UseIngestionKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
      { Sid: "UseLakeKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: LAKE_KEY },
      {
        Sid: "StartLargeFileJob",
        Effect: "Allow",
        Action: "glue:StartJobRun",
        Resource: `arn:aws:glue:eu-west-2:${ACCOUNT}:job/cdc-prod-sales-validate-large`,
      },
    ]);
    expect(outputs.validateRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/cdc-prod-sales-validate`);
  });

  it("encrypts the validation queues and the functions' log groups with the ingestion key", () => {
    for (const q of ["landing-queue-queue", "landing-queue-dlq"]) {
      expect(one(resources, "aws:sqs/queue:Queue", q).inputs).toMatchObject({ kmsMasterKeyId: KEY_ARN });
    }
    for (const logs of ["landing-validate-logs", "landing-reconcile-function-logs"]) {
      expect(one(resources, "aws:cloudwatch/logGroup:LogGroup", logs).inputs.kmsKeyId).toBe(KEY_ARN);
    }
  });

  it("names only the validate role as a harmonized writer: the large-file job reads raw and answers the Lambda", () => {
    expect(outputs.harmonizedWriterRoleArns).toEqual([`arn:aws:iam::${ACCOUNT}:role/cdc-prod-sales-validate`]);
    const policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "landing-large-files-policy");
    expect(
      statements(policy).filter((s) => !["ReadScript", "WriteJobLogs", "PublishJobMetrics"].includes(s.Sid as string)),
    ).toEqual([
      { Sid: "ReadRaw", Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${RAW}/*` },
      { Sid: "ListRaw", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${RAW}` },
      { Sid: "AnswerOnValidationQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE },
      // Reading raw, and sending on the validation queue encrypted with the same key.
      { Sid: "UseIngestionKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY_ARN },
    ]);
    // A failed run leaves its file in raw: somebody must hear of it.
    const rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "landing-large-files-failed");
    expect(rule.inputs.name).toBe("cdc-prod-sales-validate-large-failed");
    expect(JSON.parse(rule.inputs.eventPattern as string)).toEqual({
      source: ["aws.glue"],
      "detail-type": ["Glue Job State Change"],
      detail: { jobName: ["cdc-prod-sales-validate-large"], state: ["FAILED", "TIMEOUT", "STOPPED"] },
    });
    expect(one(resources, "aws:cloudwatch/eventTarget:EventTarget", "landing-large-files-failed-alert").inputs.arn).toBe(TOPIC);
    // Its answers arrive where the Lambda listens: the validation queue, passed to every run.
    const job = one(resources, "aws:glue/job:Job", "landing-large-files-job");
    expect((job.inputs.defaultArguments as Record<string, string>)["--result_queue_url"]).toBe(
      `https://sqs.eu-west-2.amazonaws.com/${ACCOUNT}/cdc-prod-sales-validate`,
    );
  });

  it("configures the handler by environment and publishes the metadata next to it", async () => {
    const fn = one(resources, "aws:lambda/function:Function", "landing-validate-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toMatchObject({
      HARMONIZED_BUCKET: HARMONIZED,
      QUARANTINE_BUCKET: QUARANTINE,
      ALERT_TOPIC_ARN: TOPIC,
      FANOUT_QUEUE_URL: `https://sqs.eu-west-2.amazonaws.com/${LAKE}/cdc-prod-sales-validated`,
      LARGE_FILE_BYTES: "268435456",
      // DMS's default limited LOB mode, as DmsSource renders it by default.
      LOB_MAX_SIZE_KB: "32",
      LARGE_FILE_JOB_NAME: "cdc-prod-sales-validate-large",
      POWERTOOLS_SERVICE_NAME: "cdc-prod-sales-validate",
    });
    const bundle = buildBundle(FIXTURE_HANDLER, { extraFiles: metadataFiles(testMetadata()) });
    expect(fn.inputs.sourceCodeHash).toBe(bundle.sourceCodeHash);
    // Every table of the source (the function validates them all), in one compact file (metadata/deployed.ts).
    expect(Object.keys(bundle.files).sort()).toEqual(["index.js", "metadata.json"]);
    expect(JSON.parse(bundle.files["metadata.json"])).toEqual({
      source: testMetadata().source,
      tables: [...testMetadata().tables].reverse(),
    });
    await expect((fn.inputs.code as pulumi.asset.FileArchive).path).resolves.toBe(bundle.zipPath);
  });

  it.each([
    [{ mode: "limited" as const, maxSizeKb: 2048 }, "2048"],
    [{ mode: "full" as const, maxSizeKb: 2048 }, "0"],
  ])("tells validation the LOB limit DMS cuts values at: %j → %s", async (lob, expected) => {
    const { resources } = await declare({ lob });
    const fn = one(resources, "aws:lambda/function:Function", "landing-validate-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables.LOB_MAX_SIZE_KB).toBe(expected);
  });

  it("keeps the raw bucket (DMS's target) unversioned, expiring what validation never removed", () => {
    expect(one(resources, "aws:s3/bucket:Bucket", "landing-raw-bucket").inputs.bucket).toBe(RAW);
    expect(
      one(resources, "aws:s3/bucketVersioning:BucketVersioning", "landing-raw-versioning").inputs.versioningConfiguration,
    ).toEqual({
      status: "Disabled",
    });
    expect(
      one(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "landing-raw-lifecycle").inputs.rules,
    ).toContainEqual({
      id: "expire-unprocessed",
      status: "Enabled",
      filter: {},
      expiration: { days: 30 },
    });
  });

  it("keeps quarantined files versioned and encrypted, in the ingestion account", () => {
    expect(one(resources, "aws:s3/bucket:Bucket", "landing-quarantine-bucket").inputs.bucket).toBe(QUARANTINE);
    expect(
      one(resources, "aws:s3/bucketVersioning:BucketVersioning", "landing-quarantine-versioning").inputs.versioningConfiguration,
    ).toEqual({
      status: "Enabled",
    });
    expect(
      (
        one(
          resources,
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "landing-quarantine-encryption",
        ).inputs.rules as Array<Record<string, unknown>>
      )[0].applyServerSideEncryptionByDefault,
    ).toEqual({ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN });
  });

  it("uploads the large-file script as an asset and runs it as a Glue job with a least-privilege role", async () => {
    const script = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "landing-large-files-script");
    expect(script.inputs).toMatchObject({ bucket: `cdc-prod-sales-artifacts-${ACCOUNT}`, key: "glue/large_file.py" });
    await expect((script.inputs.source as pulumi.asset.FileAsset).path).resolves.toMatch(
      /tests\/components\/fixtures\/large_file\.py$/,
    );
    expect(one(resources, "aws:glue/job:Job", "landing-large-files-job").inputs).toMatchObject({
      name: "cdc-prod-sales-validate-large",
      // It only reads and answers: retrying a transient failure is safe.
      maxRetries: 2,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/cdc-prod-sales-validate-large`,
      command: {
        name: "glueetl",
        pythonVersion: "3",
        scriptLocation: `s3://cdc-prod-sales-artifacts-${ACCOUNT}/glue/large_file.py`,
      },
    });
    const policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "landing-large-files-policy");
    expect(statement(policy, "ReadScript")).toEqual({
      Sid: "ReadScript",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::cdc-prod-sales-artifacts-${ACCOUNT}/glue/large_file.py`,
    });
    const sids = statements(policy).map((s) => s.Sid);
    expect(sids).not.toContain("ConsumeValidationQueue");
    expect(sids).not.toContain("StartLargeFileJob");
  });

  it("declares every resource under the component through the ingestion provider, named after it", () => {
    const all = descendantsOf(resources, one(resources, "cdc:ingestion:ValidatedLanding", "landing"));
    for (const r of all) expect(r.name.startsWith("landing-")).toBe(true);
    for (const r of all.filter((c) => c.custom)) expect(providerOf(resources, r)?.name).toBe("ingestion");
  });
});

describe("ValidatedLanding without a large-file script", () => {
  it("declares no job and grants no glue:StartJobRun", async () => {
    const { resources, outputs } = await declare({ largeFileScript: "tests/components/fixtures/absent.py" });
    expect(resources.some((r) => r.type === "aws:glue/job:Job")).toBe(false);
    const sids = statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "landing-validate-policy")).map((s) => s.Sid);
    expect(sids).not.toContain("StartLargeFileJob");
    const vars = (
      one(resources, "aws:lambda/function:Function", "landing-validate-function").inputs.environment as {
        variables: Record<string, string>;
      }
    ).variables;
    expect(vars.LARGE_FILE_JOB_NAME).toBeUndefined();
    expect(vars.LARGE_FILE_JOB_ROLE_ID).toBeUndefined();
    // Without a job only S3 and the reconciler may send.
    const deny = statement(
      one(resources, "aws:sqs/queuePolicy:QueuePolicy", "landing-queue-policy"),
      "OnlyRawEventsReconcilerAndLargeFileJob",
    );
    expect((deny.Condition as { ArnNotEquals: Record<string, unknown> }).ArnNotEquals["aws:PrincipalArn"]).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/cdc-prod-sales-reconcile`,
    ]);
    expect(outputs.harmonizedWriterRoleArns).toEqual([`arn:aws:iam::${ACCOUNT}:role/cdc-prod-sales-validate`]);
  });

  it.each([
    [
      "a concurrency cap below 2",
      { maxConcurrency: 1 },
      "ValidatedLanding landing: maxConcurrency must be 2–1000 (SQS event sources need at least 2)",
    ],
    [
      "another source's metadata",
      { metadata: testMetadata("crm") },
      "ValidatedLanding landing: metadata is for source crm, expected sales",
    ],
  ])("refuses %s", async (_what, overrides, message) => {
    await expect(declare(overrides)).rejects.toThrow(message);
  });
});
