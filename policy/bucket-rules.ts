/**
 * Every bucket is KMS-encrypted, blocks public access and refuses plain HTTP. With @pulumi/aws v7 these live in side
 * resources, so the rules are stack rules: a bucket passes when its side resources exist and say the right thing.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { list, parseStatements, type Statement } from "./documents";

const BUCKET = "aws:s3/bucket:Bucket";
const ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** A bucket's physical name, as side resources refer to it. */
function bucketNameOf(bucket: PolicyResource): string {
  return (bucket.props.bucket as string | undefined) ?? bucket.name;
}

function sideResources(resources: PolicyResource[], type: string, bucket: string): PolicyResource[] {
  return resources.filter((r) => r.type === type && r.props.bucket === bucket);
}

export const bucketsKmsEncrypted: StackValidationPolicy = {
  name: "s3-bucket-kms-encrypted",
  description: "Every S3 bucket encrypts objects by default with a customer-managed KMS key (SSE-KMS).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    for (const bucket of resources.filter((r) => r.type === BUCKET)) {
      const name = bucketNameOf(bucket);
      const ok = sideResources(resources, ENCRYPTION, name).some((e) =>
        ((e.props.rules as Array<Record<string, Record<string, unknown>>> | undefined) ?? []).some((rule) => {
          const sse = rule.applyServerSideEncryptionByDefault;
          return (sse?.sseAlgorithm === "aws:kms" || sse?.sseAlgorithm === "aws:kms:dsse") && Boolean(sse.kmsMasterKeyId);
        }),
      );
      if (!ok) {
        report(
          `bucket ${name} is not encrypted with a KMS key: add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and kmsMasterKeyId`,
          bucket.urn,
        );
      }
    }
  },
};

export const bucketsPublicAccessBlocked: StackValidationPolicy = {
  name: "s3-bucket-public-access-blocked",
  description: "Every S3 bucket has a public access block with all four settings on.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    const settings = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
    for (const bucket of resources.filter((r) => r.type === BUCKET)) {
      const name = bucketNameOf(bucket);
      const blocks = sideResources(resources, PUBLIC_ACCESS, name);
      const off = blocks.length === 0 ? settings : settings.filter((s) => !blocks.some((b) => b.props[s] === true));
      if (off.length > 0) report(`bucket ${name} does not block public access: set ${off.join(", ")} to true`, bucket.urn);
    }
  },
};

/** The statement that makes a bucket TLS-only: Deny, to everyone, every S3 action, unless over TLS, on bucket and keys. */
export function isTlsOnlyDeny(s: Statement, bucket: string): boolean {
  const principal = s.Principal === "*" || (s.Principal as { AWS?: unknown } | undefined)?.AWS === "*";
  const actions = list(s.Action);
  const secure = s.Condition?.Bool?.["aws:SecureTransport"];
  const resources = list(s.Resource);
  return (
    s.Effect === "Deny" &&
    principal &&
    (actions.includes("s3:*") || actions.includes("*")) &&
    (secure === "false" || secure === false) &&
    resources.includes(`arn:aws:s3:::${bucket}`) &&
    resources.includes(`arn:aws:s3:::${bucket}/*`)
  );
}

export const bucketsTlsOnly: StackValidationPolicy = {
  name: "s3-bucket-tls-only",
  description:
    "Every S3 bucket policy denies requests not made over TLS (aws:SecureTransport false), on the bucket and its objects.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    for (const bucket of resources.filter((r) => r.type === BUCKET)) {
      const name = bucketNameOf(bucket);
      const ok = sideResources(resources, POLICY, name).some((p) =>
        (parseStatements(p.props.policy) ?? []).some((s) => isTlsOnlyDeny(s, name)),
      );
      if (!ok) {
        report(
          `bucket ${name} accepts plain HTTP: its bucket policy needs a Deny of s3:* on the bucket and its objects when aws:SecureTransport is false`,
          bucket.urn,
        );
      }
    }
  },
};
