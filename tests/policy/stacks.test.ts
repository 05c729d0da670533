import { policies } from "../../policy/pack";
import type { RecordedResource } from "../support/pulumi-mocks";
import { ofType } from "../support/resources";
import { runStack, STACKS } from "../support/stack";
import { checkPolicies } from "./harness";

const runs = new Map<string, RecordedResource[]>();
async function resourcesOf(stack: (typeof STACKS)[number]): Promise<RecordedResource[]> {
  if (!runs.has(stack)) runs.set(stack, (await runStack(stack)).mocks.resources);
  return runs.get(stack) as RecordedResource[];
}

describe.each(STACKS)("the policy pack on the %s stack", (stack) => {
  it("finds nothing to report", async () => {
    await expect(checkPolicies(policies, await resourcesOf(stack))).resolves.toEqual([]);
  });

  it("had buckets, queues, functions and IAM policies to check", async () => {
    const resources = await resourcesOf(stack);
    // Per source: raw, quarantine, harmonized; validate + DLQ and validated + DLQ; the validate Lambda.
    expect(ofType(resources, "aws:s3/bucket:Bucket").length).toBeGreaterThanOrEqual(6);
    expect(ofType(resources, "aws:sqs/queue:Queue").length).toBeGreaterThanOrEqual(8);
    expect(ofType(resources, "aws:lambda/function:Function").length).toBeGreaterThanOrEqual(2);
    expect(ofType(resources, "aws:iam/rolePolicy:RolePolicy").length).toBeGreaterThanOrEqual(6);
  });
});

describe("the policy pack on a deliberately broken dev stack", () => {
  let dev: RecordedResource[];
  beforeAll(async () => {
    dev = await resourcesOf("dev");
  });

  /** The dev stack with one resource changed (or removed when `change` returns undefined). */
  const broken = (type: string, name: string, change: (r: RecordedResource) => RecordedResource | undefined) => {
    let hit = 0;
    const out = dev.flatMap((r) => {
      if (r.type !== type || r.name !== name) return [r];
      hit++;
      const c = change(structuredClone(r));
      return c ? [c] : [];
    });
    expect(hit).toBe(1);
    return out;
  };
  const violations = async (rs: RecordedResource[]) =>
    (await checkPolicies(policies, rs)).map((v) => `${v.policy}: ${v.message}`);
  const raw = "cdc-dev-sales-raw-111111111111";
  const editPolicy = (r: RecordedResource, edit: (statements: Array<Record<string, unknown>>) => void) => {
    const doc = JSON.parse(r.inputs.policy as string);
    edit(doc.Statement);
    r.inputs.policy = JSON.stringify(doc);
    return r;
  };

  it("s3-bucket-kms-encrypted: the raw bucket without its encryption configuration", async () => {
    const rs = broken(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "dev-sales-landing-raw-encryption",
      () => undefined,
    );
    expect(await violations(rs)).toEqual([
      `s3-bucket-kms-encrypted: bucket ${raw} is not encrypted with a KMS key: add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and kmsMasterKeyId`,
    ]);
  });

  it("s3-bucket-public-access-blocked: public policies allowed on the raw bucket", async () => {
    const rs = broken("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "dev-sales-landing-raw-public-access", (r) => ({
      ...r,
      inputs: { ...r.inputs, blockPublicPolicy: false },
    }));
    expect(await violations(rs)).toEqual([
      `s3-bucket-public-access-blocked: bucket ${raw} does not block public access: set blockPublicPolicy to true`,
    ]);
  });

  it("s3-bucket-tls-only: the TLS deny dropped from the raw bucket policy", async () => {
    const rs = broken("aws:s3/bucketPolicy:BucketPolicy", "dev-sales-landing-raw-policy", (r) =>
      editPolicy(r, (s) => s.splice(0, 1)),
    );
    expect(await violations(rs)).toEqual([
      `s3-bucket-tls-only: bucket ${raw} accepts plain HTTP: its bucket policy needs a Deny of s3:* on the bucket and its objects when aws:SecureTransport is false`,
    ]);
  });

  it("iam-no-wildcard-actions and iam-resource-wildcard-only-where-required: a validate role allowed s3:* on *", async () => {
    const rs = broken("aws:iam/rolePolicy:RolePolicy", "dev-sales-landing-validate-policy", (r) =>
      editPolicy(r, (s) => s.push({ Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: "*" })),
    );
    expect(await violations(rs)).toEqual([
      'iam-no-wildcard-actions: policy statement "Everything" allows s3:*: list the actions it needs',
      'iam-resource-wildcard-only-where-required: policy statement "Everything" allows s3:* on "*": name the resources (ARNs) instead',
    ]);
  });

  it("sqs-queue-has-dlq: the validation queue without its redrive policy", async () => {
    const rs = broken("aws:sqs/queue:Queue", "dev-sales-landing-queue-queue", (r) => ({
      ...r,
      inputs: { ...r.inputs, redrivePolicy: undefined },
    }));
    expect(await violations(rs)).toEqual([
      "sqs-queue-has-dlq: queue cdc-dev-sales-validate-dlq has no dead-letter queue: set a redrivePolicy with deadLetterTargetArn and maxReceiveCount",
      "sqs-queue-has-dlq: queue cdc-dev-sales-validate has no dead-letter queue: set a redrivePolicy with deadLetterTargetArn and maxReceiveCount",
    ]);
  });

  it("lambda-logs-and-failure-destination: the validate function's log group without retention", async () => {
    const rs = broken("aws:cloudwatch/logGroup:LogGroup", "dev-sales-landing-validate-logs", (r) => ({
      ...r,
      inputs: { ...r.inputs, retentionInDays: undefined },
    }));
    expect(await violations(rs)).toEqual([
      "lambda-logs-and-failure-destination: function cdc-dev-sales-validate logs to /aws/lambda/cdc-dev-sales-validate, which keeps logs forever: set retentionInDays",
    ]);
  });

  it("no-plaintext-secrets: a password on the DMS source endpoint", async () => {
    const rs = broken("aws:dms/endpoint:Endpoint", "dev-sales-dms-source", (r) => ({
      ...r,
      inputs: { ...r.inputs, password: "Sales2024!" },
    }));
    expect(await violations(rs)).toEqual([
      "no-plaintext-secrets: aws:dms/endpoint:Endpoint dev-sales-dms-source: password holds a literal credential; store it in Secrets Manager and pass the secret's ARN",
    ]);
  });
});

