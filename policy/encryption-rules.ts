/**
 * Data at rest is encrypted with the pipeline's own keys, not with AWS-owned or service-managed ones: log groups, SQS
 * queues, what Glue jobs write (S3 data, their logs, job bookmarks) and the Glue Data Catalog of every account that holds
 * the pipeline's databases. A customer-managed key is what lets the key policy, not only IAM, say who reads the data.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { accountOfResource } from "./providers";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const QUEUE = "aws:sqs/queue:Queue";
const GLUE_JOB = "aws:glue/job:Job";
const SECURITY_CONFIGURATION = "aws:glue/securityConfiguration:SecurityConfiguration";
const CATALOG_DATABASE = "aws:glue/catalogDatabase:CatalogDatabase";
const CATALOG_TABLE = "aws:glue/catalogTable:CatalogTable";
const CATALOG_ENCRYPTION = "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings";

/** A key given by ARN, id or alias, as long as it is not the AWS-managed key of a service (`alias/aws/sqs`). */
export function isCustomerManagedKey(key: unknown): boolean {
  return typeof key === "string" && key !== "" && !/(^|:)alias\/aws\//.test(key);
}

const nameOf = (r: PolicyResource) => (r.props.name as string | undefined) ?? r.name;

export const logGroupsKmsEncrypted: ResourceValidationPolicy = {
  name: "cloudwatch-log-group-kms-encrypted",
  description: "Every CloudWatch log group is encrypted with a customer-managed KMS key (kmsKeyId).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== LOG_GROUP) return;
    if (!isCustomerManagedKey(args.props.kmsKeyId)) {
      report(
        `log group ${(args.props.name as string | undefined) ?? args.name} is not encrypted with a KMS key: set kmsKeyId to the pipeline key of its account`,
      );
    }
  },
};

export const queuesKmsEncrypted: ResourceValidationPolicy = {
  name: "sqs-queue-kms-encrypted",
  description: "Every SQS queue is encrypted with a customer-managed KMS key (kmsMasterKeyId), not SQS-managed keys.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== QUEUE) return;
    const name = (args.props.name as string | undefined) ?? args.name;
    if (!isCustomerManagedKey(args.props.kmsMasterKeyId)) {
      const now = args.props.sqsManagedSseEnabled === true ? "SQS-managed keys" : "no customer-managed key";
      report(`queue ${name} is encrypted with ${now}: set kmsMasterKeyId to the pipeline key of its account`);
    }
  },
};

/** What a security configuration lacks, as setting names; empty when S3, CloudWatch and bookmarks all use a KMS key. */
export function securityConfigurationGaps(configuration: PolicyResource): string[] {
  const e = (configuration.props.encryptionConfiguration ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const gaps: string[] = [];
  const s3 = e.s3Encryption;
  if (s3?.s3EncryptionMode !== "SSE-KMS" || !isCustomerManagedKey(s3.kmsKeyArn)) gaps.push("s3Encryption SSE-KMS");
  const logs = e.cloudwatchEncryption;
  if (logs?.cloudwatchEncryptionMode !== "SSE-KMS" || !isCustomerManagedKey(logs.kmsKeyArn)) {
    gaps.push("cloudwatchEncryption SSE-KMS");
  }
  const bookmarks = e.jobBookmarksEncryption;
  if (bookmarks?.jobBookmarksEncryptionMode !== "CSE-KMS" || !isCustomerManagedKey(bookmarks.kmsKeyArn)) {
    gaps.push("jobBookmarksEncryption CSE-KMS");
  }
  return gaps;
}

export const glueJobsHaveSecurityConfiguration: StackValidationPolicy = {
  name: "glue-job-security-configuration",
  description:
    "Every Glue job names a security configuration of the stack that encrypts its S3 output, its CloudWatch logs and its job bookmarks with a KMS key.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    const configurations = resources.filter((r) => r.type === SECURITY_CONFIGURATION);
    for (const job of resources.filter((r) => r.type === GLUE_JOB)) {
      const wanted = job.props.securityConfiguration;
      if (typeof wanted !== "string" || wanted === "") {
        report(
          `Glue job ${nameOf(job)} has no security configuration: set securityConfiguration to one with S3 SSE-KMS, CloudWatch SSE-KMS and job bookmarks CSE-KMS`,
          job.urn,
        );
        continue;
      }
      const configuration = configurations.find((c) => nameOf(c) === wanted);
      if (!configuration) {
        report(
          `Glue job ${nameOf(job)} uses security configuration ${wanted}, which the stack does not declare: declare it with KMS encryption for S3, CloudWatch and job bookmarks`,
          job.urn,
        );
        continue;
      }
      const gaps = securityConfigurationGaps(configuration);
      if (gaps.length > 0) {
        report(
          `Glue job ${nameOf(job)} uses security configuration ${wanted}, which does not encrypt everything with a KMS key: set ${gaps.join(", ")} with kmsKeyArn`,
          job.urn,
        );
      }
    }
  },
};

/** Whether the settings encrypt the catalog at rest with a customer-managed key. */
function encryptsAtRest(settings: PolicyResource): boolean {
  const atRest = (settings.props.dataCatalogEncryptionSettings as { encryptionAtRest?: Record<string, unknown> } | undefined)
    ?.encryptionAtRest;
  return (
    (atRest?.catalogEncryptionMode === "SSE-KMS" || atRest?.catalogEncryptionMode === "SSE-KMS-WITH-SERVICE-ROLE") &&
    isCustomerManagedKey(atRest.sseAwsKmsKeyId)
  );
}

/** The catalog a resource lives in: its explicit `catalogId`, else the account of its provider. */
function catalogOf(r: PolicyResource): string | undefined {
  const explicit = r.props.catalogId;
  return typeof explicit === "string" && explicit !== "" ? explicit : accountOfResource(r);
}

export const catalogEncrypted: StackValidationPolicy = {
  name: "glue-catalog-encrypted",
  description:
    "A stack that declares Glue Data Catalog databases or tables declares, once per account, DataCatalogEncryptionSettings encrypting the catalog at rest with a KMS key (SSE-KMS).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, report) => {
    const settings = resources.filter((r) => r.type === CATALOG_ENCRYPTION);
    const encrypted = new Set(settings.filter(encryptsAtRest).map(catalogOf));
    // Catalogs of unknown account (no catalogId, no single-account provider) are matched by any encrypted settings.
    const anyEncrypted = encrypted.size > 0;
    for (const r of resources.filter((x) => x.type === CATALOG_DATABASE || x.type === CATALOG_TABLE)) {
      const catalog = catalogOf(r);
      if (encrypted.has(catalog) || (catalog === undefined && anyEncrypted)) continue;
      const what = r.type === CATALOG_DATABASE ? "database" : "table";
      const where = catalog ? `the Glue Data Catalog of account ${catalog}` : "a Glue Data Catalog";
      const declared = settings.some((s) => catalogOf(s) === catalog) ? "declares settings without" : "has no";
      report(
        `Glue ${what} ${nameOf(r)} is in ${where}, which ${declared} encryption at rest: declare one DataCatalogEncryptionSettings for the account with catalogEncryptionMode SSE-KMS and sseAwsKmsKeyId`,
        r.urn,
      );
    }
  },
};
