import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT } from "../../components/bundle";
import { AthenaPublication, type AthenaPublicationArgs } from "../../components/athena-publication";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, descendantsOf, one, ofType, providerOf } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, testProvider } from "./helpers";

const PUBLICATION = `cdc-dev-sales-publication-${ACCOUNT}`;
const LAKE = `cdc-dev-sales-lake-${ACCOUNT}`;
const LAKE_KEY = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/lake`;
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function args(overrides: Partial<AthenaPublicationArgs> = {}): AthenaPublicationArgs {
  return {
    publicationBucketName: PUBLICATION,
    lakeBucketName: LAKE,
    databases: { reporting: "cdc_dev_sales_reporting", finance: "cdc_dev_sales_finance" },
    workgroupName: "cdc-dev-sales",
    kmsKeyArn: LAKE_KEY,
    ...overrides,
  };
}

async function declare(overrides: Partial<AthenaPublicationArgs> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const p = new AthenaPublication("sales", args(overrides), { provider: testProvider("lake") });
    return {
      publicationBucketName: p.publicationBucketName,
      publicationBucketArn: p.publicationBucketArn,
      lakeBucketName: p.lakeBucketName,
      lakeBucketArn: p.lakeBucketArn,
      applyScriptUri: p.applyScriptUri,
      applyScriptKey: p.applyScriptKey,
      workgroupName: p.workgroupName,
    };
  });
  return { resources: mocks.resources, outputs };
}

const lifecycleRules = (resources: RecordedResource[], bucket: "publication" | "lake") =>
  one(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `sales-${bucket}-lifecycle`).inputs.rules;

const workgroup = (resources: RecordedResource[]) => one(resources, "aws:athena/workgroup:Workgroup", "sales-workgroup");

describe("AthenaPublication", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("declares both buckets as SecureBuckets with their exact names, and exposes their names and ARNs", () => {
    expect(ofType(resources, "cdc:storage:SecureBucket").map((b) => b.name)).toEqual(["sales-publication", "sales-lake"]);
    expect(one(resources, "aws:s3/bucket:Bucket", "sales-publication-bucket").inputs).toEqual({
      bucket: PUBLICATION,
      forceDestroy: false,
    });
    expect(one(resources, "aws:s3/bucket:Bucket", "sales-lake-bucket").inputs).toEqual({ bucket: LAKE, forceDestroy: false });
    expect(outputs).toMatchObject({
      publicationBucketName: PUBLICATION,
      publicationBucketArn: `arn:aws:s3:::${PUBLICATION}`,
      lakeBucketName: LAKE,
      lakeBucketArn: `arn:aws:s3:::${LAKE}`,
    });
  });

  it("encrypts both buckets with the given key", () => {
    for (const bucket of ["publication", "lake"]) {
      const encryption = one(
        resources,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        `sales-${bucket}-encryption`,
      );
      expect(encryption.inputs.rules).toEqual([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: LAKE_KEY }, bucketKeyEnabled: true },
      ]);
    }
  });

  it("leaves the publication bucket unversioned, since Iceberg snapshots already keep its history", () => {
    expect(
      one(resources, "aws:s3/bucketVersioning:BucketVersioning", "sales-publication-versioning").inputs.versioningConfiguration,
    ).toEqual({ status: "Disabled" });
    // Only the rule every SecureBucket has: Iceberg's own snapshot expiry decides when data goes.
    expect(lifecycleRules(resources, "publication")).toEqual([
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
  });

  it("versions the lake bucket, expiring noncurrent versions and Athena results after 30 days", () => {
    expect(
      one(resources, "aws:s3/bucketVersioning:BucketVersioning", "sales-lake-versioning").inputs.versioningConfiguration,
    ).toEqual({ status: "Enabled" });
    expect(lifecycleRules(resources, "lake")).toEqual([
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
      { id: "expire-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } },
      { id: "expire-query-results", status: "Enabled", filter: { prefix: "athena/" }, expiration: { days: 30 } },
    ]);
  });

  it("uploads the apply script from the repository into the lake bucket under glue/", async () => {
    const script = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "sales-apply-script");
    expect(script.inputs).toMatchObject({ bucket: LAKE, key: "glue/apply_changes.py" });
    const file = path.join(PROJECT_ROOT, "handlers/glue/apply_changes.py");
    expect(script.inputs.source).toBeInstanceOf(pulumi.asset.FileAsset);
    await expect((script.inputs.source as pulumi.asset.FileAsset).path).resolves.toBe(file);
    expect(fs.existsSync(file)).toBe(true);
    // Uploaded only once the lake bucket's default encryption is in place, so the object is encrypted with the lake key.
    const encryption = one(
      resources,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "sales-lake-encryption",
    );
    expect(script.dependencies).toContain(encryption.urn);
    expect(outputs.applyScriptKey).toBe("glue/apply_changes.py");
    expect(outputs.applyScriptUri).toBe(`s3://${LAKE}/glue/apply_changes.py`);
  });

  it("declares one Glue database per target, located under the target's prefix of the publication bucket", () => {
    expect(ofType(resources, "aws:glue/catalogDatabase:CatalogDatabase").map((d) => d.name)).toEqual([
      "sales-db-reporting",
      "sales-db-finance",
    ]);
    expect(one(resources, "aws:glue/catalogDatabase:CatalogDatabase", "sales-db-reporting").inputs).toMatchObject({
      name: "cdc_dev_sales_reporting",
      locationUri: `s3://${PUBLICATION}/reporting/`,
    });
    expect(one(resources, "aws:glue/catalogDatabase:CatalogDatabase", "sales-db-finance").inputs).toMatchObject({
      name: "cdc_dev_sales_finance",
      locationUri: `s3://${PUBLICATION}/finance/`,
    });
  });

  it("enforces the Athena workgroup's engine, metrics, encrypted result location and a 10 GiB scan limit", () => {
    expect(workgroup(resources).inputs).toMatchObject({ name: "cdc-dev-sales", state: "ENABLED" });
    expect(workgroup(resources).inputs.configuration).toEqual({
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: 10737418240,
      engineVersion: { selectedEngineVersion: "Athena engine version 3" },
      resultConfiguration: {
        outputLocation: `s3://${LAKE}/athena/`,
        encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: LAKE_KEY },
      },
    });
    expect(outputs.workgroupName).toBe("cdc-dev-sales");
  });

  it("declares every resource under the component, through the lake provider", () => {
    const component = one(resources, "cdc:lake:AthenaPublication", "sales");
    expect(
      childrenOf(resources, component)
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      "sales-apply-script",
      "sales-db-finance",
      "sales-db-reporting",
      "sales-lake",
      "sales-publication",
      "sales-workgroup",
    ]);
    const all = descendantsOf(resources, component);
    // Everything but the provider and the component itself hangs below it.
    expect(all).toHaveLength(resources.length - 2);
    for (const r of all.filter((c) => c.custom)) expect(providerOf(resources, r)?.name).toBe("lake");
  });
});

