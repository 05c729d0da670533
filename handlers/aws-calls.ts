/**
 * The vocabulary in which each handler and Glue script declares, next to its code, the AWS calls it makes
 * (`handlers/<name>.aws-calls.ts`). The IAM simulation (tests/iam/) resolves every name below against the resources
 * the program declares, through the same wiring the code uses at run time (its environment variables, its event
 * source, its job arguments), and asks iam-simulate whether the role may make each call on those exact ARNs. A test
 * also checks that the declaration covers every AWS SDK command (or boto3 client method) the code can reach.
 *
 * Declarations are data only (no imports of the code they describe, no AWS SDK), so bundles never carry them.
 */

/**
 * Buckets as the code knows them: `raw` (DMS's target, the validate Lambda's event source), `quarantine`,
 * `harmonized`, `lake` (manifests and table state), `publication` (the target's Iceberg warehouse), `script` (the
 * bucket a Glue job's own script is read from), `artifacts` (the ingestion account's artifacts bucket, as the DMS
 * reconciler's ledger).
 */
export type BucketName = "raw" | "quarantine" | "harmonized" | "lake" | "publication" | "script" | "artifacts";

/**
 * `validation`: the raw bucket's event queue; `validated`: validated-file messages; `target`: one target's queue;
 * `schedule-dead-letter`: the DMS stop/start schedule's failed calls (components/dms-schedule.ts); `notifications`: the
 * Slack notifier's queue, which the account's alert topics deliver to.
 */
export type QueueName = "validation" | "validated" | "target" | "schedule-dead-letter" | "notifications";

export type AwsResource =
  /** The bucket itself (ListBucket). */
  | { bucket: BucketName }
  /** One object; `key` is an example in the real shape, with `{source}` and `{target}` filled in by the test. */
  | { bucket: BucketName; key: string }
  | { queue: QueueName }
  /** The alert topic of the caller's own account. */
  | { topic: "alerts" }
  | { glueJob: "large-file" | "apply" }
  /** The Data Catalog, the target's publication database, or one table in it. */
  | { glueCatalog: "catalog" | "database" | "table" }
  | { glueConnection: "mysql" }
  /** A Secrets Manager secret: the MySQL target's (Glue connection), the source database's (DMS), the Slack webhook's. */
  | { secret: "mysql" | "source" | "slack-webhook" }
  /** The source's DMS replication task. */
  | { dmsTask: "source" }
  /**
   * A stream in the function's own log group (Lambda), in Glue's `/aws-glue/*` groups (Glue jobs), or in the groups
   * of the Glue table optimizers (`/aws-glue/iceberg-compaction/logs`, `…-retention/…`, `…-orphan-file-deletion/…`).
   */
  | { logStream: "own" | "glue" | "optimizer" }
  /** The role Glue runs a target's table optimizers with (the poller passes it: iam:PassRole). */
  | { role: "table-optimizer" }
  /** Actions that AWS scopes to no resource (`*`). */
  | { any: true };

export interface AwsCall {
  /** IAM action, `service:Action`, as in AWS's service reference. */
  action: string;
  on: AwsResource;
  /** Request context the real call carries beyond the principal and TLS (e.g. `s3:prefix` of a listing). */
  context?: Record<string, string | string[]>;
  /** What in the code makes the call, and why it needs it: the review reads this. */
  why: string;
  /** Made only when this resource is deployed (e.g. the large-file job, a MySQL connection); else always. */
  onlyWith?: AwsResource;
}

/** Fills `{source}` and `{target}` into keys and prefixes. */
export type Placeholders = { source: string; target?: string };
