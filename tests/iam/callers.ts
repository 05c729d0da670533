/**
 * Who runs with each role of a stack, and what the names of its declaration (handlers/aws-calls.ts) are bound to.
 * Every role must be accounted for: a role that runs a handler, a Glue script or a DMS endpoint is a caller; the only
 * others allowed are DMS's account-wide service roles, which carry AWS-managed policies only (AWS maintains them, the
 * simulation cannot read them), and are listed with that reason.
 */
import type { AwsCall } from "../../handlers/aws-calls";
import { DMS_RECONCILE_CALLS } from "../../handlers/dms-reconcile.aws-calls";
import { FAN_OUT_CALLS } from "../../handlers/fan-out.aws-calls";
import { APPLY_CHANGES_CALLS } from "../../handlers/glue/apply_changes.aws-calls";
import { VALIDATE_LARGE_FILE_CALLS } from "../../handlers/glue/validate_large_file.aws-calls";
import { NOTIFY_CALLS } from "../../handlers/notify.aws-calls";
import { POLL_CALLS } from "../../handlers/poll.aws-calls";
import { RECONCILE_CALLS } from "../../handlers/reconcile.aws-calls";
import { VALIDATE_CALLS } from "../../handlers/validate.aws-calls";
import { roleUniqueId } from "../support/pulumi-mocks";
import { REGION, type Caller, type Resolved, type Role, type StackModel } from "./stack-model";

/**
 * What DMS does with the roles the program gives it (AWS DMS user guide: S3 target and Secrets Manager access roles).
 * DMS is not our code, so its calls are declared here, in the same vocabulary.
 */
const DMS_TARGET_CALLS: AwsCall[] = [
  { action: "s3:PutObject", on: { bucket: "raw", key: "dbo/Customer/LOAD00000001.parquet" }, why: "DMS writes files" },
  { action: "s3:DeleteObject", on: { bucket: "raw", key: "dbo/Customer/LOAD00000001.parquet" }, why: "DMS full-load restart" },
  { action: "s3:PutObjectTagging", on: { bucket: "raw", key: "dbo/Customer/LOAD00000001.parquet" }, why: "DMS tags objects" },
  { action: "s3:ListBucket", on: { bucket: "raw" }, why: "DMS checks the target folder" },
];
const DMS_SECRETS_CALLS: AwsCall[] = [
  { action: "secretsmanager:GetSecretValue", on: { secret: "source" }, why: "DMS reads the source's credentials" },
  { action: "secretsmanager:DescribeSecret", on: { secret: "source" }, why: "DMS reads the source's credentials" },
];

/**
 * What EventBridge Scheduler does with the DMS schedule's role (components/dms-schedule.ts): the two universal-target
 * calls on the source's task, and a failed call's dead letter (EventBridge Scheduler user guide: execution role,
 * dead-letter queue).
 */
const DMS_SCHEDULER_CALLS: AwsCall[] = [
  { action: "dms:StopReplicationTask", on: { dmsTask: "source" }, why: "the evening stop" },
  { action: "dms:StartReplicationTask", on: { dmsTask: "source" }, why: "the morning resume (resume-processing)" },
  { action: "sqs:SendMessage", on: { queue: "schedule-dead-letter" }, why: "a call that failed after the retries" },
];

/**
 * What the Glue Data Catalog's table optimizers do with a target's optimizer role (components/table-optimizer-role.ts;
 * AWS Glue developer guide, table optimization prerequisites): rewrite and delete the target's Iceberg files, commit
 * the new metadata pointer, and log. Glue is not our code, so its calls are declared here.
 */
const TABLE_OPTIMIZER_CALLS: AwsCall[] = [
  ...(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const).map((action): AwsCall => ({
    action,
    on: { bucket: "publication", key: "{target}/dbo__customer/data/00000-0-a.parquet" },
    why: "compaction, retention and orphan deletion on the table's files",
  })),
  { action: "s3:ListBucket", on: { bucket: "publication" }, why: "orphan deletion lists the table location" },
  ...(["catalog", "database", "table"] as const).flatMap((what): AwsCall[] =>
    ["glue:GetTable", "glue:UpdateTable"].map((action) => ({
      action,
      on: { glueCatalog: what },
      why: "an optimizer commits the table's new metadata",
    })),
  ),
  { action: "logs:CreateLogStream", on: { logStream: "optimizer" }, why: "the optimizers' run logs" },
  { action: "logs:PutLogEvents", on: { logStream: "optimizer" }, why: "the optimizers' run logs" },
];

/**
 * Each kind: how its role is found, its declaration, and the file whose SDK calls the declaration must cover. Lambda
 * kinds are told apart by the environment variables their handler requires.
 */
