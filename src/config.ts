/**
 * The stack configuration (namespace `cdc`), validated before any resource is declared.
 *
 * Everything a pipeline needs is described here; components never read `pulumi.Config` themselves. The schema applies
 * the defaults a newcomer would expect (engine default ports, a two-minute schedule, Iceberg publication), so a source
 * entry stays short in the stack file.
 */
import { MYSQL_FLAVORS } from "../handlers/core/plan/dialect";
import { z } from "zod";
import { alarmsSchema } from "./config-alarms";
import { accountsSchema } from "./config-accounts";
import { databaseNetwork, networkSchema } from "./config-network";
import { AWS_REGIONS } from "./aws-regions";
import { ConfigError, formatIssues, issueMessage } from "./config-issues";
import { dmsScheduleSchema } from "./config-dms-schedule";
import { glueJobSchema } from "./config-glue-job";
import { icebergTargetSchema } from "./config-iceberg";
import { DEFAULT_PORTS, ENGINES } from "../metadata/engines";

export { DEFAULT_PORTS, ENGINES, type Engine } from "../metadata/engines";
export { alarmsSchema } from "./config-alarms";
export { accountsSchema } from "./config-accounts";
export { networkSchema } from "./config-network";

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ID_HINT = "lower-kebab-case starting with a letter";
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** One glob over `schema.table`: identifier characters plus `*` and `?`, exactly one dot. */
const TABLE_GLOB = /^[A-Za-z0-9_$#*?-]+\.[A-Za-z0-9_$#*?-]+$/;
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Credential keys people paste next to a host; refused so no password ever lands in a stack file or state. */
const PLAINTEXT_CREDENTIAL =
  "plaintext credentials are not accepted; store them in AWS Secrets Manager and set secretArn to the secret's ARN";
const noPlaintext = z.never({ error: PLAINTEXT_CREDENTIAL }).optional();
const credentialKeys = { password: noPlaintext, username: noPlaintext, user: noPlaintext };

const id = (max: number) =>
  z
    .string()
    .max(max, { error: `expected at most ${max} characters (resource names derive from it)` })
    .regex(ID, { error: (iss) => `expected ${ID_HINT}, received ${JSON.stringify(iss.input)}` });

const secretArn = z.string().regex(SECRET_ARN, {
  error: "expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
});
const port = z.number().int().min(1).max(65535);
const kmsKeyArn = z.string().regex(/^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]+$/, {
  error: "expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
});
const host = z
  .string()
  .regex(HOST, { error: (iss) => `expected a host name or IP address, received ${JSON.stringify(iss.input)}` });

export const alertsSchema = z
  .strictObject({
    slackWebhookSecretArn: secretArn
      .optional()
      .describe("Secrets Manager secret (in the stack's region) holding the Slack incoming-webhook URL."),
    emails: z
      .array(z.email({ error: (iss) => `expected an e-mail address, received ${JSON.stringify(iss.input)}` }))
      .default([])
      .describe("Addresses subscribed to the alert topic by e-mail. At least one destination: this or `slackWebhookSecretArn`."),
  })
  .refine((a) => a.slackWebhookSecretArn !== undefined || a.emails.length > 0, {
    error: "no alert destination; set slackWebhookSecretArn or at least one address in emails",
  });

const endpoint = z.strictObject({
  host: host.describe("Host name or IP address of the source database, as DMS reaches it from the stack's subnets."),
  port: port
    .optional()
    .describe("Defaults to the engine's standard port (SQL Server 1433, MySQL 3306, PostgreSQL 5432, Oracle 1521)."),
  database: z.string().min(1).describe("The database (Oracle: service name) DMS replicates."),
  secretArn: secretArn.describe(
    "Secrets Manager secret with `username` and `password`, in the stack's region and the ingestion account: the only way credentials reach DMS.",
  ),
  caCertificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:dms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:cert:[A-Za-z0-9-]+$/, {
      error: "expected a DMS certificate ARN (arn:aws:dms:<region>:<account>:cert:<id>)",
    })
    .optional()
    .describe("DMS certificate of the CA that signed the source's TLS certificate; required for Oracle (DMS uses verify-ca)."),
  network: databaseNetwork
    .optional()
    .describe(
      "Where the database is when it is outside the stack's VPC; the replication instance may then reach its port there. Defaults to the VPC's own address ranges.",
    ),
  ...credentialKeys,
});

