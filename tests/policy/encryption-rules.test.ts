import {
  catalogEncrypted,
  glueJobsHaveSecurityConfiguration,
  logGroupsKmsEncrypted,
  queuesKmsEncrypted,
} from "../../policy/encryption-rules";
import { checkPolicies, type HandResource } from "./harness";

const KEY = "arn:aws:kms:eu-west-2:111111111111:key/0b6f1c1e-5d39-4bd5-9b8a-1f2d3c4b5a69";
const messages = async (rules: Parameters<typeof checkPolicies>[0], rs: HandResource[]) =>
  (await checkPolicies(rules, rs)).map((v) => `${v.policy}: ${v.message}`);

describe("cloudwatch-log-group-kms-encrypted", () => {
  const logs = (props: Record<string, unknown>): HandResource => ({
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: "notify-logs",
    props: { name: "/aws/lambda/cdc-dev-notify", retentionInDays: 30, ...props },
  });

  it("passes a log group encrypted with a customer-managed key", async () => {
    expect(await messages([logGroupsKmsEncrypted], [logs({ kmsKeyId: KEY })])).toEqual([]);
  });

  it.each([
    ["without kmsKeyId", {}],
    ["with an empty kmsKeyId", { kmsKeyId: "" }],
  ])("fails on a log group %s", async (_why, props) => {
    expect(await messages([logGroupsKmsEncrypted], [logs(props)])).toEqual([
      "cloudwatch-log-group-kms-encrypted: log group /aws/lambda/cdc-dev-notify is not encrypted with a KMS key: set kmsKeyId to the pipeline key of its account",
    ]);
  });
});

describe("sqs-queue-kms-encrypted", () => {
  const queue = (props: Record<string, unknown>): HandResource => ({
    type: "aws:sqs/queue:Queue",
    name: "validate-queue",
    props: { name: "cdc-dev-sales-validate", ...props },
  });

  it("passes a queue encrypted with the pipeline key (by ARN or by a customer alias)", async () => {
    expect(await messages([queuesKmsEncrypted], [queue({ kmsMasterKeyId: KEY, kmsDataKeyReusePeriodSeconds: 300 })])).toEqual([]);
    expect(await messages([queuesKmsEncrypted], [queue({ kmsMasterKeyId: "alias/cdc-dev-sales" })])).toEqual([]);
  });

  it("fails on SQS-managed encryption, on the AWS-managed key alias/aws/sqs and on no encryption at all", async () => {
    expect(await messages([queuesKmsEncrypted], [queue({ sqsManagedSseEnabled: true })])).toEqual([
      "sqs-queue-kms-encrypted: queue cdc-dev-sales-validate is encrypted with SQS-managed keys: set kmsMasterKeyId to the pipeline key of its account",
    ]);
    const other = [queue({ kmsMasterKeyId: "alias/aws/sqs" }), { ...queue({ name: "cdc-dev-sales-plain" }), name: "plain" }];
    expect(await messages([queuesKmsEncrypted], other)).toEqual([
      "sqs-queue-kms-encrypted: queue cdc-dev-sales-validate is encrypted with no customer-managed key: set kmsMasterKeyId to the pipeline key of its account",
      "sqs-queue-kms-encrypted: queue cdc-dev-sales-plain is encrypted with no customer-managed key: set kmsMasterKeyId to the pipeline key of its account",
    ]);
  });
});