describe("AthenaPublication's old name", () => {
  it("answers to the type it had as Publication, so the rename replaces nothing", async () => {
    const { resources } = await declare();
    expect(one(resources, "cdc:lake:AthenaPublication", "sales").aliases).toEqual([{ type: "cdc:lake:Publication" }]);
  });
});

describe("AthenaPublication settings", () => {
  it("takes a different scan limit and result retention when given", async () => {
    const { resources } = await declare({ bytesScannedCutoffPerQuery: 50 * GIB, queryResultDays: 7 });
    expect((workgroup(resources).inputs.configuration as Record<string, unknown>).bytesScannedCutoffPerQuery).toBe(50 * GIB);
    expect(lifecycleRules(resources, "lake")).toContainEqual({
      id: "expire-query-results",
      status: "Enabled",
      filter: { prefix: "athena/" },
      expiration: { days: 7 },
    });
  });

  it("accepts Athena's minimum scan limit of exactly 10 MiB", async () => {
    const { resources } = await declare({ bytesScannedCutoffPerQuery: 10 * MIB });
    expect((workgroup(resources).inputs.configuration as Record<string, unknown>).bytesScannedCutoffPerQuery).toBe(10 * MIB);
  });

  it.each([
    ["no databases", { databases: {} }, "AthenaPublication sales: databases needs at least one target"],
    [
      "an upper-case database name",
      { databases: { reporting: "cdc_dev_sales_Reporting" } },
      "AthenaPublication sales: database of target reporting must be lower-case letters, digits and _, got cdc_dev_sales_Reporting",
    ],
    [
      "a database name with a hyphen",
      { databases: { finance: "cdc-dev-sales-finance" } },
      "AthenaPublication sales: database of target finance must be lower-case letters, digits and _, got cdc-dev-sales-finance",
    ],
    [
      "a scan limit below 10 MiB",
      { bytesScannedCutoffPerQuery: 10 * MIB - 1 },
      "AthenaPublication sales: bytesScannedCutoffPerQuery must be at least 10 MiB (Athena's minimum)",
    ],
    ["query results kept 0 days", { queryResultDays: 0 }, "AthenaPublication sales: queryResultDays must be 1–3650"],
  ])("refuses %s", async (_what, overrides, message) => {
    await expect(declare(overrides)).rejects.toThrow(message);
  });
});