const dms = z.strictObject({
  instanceClass: z
    .string()
    .regex(/^dms\.[a-z0-9]+\.[a-z0-9]+$/, { error: "expected a DMS instance class such as dms.t3.medium" })
    .default("dms.t3.medium")
    .describe("Replication instance class."),
  allocatedStorageGb: z
    .number()
    .int()
    .min(5)
    .max(6144)
    .default(50)
    .describe("Replication instance storage (GB): holds cached changes while a target or the task lags."),
  /**
   * A standby replication instance in a second availability zone, so replication survives the loss of one. Defaults to
   * on in prod (the policy pack's dms-multi-az-in-production requires it there) and off elsewhere, where it would only
   * double the instance's cost.
   */
  multiAz: z
    .boolean()
    .optional()
    .describe(
      "A standby replication instance in a second availability zone, so replication survives the loss of one. Defaults to on in prod (the policy pack's dms-multi-az-in-production requires it there) and off elsewhere, where it would only double the instance's cost.",
    ),
  cdcMaxBatchIntervalSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(60)
    .describe("Upper bound on how long DMS buffers changes before writing a CDC file: the floor of end-to-end latency."),
  cdcMinFileSizeKb: z
    .number()
    .int()
    .min(1)
    .max(1048576)
    .default(32000)
    .describe("DMS writes a CDC file early once it reaches this size (KB)."),
  /**
   * Limited LOB mode at 32 KB by default: DMS's own default LobMaxSize, fast, and validation flags every value that
   * reaches the limit as possibly truncated. Full mode never truncates but is much slower.
   */
  lob: z
    .strictObject({
      mode: z
        .enum(["limited", "full"])
        .default("limited")
        .describe(
          "`limited`: DMS carries LOB values up to `maxSizeKb` and cuts longer ones (validation flags each value that reaches the limit as possibly truncated); `full`: any size, fetched piece by piece, much slower.",
        ),
      maxSizeKb: z
        .number()
        .int()
        .min(1)
        .max(102400)
        .default(32)
        .describe(
          "Largest LOB value DMS carries in limited mode (KB, DMS's LobMaxSize; 32 is DMS's default, 102400 its maximum).",
        ),
    })
    .default({ mode: "limited", maxSizeKb: 32 })
    .describe(
      "How DMS replicates the LOB columns (text, json, bytea, arrays, nvarchar(max), CLOB, BLOB…) of tables with a primary key.",
    ),
  schedule: dmsScheduleSchema
    .optional()
    .describe(
      "Dev cost saver, off unless set: EventBridge Scheduler stops the replication task at `stopAt` and resumes it from its last position at `startAt`. Refused in prod, where a stopped task is an outage.",
    ),
});

const mysqlTarget = z.strictObject({
  host: host.describe("Host name or IP address of the MySQL server, as the Glue job reaches it from the stack's subnets."),
  port: port.default(3306).describe("The server's port."),
  database: z.string().min(1).describe("The database the target's tables are created and kept in."),
  flavor: z
    .enum(MYSQL_FLAVORS)
    .default("mysql")
    .describe(
      "The server: `mysql` (MySQL 8.0.17+, RDS, Aurora MySQL 3) or `mariadb` (10.5+). Tables get the server's binary NO PAD collation, whose name differs between the two, so `'a'` and `'a '` stay two keys.",
    ),
  secretKmsKeyArn: kmsKeyArn
    .optional()
    .describe(
      "The customer-managed key the secret is encrypted with, if not Secrets Manager's default; needed when the secret is in another account.",
    ),
  secretArn: secretArn.describe(
    "Secrets Manager secret with `username` and `password`, in the stack's region and the lake account (unless it has its own `secretKmsKeyArn`); reaches the job through its Glue connection.",
  ),
  network: databaseNetwork
    .optional()
    .describe(
      "Where the server is when it is outside the stack's VPC; the Glue job may then reach its port there. Defaults to the VPC's own address ranges.",
    ),
  ...credentialKeys,
});