describe("glue-job-security-configuration", () => {
  const encryption = {
    s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: KEY },
    cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: KEY },
    jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: KEY },
  };
  const configuration = (encryptionConfiguration: object = encryption): HandResource => ({
    type: "aws:glue/securityConfiguration:SecurityConfiguration",
    name: "large-files-security",
    props: { name: "cdc-dev-sales-validate-large", encryptionConfiguration },
  });
  const job = (securityConfiguration?: string): HandResource => ({
    type: "aws:glue/job:Job",
    name: "large-files-job",
    props: { name: "cdc-dev-sales-validate-large", securityConfiguration },
  });
  const rule = [glueJobsHaveSecurityConfiguration];

  it("passes a job whose security configuration encrypts S3, CloudWatch and bookmarks with a KMS key", async () => {
    expect(await messages(rule, [configuration(), job("cdc-dev-sales-validate-large")])).toEqual([]);
  });

  it("fails on a job without one, or naming one the stack does not declare", async () => {
    expect(await messages(rule, [configuration(), job()])).toEqual([
      "glue-job-security-configuration: Glue job cdc-dev-sales-validate-large has no security configuration: set securityConfiguration to one with S3 SSE-KMS, CloudWatch SSE-KMS and job bookmarks CSE-KMS",
    ]);
    expect(await messages(rule, [job("made-in-the-console")])).toEqual([
      "glue-job-security-configuration: Glue job cdc-dev-sales-validate-large uses security configuration made-in-the-console, which the stack does not declare: declare it with KMS encryption for S3, CloudWatch and job bookmarks",
    ]);
  });

  it("fails on a security configuration that leaves logs and bookmarks unencrypted and writes S3 with SSE-S3", async () => {
    const weak = configuration({
      s3Encryption: { s3EncryptionMode: "SSE-S3" },
      cloudwatchEncryption: { cloudwatchEncryptionMode: "DISABLED" },
      jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS" },
    });
    expect(await messages(rule, [weak, job("cdc-dev-sales-validate-large")])).toEqual([
      "glue-job-security-configuration: Glue job cdc-dev-sales-validate-large uses security configuration cdc-dev-sales-validate-large, which does not encrypt everything with a KMS key: set s3Encryption SSE-KMS, cloudwatchEncryption SSE-KMS, jobBookmarksEncryption CSE-KMS with kmsKeyArn",
    ]);
  });
});

describe("glue-catalog-encrypted", () => {
  /** A provider acting in one account, as src/accounts.ts makes them (nested settings JSON-encoded by the engine). */
  const provider = (account: string): HandResource => ({
    type: "pulumi:providers:aws",
    name: `lake-${account}`,
    props: { region: "eu-west-2", allowedAccountIds: JSON.stringify([account]) },
  });
  const database = (account: string, name = `cdc_dev_sales_reporting`): HandResource => ({
    type: "aws:glue/catalogDatabase:CatalogDatabase",
    name: `db-${name}`,
    props: { name },
    provider: `lake-${account}`,
  });
  const settings = (account: string, encryptionAtRest: object = { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: KEY }) => ({
    type: "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings",
    name: `catalog-${account}`,
    props: {
      catalogId: account,
      dataCatalogEncryptionSettings: {
        encryptionAtRest,
        connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: KEY },
      },
    },
  });
  const rule = [catalogEncrypted];

  it("passes databases of an account whose catalog is encrypted with a KMS key, and a stack without a catalog", async () => {
    expect(await messages(rule, [provider("222222222222"), database("222222222222"), settings("222222222222")])).toEqual([]);
    expect(await messages(rule, [provider("222222222222")])).toEqual([]);
  });

  it("fails on a database whose account has no settings, even when another account's catalog is encrypted", async () => {
    const rs = [
      provider("222222222222"),
      provider("555555555555"),
      database("222222222222"),
      database("555555555555", "cdc_prod_sales_reporting"),
      settings("222222222222"),
    ];
    expect(await messages(rule, rs)).toEqual([
      "glue-catalog-encrypted: Glue database cdc_prod_sales_reporting is in the Glue Data Catalog of account 555555555555, which has no encryption at rest: declare one DataCatalogEncryptionSettings for the account with catalogEncryptionMode SSE-KMS and sseAwsKmsKeyId",
    ]);
  });

  it("fails on settings that leave encryption at rest disabled", async () => {
    const rs = [
      provider("222222222222"),
      database("222222222222"),
      settings("222222222222", { catalogEncryptionMode: "DISABLED" }),
    ];
    expect(await messages(rule, rs)).toEqual([
      "glue-catalog-encrypted: Glue database cdc_dev_sales_reporting is in the Glue Data Catalog of account 222222222222, which declares settings without encryption at rest: declare one DataCatalogEncryptionSettings for the account with catalogEncryptionMode SSE-KMS and sseAwsKmsKeyId",
    ]);
  });
});
