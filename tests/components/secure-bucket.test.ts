import { SecureBucket } from "../../components/secure-bucket";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, one, providerOf } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { KEY_ARN, statements, testProvider } from "./helpers";

const NAME = "cdc-dev-sales-raw-111111111111";
const writer = "arn:aws:iam::222222222222:role/cdc-prod-sales-validate";

async function declare(args: Partial<ConstructorParameters<typeof SecureBucket>[1]> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const b = new SecureBucket(
      "raw",
      { bucketName: NAME, kmsKeyArn: KEY_ARN, versioning: true, ...args },
      { provider: testProvider() },
    );
    return { bucketName: b.bucketName, arn: b.arn };
  });
  return { resources: mocks.resources, outputs };
}

describe("SecureBucket", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("names the bucket exactly and exposes its name and ARN", () => {
    expect(one(resources, "aws:s3/bucket:Bucket", "raw-bucket").inputs).toEqual({ bucket: NAME, forceDestroy: false });
    expect(outputs).toEqual({ bucketName: NAME, arn: `arn:aws:s3:::${NAME}` });
  });

  it("encrypts every object with the given KMS key, with a bucket key", () => {
    expect(
      one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "raw-encryption")
        .inputs,
    ).toEqual({
      bucket: NAME,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }, bucketKeyEnabled: true },
      ],
    });
  });

  it("blocks all public access and disables ACLs", () => {
    expect(one(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "raw-public-access").inputs).toEqual({
      bucket: NAME,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one(resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "raw-ownership").inputs).toEqual({
      bucket: NAME,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
  });

  it("denies every request not made over TLS, on the bucket and its objects", () => {
    expect(statements(one(resources, "aws:s3/bucketPolicy:BucketPolicy", "raw-policy"))).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${NAME}`, `arn:aws:s3:::${NAME}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("versions objects by default and always aborts incomplete uploads", () => {
    expect(one(resources, "aws:s3/bucketVersioning:BucketVersioning", "raw-versioning").inputs.versioningConfiguration).toEqual({
      status: "Enabled",
    });
    expect(
      one(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "raw-lifecycle").inputs.rules,
    ).toEqual([
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
  });

  it("declares every side resource under the component, through the given provider", () => {
    const component = one(resources, "cdc:storage:SecureBucket", "raw");
    const children = childrenOf(resources, component);
    expect(children.map((c) => c.name).sort()).toEqual(
      ["bucket", "encryption", "lifecycle", "ownership", "policy", "public-access", "versioning"].map((r) => `raw-${r}`),
    );
    for (const c of children) expect(providerOf(resources, c)?.name).toBe("ingestion");
  });
});

describe("SecureBucket options", () => {
  it("leaves a DMS target unversioned and applies its lifecycle rules", async () => {
    const { resources } = await declare({
      versioning: false,
      lifecycleRules: [
        { id: "expire-validated", prefix: "dbo/", expirationDays: 30, transitions: [{ days: 7, storageClass: "STANDARD_IA" }] },
      ],
    });
    expect(one(resources, "aws:s3/bucketVersioning:BucketVersioning", "raw-versioning").inputs.versioningConfiguration).toEqual({
      status: "Disabled",
    });
    expect(
      one(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "raw-lifecycle").inputs.rules,
    ).toEqual([
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
      {
        id: "expire-validated",
        status: "Enabled",
        filter: { prefix: "dbo/" },
        expiration: { days: 30 },
        transitions: [{ days: 7, storageClass: "STANDARD_IA" }],
      },
    ]);
  });

  it("appends the given statements after the TLS deny", async () => {
    const grant = {
      Sid: "ValidateWrites",
      Effect: "Allow" as const,
      Principal: { AWS: writer },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${NAME}/*`,
    };
    const { resources } = await declare({ policyStatements: [grant] });
    const policy = statements(one(resources, "aws:s3/bucketPolicy:BucketPolicy", "raw-policy"));
    expect(policy.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "ValidateWrites"]);
    expect(policy[1]).toEqual(grant);
  });

  it.each([
    [
      { bucketName: "Sales_Raw" },
      'SecureBucket raw: bucketName must be 3–63 lower-case letters, digits, dots or hyphens, got "Sales_Raw"',
    ],
    [
      { versioning: false, lifecycleRules: [{ id: "old", noncurrentVersionExpirationDays: 3 }] },
      "SecureBucket raw: lifecycle rule old: noncurrentVersionExpirationDays needs versioning, which is off for this bucket",
    ],
    [
      { lifecycleRules: [{ id: "noop" }] },
      "SecureBucket raw: lifecycle rule noop does nothing: set expirationDays, noncurrentVersionExpirationDays or transitions",
    ],
  ])("refuses bad arguments with one clear line (%j)", async (args, message) => {
    await expect(declare(args)).rejects.toThrow(message);
  });
});
