/**
 * The IAM-relevant view of a stack's recorded resources: every role with its inline policies, and every resource a
 * declared call can name, with its exact ARN, its account, its resource policy and the KMS key it is encrypted with.
 *
 * Roles are found by what runs with them, never by resource names (components get renamed; URNs keep aliases, child
 * names do not): a Lambda function's `role`, a Glue job's `roleArn`, a DMS endpoint's access role. Which handler a
 * function runs is told by the environment it reads (each handler's required variables), which Glue script a job
 * runs by its script location. A declaration's resource names resolve through the same wiring the code uses at run
 * time: the function's environment variables, its SQS event source, the bucket notifying that queue, the job's
 * arguments, and for a Glue job the Lambda that starts it (whose environment names the buckets its manifests name).
 */
import type { AwsCall, AwsResource } from "../../handlers/aws-calls";
import type { RecordedResource } from "../support/pulumi-mocks";

export interface PolicyDoc {
  Version?: string;
  Statement: Statement[];
}
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface Resolved {
  arn: string;
  account: string;
  resourcePolicy?: PolicyDoc;
  /** The customer-managed key the resource's data is encrypted with (SSE-KMS), if any. */
  kmsKeyArn?: string;
}

export interface Role {
  name: string;
  arn: string;
  account: string;
  uniqueId?: string;
  /** Inline policies by name: the identity policies the simulation evaluates. */
  policies: Record<string, PolicyDoc>;
  /** Managed policy ARNs attached; the simulation cannot evaluate AWS's own managed policies. */
  managed: string[];
}

/** What a role runs: the declaration to prove, and the names its calls resolve to. */
export interface Caller {
  kind: string;
  role: Role;
  source: string;
  target?: string;
  /** Names of the vocabulary (handlers/aws-calls.ts) resolved for this caller; queues may resolve to several. */
  scope: Map<string, Resolved[]>;
}

export const REGION = "eu-west-2";

export class StackModel {
  readonly roles: Role[];
  private readonly byType = new Map<string, RecordedResource[]>();

  constructor(readonly resources: readonly RecordedResource[]) {
    for (const r of resources) this.byType.set(r.type, [...(this.byType.get(r.type) ?? []), r]);
    this.roles = this.of("aws:iam/role:Role").map((r) => {
      const name = String(r.inputs.name);
      const account = this.accountOf(r);
      const policies = Object.fromEntries(
        this.of("aws:iam/rolePolicy:RolePolicy")
          .filter((p) => p.inputs.role === name && this.accountOf(p) === account)
          .map((p) => [String(p.inputs.name), parse(p.inputs.policy)]),
      );
      const managed = this.of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((p) => p.inputs.role === name && this.accountOf(p) === account)
        .map((p) => String(p.inputs.policyArn));
      return { name, arn: `arn:aws:iam::${account}:role/${name}`, account, policies, managed };
    });
  }

  of(type: string): RecordedResource[] {
    return this.byType.get(type) ?? [];
  }

  /** The account a resource is declared in: its explicit provider's single allowed account. */
  accountOf(r: RecordedResource): string {
    const provider = this.resources.find((p) => p.urn === r.provider);
    const ids = provider ? JSON.parse(String(provider.inputs.allowedAccountIds ?? "[]")) : [];
    if (!Array.isArray(ids) || ids.length !== 1) throw new Error(`${r.urn}: no single-account provider`);
    return String(ids[0]);
  }

  role(arn: string): Role {
    const role = this.roles.find((r) => r.arn === arn);
    if (!role) throw new Error(`no recorded role ${arn}`);
    return role;
  }