export const KINDS = {
  validate: {
    calls: VALIDATE_CALLS,
    code: "handlers/validate.ts",
    env: ["HARMONIZED_BUCKET", "QUARANTINE_BUCKET", "FANOUT_QUEUE_URL"],
  },
  poll: { calls: POLL_CALLS, code: "handlers/poll.ts", env: ["QUEUE_URL", "JOB_NAME", "LAKE_BUCKET"] },
  "fan-out": { calls: FAN_OUT_CALLS, code: "handlers/fan-out.ts", env: ["TARGETS"] },
  reconcile: { calls: RECONCILE_CALLS, code: "handlers/reconcile.ts", env: ["RAW_BUCKET", "VALIDATION_QUEUE_URL"] },
  notify: { calls: NOTIFY_CALLS, code: "handlers/notify.ts", env: ["SLACK_WEBHOOK_SECRET_ARN"] },
  "dms-reconcile": { calls: DMS_RECONCILE_CALLS, code: "handlers/dms-reconcile.ts", env: ["DMS_TASK_ID", "RAW_BUCKET"] },
  "apply-job": { calls: APPLY_CHANGES_CALLS, code: "handlers/glue/apply_changes.py", env: [] },
  "large-file-job": { calls: VALIDATE_LARGE_FILE_CALLS, code: "handlers/glue/validate_large_file.py", env: [] },
  "dms-target": { calls: DMS_TARGET_CALLS, code: undefined, env: [] },
  "dms-secrets": { calls: DMS_SECRETS_CALLS, code: undefined, env: [] },
  "dms-scheduler": { calls: DMS_SCHEDULER_CALLS, code: undefined, env: [] },
  "table-optimizer": { calls: TABLE_OPTIMIZER_CALLS, code: undefined, env: [] },
} as const;
export type Kind = keyof typeof KINDS;

/** Kinds only some stacks have: the DMS schedule exists where a source sets `dms.schedule` (dev's sales). */
export const OPTIONAL_KINDS: ReadonlySet<Kind> = new Set<Kind>(["dms-scheduler"]);

const LAMBDA_KINDS = (["validate", "poll", "fan-out", "reconcile", "notify", "dms-reconcile"] as const).map(
  (k) => [k, KINDS[k].env] as const,
);

/** A caller whose kind names its declaration in {@link KINDS}. */
export type KindCaller = Caller & { kind: Kind };

/** Every caller of the stack, and the roles left out with why. Throws on a role nothing explains. */
export function callersOf(model: StackModel): { callers: KindCaller[]; excluded: { role: Role; why: string }[] } {
  const callers: KindCaller[] = [];
  const lambdaScope = (fnRoleArn: string) => lambdaCaller(model, fnRoleArn);
  for (const { fn } of model.functions()) callers.push(lambdaScope(String(fn.inputs.role)));
  for (const j of model.jobs()) callers.push(jobCaller(model, j));
  for (const { fn, env } of model.functions().filter(({ env }) => env.TABLE_OPTIMIZER_ROLE_ARN))
    callers.push(optimizerCaller(model, fn, env));
  for (const e of model.of("aws:dms/s3Endpoint:S3Endpoint")) {
    const raw = String(e.inputs.bucketName);
    callers.push(
      caller("dms-target", model.role(String(e.inputs.serviceAccessRoleArn)), sourceOf(raw), undefined, {
        "bucket:raw": [model.bucket(raw)],
      }),
    );
  }
  for (const e of model.of("aws:dms/endpoint:Endpoint").filter((x) => x.inputs.secretsManagerAccessRoleArn)) {
    const secretArn = String(e.inputs.secretsManagerArn);
    callers.push(
      caller("dms-secrets", model.role(String(e.inputs.secretsManagerAccessRoleArn)), "", undefined, {
        "secret:source": [{ arn: secretArn, account: secretArn.split(":")[4] }],
      }),
    );
  }
  // A schedule's role is its target's; the task and dead-letter queue are what its target names.
  for (const s of model.of("aws:scheduler/schedule:Schedule")) {
    const target = s.inputs.target as { roleArn: string; input: string; deadLetterConfig?: { arn: string } };
    const role = model.role(target.roleArn);
    if (callers.some((c) => c.kind === "dms-scheduler" && c.role.arn === role.arn)) continue;
    const taskArn = String(JSON.parse(target.input).ReplicationTaskArn);
    const scope: Record<string, Resolved[]> = { "dms:task": [{ arn: taskArn, account: taskArn.split(":")[4] }] };
    if (target.deadLetterConfig) scope["queue:schedule-dead-letter"] = [model.queue(target.deadLetterConfig.arn)];
    callers.push(caller("dms-scheduler", role, "", undefined, scope));
  }
  const used = new Set(callers.map((c) => c.role.arn));
  const excluded: { role: Role; why: string }[] = [];
  for (const role of model.roles.filter((r) => !used.has(r.arn))) {
    if (Object.keys(role.policies).length === 0 && role.managed.every((m) => m.startsWith("arn:aws:iam::aws:policy/"))) {
      excluded.push({ role, why: `AWS-managed policies only (${role.managed.join(", ")})` });
    } else throw new Error(`role ${role.arn} runs nothing the simulation knows: declare its caller in tests/iam/callers.ts`);
  }
  return { callers, excluded };
}