const target = z.strictObject({
  name: id(24).describe("Stable id within its source (lower-kebab-case); queue, poller and Glue job names derive from it."),
  tables: z
    .array(
      z.string().regex(TABLE_GLOB, {
        error: (iss) =>
          `expected a glob over schema.table such as "dbo.*" or "sales.order_*", received ${JSON.stringify(iss.input)}`,
      }),
    )
    .min(1, { error: "expected at least one table glob" })
    .describe(
      'Globs over `schema.table` (`*`, `?`), matched case-insensitively against the source\'s metadata, e.g. `["dbo.*"]`; each must match at least one table.',
    ),
  schedule: z
    .strictObject({
      everyMinutes: z.number().int().min(1).max(60).describe("Minutes between two polls of the target's queue."),
    })
    .default({ everyMinutes: 2 })
    .describe("When the poller starts a Glue run with what the target's queue holds."),
  publication: z
    .strictObject({ format: z.enum(["iceberg"]).describe("Table format of the publication layer Athena reads.") })
    .default({ format: "iceberg" })
    .describe("The S3 publication of the target's tables."),
  mysql: mysqlTarget.optional().describe("A MySQL or MariaDB database the target also applies changes to."),
  tombstoneRetentionDays: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(7)
    .describe("Days a delete's tombstone guards the key against older changes that arrive late."),
  glue: glueJobSchema
    .default(glueJobSchema.parse({}))
    .describe("The size of the target's Glue apply job: worker type and count, STANDARD or FLEX, and its timeout."),
  iceberg: icebergTargetSchema
    .default(icebergTargetSchema.parse({}))
    .describe(
      "How the target's Iceberg tables are written (write mode, file size, metadata kept) and kept by the Glue table optimizers the poller enables on each table (compaction, snapshot retention, orphan files).",
    ),
});

export const sourceSchema = z
  .strictObject({
    name: id(24).describe(
      "Stable id (lower-kebab-case): every resource name derives from it, never from its position in the list; its metadata is `metadata/sources/<name>/`.",
    ),
    engine: z
      .enum(ENGINES)
      .describe("The source database's engine; its committed metadata must have been extracted from the same."),
    endpoint: endpoint.describe("Where DMS reads the source from; credentials only by Secrets Manager ARN."),
    dms: dms.default(dms.parse({})).describe("The replication instance and the task's CDC batching."),
    validation: z
      .strictObject({
        largeFileBytes: z
          .number()
          .int()
          .min(1)
          .describe(
            "Files above this size whose Parquet footer has no statistics are checked by the large-file Glue job instead of the Lambda.",
          ),
      })
      .default({ largeFileBytes: 256 * 1024 * 1024 })
      .describe("How DMS output files are validated."),
    targets: z
      .array(target)
      .min(1, { error: "expected at least one target" })
      .describe("Where the source's changes are applied: each target gets a queue, a poller and a Glue job."),
  })
  .refine((s) => s.engine !== "oracle" || s.endpoint.caCertificateArn !== undefined, {
    path: ["endpoint", "caCertificateArn"],
    error: "an Oracle source needs the DMS certificate ARN of its CA (DMS verifies Oracle TLS with verify-ca)",
  })
  .transform((s) => ({ ...s, endpoint: { ...s.endpoint, port: s.endpoint.port ?? DEFAULT_PORTS[s.engine] } }));

/** A region AWS has opened (src/aws-regions.ts): a plausible-looking typo would otherwise fail only mid-deployment. */
export const regionSchema = z.string().refine((r) => AWS_REGIONS.includes(r), {
  error: (iss) =>
    `expected a known AWS region such as eu-west-2, received ${JSON.stringify(iss.input)} (list: src/aws-regions.ts)`,
});