  bucket(name: string): Resolved {
    const b = this.of("aws:s3/bucket:Bucket").find((r) => r.inputs.bucket === name);
    if (!b) throw new Error(`no recorded bucket ${name}`);
    const policy = this.of("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.inputs.bucket === name);
    const sse = this.of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find(
      (e) => e.inputs.bucket === name,
    );
    const rules = (sse?.inputs.rules ?? []) as { applyServerSideEncryptionByDefault?: { kmsMasterKeyId?: string } }[];
    return {
      arn: `arn:aws:s3:::${name}`,
      account: this.accountOf(b),
      resourcePolicy: policy && parse(policy.inputs.policy),
      kmsKeyArn: rules[0]?.applyServerSideEncryptionByDefault?.kmsMasterKeyId,
    };
  }

  /** A queue by URL or ARN. */
  queue(urlOrArn: string): Resolved {
    const [account, name] = urlOrArn.startsWith("arn:")
      ? urlOrArn.split(":").slice(4)
      : new URL(urlOrArn).pathname.split("/").slice(1);
    const q = this.of("aws:sqs/queue:Queue").find((r) => r.inputs.name === name && this.accountOf(r) === account);
    if (!q) throw new Error(`no recorded queue ${urlOrArn}`);
    const url = `https://sqs.${REGION}.amazonaws.com/${account}/${name}`;
    const policy = this.of("aws:sqs/queuePolicy:QueuePolicy").find((p) => p.inputs.queueUrl === url);
    return {
      arn: `arn:aws:sqs:${REGION}:${account}:${name}`,
      account,
      resourcePolicy: policy && parse(policy.inputs.policy),
      kmsKeyArn: q.inputs.kmsMasterKeyId as string | undefined,
    };
  }

  topic(arn: string): Resolved {
    const account = arn.split(":")[4];
    const t = this.of("aws:sns/topic:Topic").find((r) => r.inputs.name === arn.split(":")[5] && this.accountOf(r) === account);
    if (!t) throw new Error(`no recorded topic ${arn}`);
    const policy = this.of("aws:sns/topicPolicy:TopicPolicy").find((p) => p.inputs.arn === arn);
    return {
      arn,
      account,
      resourcePolicy: policy && parse(policy.inputs.policy),
      kmsKeyArn: t.inputs.kmsMasterKeyId as string | undefined,
    };
  }

  /**
   * A Secrets Manager secret by ARN, with the resource policy the stack declares on it, if any. The secret itself is
   * not the stack's (config names it), so its key is unknown here: the derived KMS call is not simulated.
   */
  secret(arn: string): Resolved {
    const policy = this.of("aws:secretsmanager/secretPolicy:SecretPolicy").find((p) => p.inputs.secretArn === arn);
    return { arn, account: arn.split(":")[4], resourcePolicy: policy && parse(policy.inputs.policy) };
  }

  /**
   * A KMS key by ARN, with its key policy. The mocks shape a key's ARN as `…:key/<resource name>` (AWS's is a random
   * id), so the key is found by that last segment in the ARN's account.
   */
  kmsKey(arn: string): Resolved {
    const account = arn.split(":")[4];
    const k = this.of("aws:kms/key:Key").find((r) => arn.endsWith(`:key/${r.name}`) && this.accountOf(r) === account);
    if (!k) throw new Error(`no recorded KMS key ${arn}`);
    return { arn, account, resourcePolicy: parse(k.inputs.policy) };
  }

  /** The key encrypting `account`'s Glue Data Catalog, when the stack declares its encryption settings. */
  catalogKey(account: string): string | undefined {
    const settings = this.of("aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings").find(
      (r) => this.accountOf(r) === account,
    );
    const s = settings?.inputs.dataCatalogEncryptionSettings as
      { encryptionAtRest?: { sseAwsKmsKeyId?: string }; connectionPasswordEncryption?: { awsKmsKeyId?: string } } | undefined;
    return s?.encryptionAtRest?.sseAwsKmsKeyId;
  }

  function(roleArn: string): RecordedResource | undefined {
    return this.of("aws:lambda/function:Function").find((f) => f.inputs.role === roleArn);
  }

  functions(): { fn: RecordedResource; env: Record<string, string> }[] {
    return this.of("aws:lambda/function:Function").map((fn) => ({
      fn,
      env: ((fn.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<
        string,
        string
      >,
    }));
  }

  /** The queue a function is triggered by (its SQS event source mapping). */
  eventSourceQueue(fn: RecordedResource): string | undefined {
    const fnArn = `arn:aws:lambda:${REGION}:${this.accountOf(fn)}:function:${String(fn.inputs.name)}`;
    const esm = this.of("aws:lambda/eventSourceMapping:EventSourceMapping").find((m) => m.inputs.functionName === fnArn);
    return esm?.inputs.eventSourceArn as string | undefined;
  }

  /** The bucket whose event notifications go to `queueArn`. */
  notifyingBucket(queueArn: string): string | undefined {
    const n = this.of("aws:s3/bucketNotification:BucketNotification").find((b) =>
      ((b.inputs.queues ?? []) as { queueArn?: string }[]).some((q) => q.queueArn === queueArn),
    );
    return n?.inputs.bucket as string | undefined;
  }

  /** Glue jobs with their role, script location and default arguments. */
  jobs(): { job: RecordedResource; script: string; args: Record<string, string> }[] {
    return this.of("aws:glue/job:Job").map((job) => ({
      job,
      script: String((job.inputs.command as { scriptLocation?: string }).scriptLocation),
      args: (job.inputs.defaultArguments ?? {}) as Record<string, string>,
    }));
  }

  /**
   * A Glue connection by name, with its ARN as the mocks make it (`…:connection/<resource name>`, the ARN the job's
   * policy was rendered with) and the secret it names.
   */
  connection(name: string): { arn: string; account: string; secretArn: string } | undefined {
    const c = this.of("aws:glue/connection:Connection").find((r) => r.inputs.name === name);
    if (!c) return undefined;
    const account = this.accountOf(c);
    const props = unsecret(c.inputs.connectionProperties) as Record<string, string>;
    return { arn: `arn:aws:glue:${REGION}:${account}:connection/${c.name}`, account, secretArn: props.SECRET_ID };
  }
}

/** The ARN a declared call names for `caller`, and its account and policies; several for a name bound to several. */
export function resolveResource(caller: Caller, call: AwsCall): Resolved[] | undefined {
  const on: AwsResource = call.on;
  const fill = (s: string) => s.replace(/\{source\}/g, caller.source).replace(/\{target\}/g, caller.target ?? "{target}");
  const scoped = (name: string) => caller.scope.get(name);
  if ("bucket" in on) {
    const buckets = scoped(`bucket:${on.bucket}`);
    if (!buckets) return undefined;
    return "key" in on ? buckets.map((b) => ({ ...b, arn: `${b.arn}/${fill(on.key)}` })) : buckets;
  }
  if ("queue" in on) return scoped(`queue:${on.queue}`);
  if ("topic" in on) return scoped("topic:alerts");
  if ("glueJob" in on) return scoped(`job:${on.glueJob}`);
  if ("glueCatalog" in on) return scoped(`catalog:${on.glueCatalog}`);
  if ("glueConnection" in on) return scoped("connection:mysql");
  if ("secret" in on) return scoped(`secret:${on.secret}`);
  if ("dmsTask" in on) return scoped("dms:task");
  if ("logStream" in on) return scoped(`logs:${on.logStream}`);
  if ("role" in on) return scoped(`role:${on.role}`);
  return [{ arn: "*", account: caller.role.account }];
}

export function fillContext(caller: Caller, context: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const fill = (s: string) => s.replace(/\{source\}/g, caller.source).replace(/\{target\}/g, caller.target ?? "{target}");
  return Object.fromEntries(Object.entries(context).map(([k, v]) => [k, Array.isArray(v) ? v.map(fill) : fill(v)]));
}

/** Pulumi's wire form of a secret value (`{<signature>: <secret sig>, value}`), unwrapped. */
function unsecret(value: unknown): unknown {
  const v = value as Record<string, unknown> | undefined;
  return v && v["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" ? v.value : value;
}

export function parse(policy: unknown): PolicyDoc {
  if (typeof policy !== "string") throw new Error(`policy is not a rendered JSON document: ${JSON.stringify(policy)}`);
  return JSON.parse(policy) as PolicyDoc;
}