function lambdaCaller(model: StackModel, roleArn: string): KindCaller {
  const fn = model.function(roleArn);
  const env = (fn?.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
  const kinds = LAMBDA_KINDS.filter(([, vars]) => vars.every((v) => v in env)).map(([k]) => k);
  if (!fn || kinds.length !== 1)
    throw new Error(`function of ${roleArn} is ${kinds.length === 0 ? "no" : "more than one"} handler`);
  const kind = kinds[0];
  const account = model.accountOf(fn);
  const scope: Record<string, Resolved[]> = {
    "logs:own": [
      {
        arn: `arn:aws:logs:${REGION}:${account}:log-group:/aws/lambda/${String(fn.inputs.name)}:log-stream:2026/01/01/x`,
        account,
      },
    ],
  };
  const bucketEnv = {
    HARMONIZED_BUCKET: "harmonized",
    QUARANTINE_BUCKET: "quarantine",
    LAKE_BUCKET: "lake",
    RAW_BUCKET: "raw",
    LEDGER_BUCKET: "artifacts",
  };
  for (const [v, name] of Object.entries(bucketEnv)) if (env[v]) scope[`bucket:${name}`] = [model.bucket(env[v])];
  if (env.ALERT_TOPIC_ARN) scope["topic:alerts"] = [model.topic(env.ALERT_TOPIC_ARN)];
  if (env.FANOUT_QUEUE_URL) scope["queue:validated"] = [model.queue(env.FANOUT_QUEUE_URL)];
  if (env.VALIDATION_QUEUE_URL) scope["queue:validation"] = [model.queue(env.VALIDATION_QUEUE_URL)];
  if (env.QUEUE_URL) scope["queue:target"] = [model.queue(env.QUEUE_URL)];
  if (env.DMS_TASK_ARN) scope["dms:task"] = [{ arn: env.DMS_TASK_ARN, account: env.DMS_TASK_ARN.split(":")[4] }];
  if (env.TARGETS)
    scope["queue:target"] = (JSON.parse(env.TARGETS) as { queueUrl: string }[]).map((t) => model.queue(t.queueUrl));
  const glueJob = (name: string): Resolved[] => [{ arn: `arn:aws:glue:${REGION}:${account}:job/${name}`, account }];
  if (env.JOB_NAME) scope["job:apply"] = glueJob(env.JOB_NAME);
  if (env.SPARK_NAMESPACE) Object.assign(scope, catalogScope(model, account, env.SPARK_NAMESPACE));
  if (env.TABLE_OPTIMIZER_ROLE_ARN) {
    const role = model.role(env.TABLE_OPTIMIZER_ROLE_ARN);
    scope["role:table-optimizer"] = [{ arn: role.arn, account: role.account }];
  }
  if (env.LARGE_FILE_JOB_NAME) scope["job:large-file"] = glueJob(env.LARGE_FILE_JOB_NAME);
  // The event source: the validation queue (and the raw bucket notifying it) or the validated queue.
  const source = model.eventSourceQueue(fn);
  if (source && kind === "notify") {
    // The queue the account's alert topics deliver to; the secret as the function names it, with the secret's policy.
    scope["queue:notifications"] = [model.queue(source)];
    scope["secret:slack-webhook"] = [model.secret(env.SLACK_WEBHOOK_SECRET_ARN)];
  } else if (source) {
    const raw = model.notifyingBucket(source);
    scope[raw ? "queue:validation" : "queue:validated"] = [model.queue(source)];
    if (raw) scope["bucket:raw"] = [model.bucket(raw)];
  }
  const anyBucket = env.HARMONIZED_BUCKET ?? env.RAW_BUCKET ?? env.LAKE_BUCKET;
  return caller(kind, model.role(roleArn), env.SOURCE ?? sourceOf(anyBucket ?? ""), env.TARGET, scope);
}

function jobCaller(model: StackModel, j: ReturnType<StackModel["jobs"]>[number]): KindCaller {
  const role = model.role(String(j.job.inputs.roleArn));
  const account = role.account;
  const [scriptBucket, ...scriptKey] = j.script.replace(/^s3:\/\//, "").split("/");
  const scope: Record<string, Resolved[]> = {
    "bucket:script": [model.bucket(scriptBucket)],
    "logs:glue": [{ arn: `arn:aws:logs:${REGION}:${account}:log-group:/aws-glue/jobs/logs-v2:log-stream:jr_0001`, account }],
  };
  const jobName = String(j.job.inputs.name);
  const starter = model.functions().find(({ env }) => env.JOB_NAME === jobName || env.LARGE_FILE_JOB_NAME === jobName);
  if (!starter) throw new Error(`no Lambda starts Glue job ${jobName}`);
  if (scriptKey.join("/").endsWith("validate_large_file.py")) {
    // The raw file it reads is the one the validate Lambda hands over: that Lambda's event-source bucket.
    const raw = model.notifyingBucket(model.eventSourceQueue(starter.fn) ?? "");
    if (!raw) throw new Error(`the Lambda starting ${jobName} has no raw bucket`);
    scope["bucket:raw"] = [model.bucket(raw)];
    scope["queue:validation"] = [model.queue(j.args["--result_queue_url"])];
    return caller("large-file-job", role, sourceOf(raw), undefined, scope);
  }
  if (!scriptKey.join("/").endsWith("apply_changes.py"))
    throw new Error(`Glue job ${jobName} runs an unknown script ${j.script}`);
  // Manifests (lake) and the files they list (harmonized) are the poller's; the warehouse is the job's --conf.
  scope["bucket:lake"] = [model.bucket(starter.env.LAKE_BUCKET)];
  scope["bucket:harmonized"] = [model.bucket(starter.env.HARMONIZED_BUCKET)];
  const warehouse = /warehouse=s3:\/\/([^/]+)\//.exec(j.args["--conf"] ?? "");
  if (!warehouse) throw new Error(`Glue job ${jobName} has no Iceberg warehouse`);
  scope["bucket:publication"] = [model.bucket(warehouse[1])];
  Object.assign(scope, catalogScope(model, account, starter.env.SPARK_NAMESPACE));
  const catalogKey = model.catalogKey(account);
  const connection = j.args["--mysql_connection"] && model.connection(j.args["--mysql_connection"]);
  if (connection) {
    scope["connection:mysql"] = [{ arn: connection.arn, account: connection.account, kmsKeyArn: catalogKey }];
    scope["secret:mysql"] = [{ arn: connection.secretArn, account: connection.secretArn.split(":")[4] }];
  }
  return caller("apply-job", role, starter.env.SOURCE, starter.env.TARGET, scope);
}

/** The catalog, the target's database and one of its tables, as `SPARK_NAMESPACE` (`glue_catalog.<db>`) names them. */
function catalogScope(model: StackModel, account: string, namespace: string): Record<string, Resolved[]> {
  const db = namespace.split(".")[1];
  const catalogKey = model.catalogKey(account);
  const glue = (what: string): Resolved[] => [
    { arn: `arn:aws:glue:${REGION}:${account}:${what}`, account, kmsKeyArn: catalogKey },
  ];
  return {
    "catalog:catalog": glue("catalog"),
    "catalog:database": glue(`database/${db}`),
    "catalog:table": glue(`table/${db}/dbo__customer`),
  };
}

/** The role the poller passes to Glue for its target's table optimizers: the target's warehouse and tables. */
function optimizerCaller(model: StackModel, fn: { inputs: Record<string, unknown> }, env: Record<string, string>): KindCaller {
  const role = model.role(env.TABLE_OPTIMIZER_ROLE_ARN);
  const job = model.jobs().find((j) => String(j.job.inputs.name) === env.JOB_NAME);
  const warehouse = job && /warehouse=s3:\/\/([^/]+)\//.exec(job.args["--conf"] ?? "");
  if (!warehouse) throw new Error(`poller ${String(fn.inputs.name)}: its apply job has no Iceberg warehouse`);
  const scope: Record<string, Resolved[]> = {
    ...catalogScope(model, role.account, env.SPARK_NAMESPACE),
    "bucket:publication": [model.bucket(warehouse[1])],
    "logs:optimizer": [
      {
        arn: `arn:aws:logs:${REGION}:${role.account}:log-group:/aws-glue/iceberg-compaction/logs:log-stream:x`,
        account: role.account,
      },
    ],
  };
  return caller("table-optimizer", role, env.SOURCE, env.TARGET, scope);
}

function caller(
  kind: Kind,
  role: Role,
  source: string,
  target: string | undefined,
  scope: Record<string, Resolved[]>,
): KindCaller {
  return { kind, role: { ...role, uniqueId: roleUniqueId(role.name) }, source, target, scope: new Map(Object.entries(scope)) };
}

/** `cdc-<env>-<source>-<kind>-<account>` (metadata/naming.ts): the source a bucket belongs to. */
function sourceOf(bucketName: string): string {
  return bucketName.split("-")[2] ?? "";
}
