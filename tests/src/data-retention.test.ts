/**
 * Data survives config edits: removing a source from a stack file takes its resources out of the program, and Pulumi
 * deletes what the program no longer declares unless it is `retainOnDelete`. Run under the mocks with and without the
 * source, the difference is exactly what the update would delete; every bucket and key in it must be retained.
 */
import * as path from "node:path";
import type { RecordedResource } from "../support/pulumi-mocks";
import { engineConfig, PROJECT_DIR, runProgram, runStack } from "../support/stack";

const BUCKET = "aws:s3/bucket:Bucket";
const KEY = "aws:kms/key:Key";
const DATA = new Set([BUCKET, KEY, "aws:kms/alias:Alias"]);
/** What keeps a retained bucket as it was: encrypted, private, TLS-only, ACLs off, versions and expiry as declared. */
const BUCKET_SETTINGS = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
]);
const isData = (r: RecordedResource) => DATA.has(r.type) || BUCKET_SETTINGS.has(r.type);
/**
 * Buckets that are retained but never protected: raw is DMS's transient landing (its expiry empties it), artifacts
 * holds the large-file job's script, rebuilt from the repository.
 */
const unprotected = (r: RecordedResource) => /-landing-(raw|large-files-artifacts)-/.test(r.name);

/** The stack's engine config with one source taken out, as an edit of the stack file would. */
function without(stack: string, source: string): Record<string, string> {
  const config = engineConfig(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
  const sources = (JSON.parse(config["cdc:sources"]) as Array<{ name: string }>).filter((s) => s.name !== source);
  return { ...config, "cdc:sources": JSON.stringify(sources) };
}

/** What an update from `before` to `after` deletes: the resources `after` no longer declares. */
function deletedBy(before: RecordedResource[], after: RecordedResource[]): RecordedResource[] {
  const kept = new Set(after.map((r) => r.urn));
  return before.filter((r) => !kept.has(r.urn));
}

const physicalName = (r: RecordedResource) => String(r.inputs.bucket ?? r.inputs.description);

describe.each([
  ["dev", "crm"],
  ["prod", "sales"],
] as const)("removing a source from %s (%s)", (stack, source) => {
  let deleted: RecordedResource[];
  beforeAll(async () => {
    const before = await runStack(stack);
    const after = await runProgram(without(stack, source), { stack });
    deleted = deletedBy(before.mocks.resources, after.mocks.resources);
  });

  it("would otherwise delete the source's six buckets and its keys: the test looks at the real difference", () => {
    expect(
      deleted
        .filter((r) => r.type === BUCKET)
        .map(physicalName)
        .sort(),
    ).toEqual(
      ["artifacts", "harmonized", "lake", "publication", "quarantine", "raw"].map((kind) =>
        expect.stringContaining(`-${source}-${kind}-`),
      ),
    );
    expect(deleted.filter((r) => r.type === KEY).length).toBe(stack === "prod" ? 2 : 1);
  });

  it("leaves every bucket and key, and every setting that keeps a bucket private and encrypted, retained", () => {
    const notRetained = deleted.filter((r) => isData(r) && !r.retainOnDelete).map((r) => `${r.type} ${r.name}`);
    expect(notRetained).toEqual([]);
  });
});

describe("protection (cdc:protectData)", () => {
  it("is off in dev: retirement takes one edit, the data is still retained", async () => {
    const { mocks } = await runStack("dev");
    expect(mocks.resources.filter((r) => r.protect).map((r) => r.name)).toEqual([]);
  });

  it("is on in prod for every key and every bucket but raw and artifacts, and on nothing else", async () => {
    const { mocks } = await runStack("prod");
    const data = mocks.resources.filter(isData);
    expect(data.filter((r) => !unprotected(r)).every((r) => r.protect)).toBe(true);
    expect(data.filter(unprotected).some((r) => r.protect)).toBe(false);
    // protect is inherited by children: nothing but the data may carry it, or every DMS or Lambda change would stop.
    const protectedOthers = mocks.resources.filter((r) => r.custom && r.protect && !data.includes(r));
    expect(protectedOthers.map((r) => `${r.type} ${r.name}`)).toEqual([]);
    // harmonized, publication, lake (lake account) and quarantine (ingestion), for each of the two sources.
    expect(data.filter((r) => r.type === BUCKET && !unprotected(r))).toHaveLength(8);
  });

  it("follows the stack setting: dev with cdc:protectData true protects its data", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
    const { mocks } = await runProgram({ ...config, "cdc:protectData": "true" }, { stack: "dev" });
    const buckets = mocks.resources.filter((r) => r.type === BUCKET && !unprotected(r));
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.every((r) => r.protect)).toBe(true);
    expect(mocks.resources.filter((r) => r.type === KEY).every((r) => r.protect)).toBe(true);
  });
});