export const stackConfigSchema = z
  .strictObject({
    environment: id(10).describe("Environment name (dev, preprod, prod, …, lower-kebab-case); part of every resource name."),
    region: regionSchema.describe(
      "AWS region of every account of the stack; a region AWS has opened (the list is src/aws-regions.ts).",
    ),
    accounts: accountsSchema.describe(
      "Where things live: the ingestion account and, when separate, the lake account, each with its deploy and read-only preview roles.",
    ),
    network: networkSchema.describe(
      "The stack's one network: an existing VPC and subnets, or `create` to build one. DMS and the Glue connections run in it.",
    ),
    alerts: alertsSchema.describe("Where alerts go (DMS events, Glue failures, dead letters, validation failures)."),
    alarms: alarmsSchema
      .default({ lambdaErrors: 1, lambdaThrottles: 1, dmsCdcLatencySeconds: 600, dmsCdcLatencyMinutes: 15 })
      .describe(
        "Thresholds of the CloudWatch alarms on every Lambda function (errors, throttles) and on each source's DMS CDC latency; each alarm notifies its own account's alert topic.",
      ),
    sources: z
      .array(sourceSchema)
      .min(1, { error: "expected at least one source" })
      .describe("One entry per source database; names must be unique."),
    createDmsServiceRoles: z
      .boolean()
      .default(false)
      .describe(
        "Declare the account-wide roles DMS expects (`dms-vpc-role`, `dms-cloudwatch-logs-role`) in the ingestion account. Only for an account that has never run DMS: anywhere else they already exist and creating them fails.",
      ),
    protectData: z
      .boolean()
      .optional()
      .describe(
        "`protect` the data of every source (harmonized, publication, quarantine and lake buckets, the KMS keys), so an update that would delete one fails until someone unprotects it on purpose. Defaults to on in prod, off elsewhere; the data is retained on deletion everywhere regardless.",
      ),
  })
  .check(z.superRefine(crossChecks, { when: () => true }))
  .transform((c) => ({
    ...c,
    protectData: c.protectData ?? c.environment === "prod",
    // The stack's environment decides the default. Still typed optional: `cdc config check` checks each source on its
    // own (sourceSchema), where the environment is not known; DmsSource applies the same default.
    sources: c.sources.map((s) => ({
      ...s,
      dms: { ...s.dms, multiAz: s.dms.multiAz ?? c.environment === "prod" } as typeof s.dms,
    })),
  }));

/** Checks that span entries; they run even when other parts failed, so every problem is reported in one pass. */
function crossChecks(raw: unknown, ctx: z.RefinementCtx<unknown>): void {
  const cfg = raw as { sources?: unknown };
  const sources = Array.isArray(cfg.sources) ? (cfg.sources as Array<{ name?: unknown; targets?: unknown }>) : [];
  reportDuplicates(sources, ["sources"], "source", ctx);
  sources.forEach((s, i) => {
    if (s && Array.isArray(s.targets)) reportDuplicates(s.targets, ["sources", i, "targets"], "target", ctx);
  });
}

function reportDuplicates(items: unknown[], path: (string | number)[], what: string, ctx: z.RefinementCtx<unknown>): void {
  const first = new Map<unknown, number>();
  items.forEach((item, i) => {
    const name = (item as { name?: unknown } | null)?.name;
    if (typeof name !== "string") return;
    const seen = first.get(name);
    if (seen === undefined) first.set(name, i);
    else
      ctx.addIssue({
        code: "custom",
        path: [...path, i, "name"],
        message: `duplicate ${what} name "${name}" (first used at ${path.at(-1)}[${seen}])`,
        input: name,
      });
  });
}

export type StackConfig = z.output<typeof stackConfigSchema>;
export type AccountsConfig = StackConfig["accounts"];
export type AccountConfig = AccountsConfig["ingestion"];
export type NetworkConfig = StackConfig["network"];
export type AlertsConfig = StackConfig["alerts"];
export type AlarmsConfig = StackConfig["alarms"];
export type SourceConfig = StackConfig["sources"][number];
export type TargetConfig = SourceConfig["targets"][number];

/**
 * Validates the `cdc` namespace of a stack's configuration (keys without the `cdc:` prefix).
 * Throws a {@link ConfigError} listing every problem, one line each, before anything is declared.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const result = stackConfigSchema.safeParse(raw, { error: issueMessage });
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues));
  return result.data;
}