describe("the policy pack's encryption, network and availability rules on deliberately broken stacks", () => {
  /** What a change adds to the stack's violations: the rule under test fires, on exactly the resource broken. */
  const added = async (stack: (typeof STACKS)[number], change: (rs: RecordedResource[]) => RecordedResource[]) => {
    const before = (await checkPolicies(policies, await resourcesOf(stack))).map((v) => `${v.policy}: ${v.message}`);
    const after = (await checkPolicies(policies, change([...(await resourcesOf(stack))]))).map(
      (v) => `${v.policy}: ${v.message}`,
    );
    return after.filter((v) => !before.includes(v));
  };
  /** Changes the inputs of a copy of the one resource of this type and name. */
  const edit = (type: string, name: string, change: (inputs: Record<string, unknown>) => void) => (rs: RecordedResource[]) => {
    const at = rs.findIndex((r) => r.type === type && r.name === name);
    expect(rs.filter((r) => r.type === type && r.name === name)).toHaveLength(1);
    const copy = structuredClone(rs[at]);
    change(copy.inputs);
    return rs.map((r, i) => (i === at ? copy : r));
  };

  it("cloudwatch-log-group-kms-encrypted: the validate function's log group without its key", async () => {
    const change = edit("aws:cloudwatch/logGroup:LogGroup", "dev-sales-landing-validate-logs", (i) => delete i.kmsKeyId);
    expect(await added("dev", change)).toEqual([
      "cloudwatch-log-group-kms-encrypted: log group /aws/lambda/cdc-dev-sales-validate is not encrypted with a KMS key: set kmsKeyId to the pipeline key of its account",
    ]);
  });

  it("sqs-queue-kms-encrypted: the validation queue back on SQS-managed keys", async () => {
    const change = edit("aws:sqs/queue:Queue", "dev-sales-landing-queue-queue", (i) => {
      delete i.kmsMasterKeyId;
      i.sqsManagedSseEnabled = true;
    });
    expect(await added("dev", change)).toEqual([
      "sqs-queue-kms-encrypted: queue cdc-dev-sales-validate is encrypted with SQS-managed keys: set kmsMasterKeyId to the pipeline key of its account",
    ]);
  });

  it("glue-job-security-configuration: the large-file job without its security configuration", async () => {
    const change = edit("aws:glue/job:Job", "dev-sales-landing-large-files-job", (i) => delete i.securityConfiguration);
    expect(await added("dev", change)).toEqual([
      "glue-job-security-configuration: Glue job cdc-dev-sales-validate-large has no security configuration: set securityConfiguration to one with S3 SSE-KMS, CloudWatch SSE-KMS and job bookmarks CSE-KMS",
    ]);
  });

  it("glue-catalog-encrypted: the lake account's catalog encryption settings removed", async () => {
    const settings = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings";
    expect((await resourcesOf("prod")).filter((r) => r.type === settings)).toHaveLength(1);
    const violations = await added("prod", (rs) => rs.filter((r) => r.type !== settings));
    expect(violations).toEqual(
      ["cdc_prod_sales_reporting", "cdc_prod_sales_finance", "cdc_prod_crm_reporting"].map(
        (db) =>
          `glue-catalog-encrypted: Glue database ${db} is in the Glue Data Catalog of account 555555555555, which has no encryption at rest: declare one DataCatalogEncryptionSettings for the account with catalogEncryptionMode SSE-KMS and sseAwsKmsKeyId`,
      ),
    );
  });

  it("no-egress-to-anywhere: the DMS security group opened to 0.0.0.0/0 on HTTPS", async () => {
    const change = edit("aws:ec2/securityGroup:SecurityGroup", "dev-sales-dms-sg", (i) =>
      (i.egress as object[]).push({
        description: "anywhere",
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: ["0.0.0.0/0"],
      }),
    );
    expect(await added("dev", change)).toEqual([
      `no-egress-to-anywhere: security group dev-sales-dms-sg allows egress ("anywhere") on port 443 to 0.0.0.0/0: limit it to the VPC's ranges, a prefix list or a security group`,
    ]);
  });

  it("dms-multi-az-in-production: prod's crm replication instance single-AZ (dev's stays allowed)", async () => {
    const change = edit("aws:dms/replicationInstance:ReplicationInstance", "prod-crm-dms-instance", (i) => (i.multiAz = false));
    expect(await added("prod", change)).toEqual([
      "dms-multi-az-in-production: replication instance cdc-prod-crm of environment prod is single-AZ: set multiAz to true",
    ]);
    const devSingle = edit("aws:dms/replicationInstance:ReplicationInstance", "dev-crm-dms-instance", (i) => (i.multiAz = false));
    expect(await added("dev", devSingle)).toEqual([]);
  });
});
