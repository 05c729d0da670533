/**
 * Calls a role must not be able to make, simulated on every stack with the same policies, resource policies and
 * context as the allowed ones (tests/iam/simulation.test.ts), so a denial here is IAM's answer, not a missing grant
 * of the simulation's own making.
 */
import type { AwsCall } from "../../handlers/aws-calls";
import { roleUniqueId } from "../support/pulumi-mocks";
import { runStack, STACKS } from "../support/stack";
import { callersOf, type Kind } from "./callers";
import { requestsFor, simulate } from "./simulate";
import type { Caller, Resolved, StackModel } from "./stack-model";
import { StackModel as Model } from "./stack-model";

const OBJECT = "dbo/Customer/20260101-120000000.parquet";

describe.each(STACKS)("IAM denials in %s", (stack) => {
  let model: StackModel;
  let callers: Caller[];
  beforeAll(async () => {
    model = new Model((await runStack(stack)).mocks.resources);
    callers = callersOf(model).callers;
  }, 60_000);

  const ofKind = (kind: Kind) => callers.filter((c) => c.kind === kind);
  /** Every bucket (or queue) some caller binds to `name`, once. */
  const bound = (name: string): Resolved[] => {
    const all = callers.flatMap((c) => c.scope.get(name) ?? []);
    return all.filter((r, i) => all.findIndex((o) => o.arn === r.arn) === i);
  };
  /** Whether `caller` may make `action` on `resource` (the direct request only: no derived KMS call). */
  const allowed = async (caller: Caller, action: string, resource: Resolved): Promise<boolean> =>
    (await simulate(caller, { action, resource, context: {}, why: "denial check" })).allowed;
  const objectOf = (bucket: Resolved): Resolved => ({ ...bucket, arn: `${bucket.arn}/${OBJECT}` });

  it("the validate role cannot delete harmonized objects", async () => {
    expect(ofKind("validate").length).toBeGreaterThan(0);
    for (const caller of ofKind("validate"))
      for (const bucket of bound("bucket:harmonized"))
        expect(await allowed(caller, "s3:DeleteObject", objectOf(bucket))).toBe(false);
  });

  it("the poller cannot read raw", async () => {
    expect(ofKind("poll").length).toBeGreaterThan(0);
    for (const caller of ofKind("poll"))
      for (const bucket of bound("bucket:raw")) expect(await allowed(caller, "s3:GetObject", objectOf(bucket))).toBe(false);
  });

  it("the apply job cannot write raw", async () => {
    expect(ofKind("apply-job").length).toBeGreaterThan(0);
    for (const caller of ofKind("apply-job"))
      for (const bucket of bound("bucket:raw")) {
        expect(await allowed(caller, "s3:PutObject", objectOf(bucket))).toBe(false);
        expect(await allowed(caller, "s3:DeleteObject", objectOf(bucket))).toBe(false);
      }
  });

  it("only the writer role of a source writes its harmonized bucket: no other role of the stack", async () => {
    const writes: string[] = [];
    for (const bucket of bound("bucket:harmonized"))
      for (const caller of callers)
        if (await allowed(caller, "s3:PutObject", objectOf(bucket)))
          writes.push(`${caller.kind} ${caller.role.name} → ${bucket.arn}`);
    // Exactly one writer per harmonized bucket: the validate role whose HARMONIZED_BUCKET it is.
    const expected = ofKind("validate").flatMap((c) =>
      (c.scope.get("bucket:harmonized") ?? []).map((b) => `validate ${c.role.name} → ${b.arn}`),
    );
    expect(writes.sort()).toEqual(expected.sort());
  });

  it("only the large-file job's role sends verdicts: the queue admits it and the reconciler, the Lambda trusts only it", async () => {
    const senders: string[] = [];
    for (const queue of bound("queue:validation"))
      for (const caller of callers)
        if (await allowed(caller, "sqs:SendMessage", queue)) senders.push(`${caller.kind} ${caller.role.name} → ${queue.arn}`);
    const expected = [...ofKind("large-file-job"), ...ofKind("reconcile")].flatMap((c) =>
      (c.scope.get("queue:validation") ?? []).map((q) => `${c.kind} ${c.role.name} → ${q.arn}`),
    );
    expect(senders.sort()).toEqual(expected.sort());
    // Of those two senders, the validate Lambda counts a verdict only with SQS's SenderId of the job's role.
    for (const validate of ofKind("validate")) {
      const env = validateEnv(model, validate);
      const job = ofKind("large-file-job").find(
        (j) => j.scope.get("queue:validation")?.[0].arn === validate.scope.get("queue:validation")?.[0].arn,
      );
      expect(job).toBeDefined();
      expect(env.LARGE_FILE_JOB_ROLE_ID).toBe(roleUniqueId(job?.role.name ?? ""));
    }
  });

  it("an administrator of the ingestion account with sqs:* on * still cannot send a verdict", async () => {
    // The queue policy's deny names who may send; an identity policy, however broad, cannot get past it.
    for (const queue of bound("queue:validation")) {
      const admin = {
        role: {
          name: "admin",
          arn: `arn:aws:iam::${queue.account}:role/admin`,
          account: queue.account,
          policies: { all: { Version: "2012-10-17", Statement: [{ Effect: "Allow" as const, Action: "sqs:*", Resource: "*" }] } },
          managed: [],
        },
      };
      expect((await simulate(admin, { action: "sqs:SendMessage", resource: queue, context: {}, why: "admin" })).allowed).toBe(
        false,
      );
      expect((await simulate(admin, { action: "sqs:ReceiveMessage", resource: queue, context: {}, why: "admin" })).allowed).toBe(
        true,
      );
    }
  });

  it("a notifier reading the webhook secret from another account needs the secret's policy; no other role reads it", async () => {
    const notifiers = ofKind("notify");
    expect(notifiers.length).toBeGreaterThan(0);
    for (const caller of notifiers) {
      const [secret] = caller.scope.get("secret:slack-webhook") ?? [];
      expect(await allowed(caller, "secretsmanager:GetSecretValue", secret)).toBe(true);
      // Across accounts, IAM alone is not enough: without the policy the stack declares, the secret's account refuses.
      if (secret.account !== caller.role.account)
        expect(await allowed(caller, "secretsmanager:GetSecretValue", { ...secret, resourcePolicy: undefined })).toBe(false);
      for (const other of callers.filter((c) => c.kind !== "notify"))
        expect(await allowed(other, "secretsmanager:GetSecretValue", secret)).toBe(false);
    }
  });

  it("every call over plain HTTP is denied by the bucket policies", async () => {
    for (const caller of ofKind("validate")) {
      const call: AwsCall = { action: "s3:PutObject", on: { bucket: "harmonized", key: OBJECT }, why: "TLS check" };
      const [request] = requestsFor(model, caller, call);
      const plain = { ...request, context: { "aws:SecureTransport": "false" } };
      expect((await simulate(caller, request)).allowed).toBe(true);
      expect((await simulate(caller, plain)).allowed).toBe(false);
    }
  });
});

function validateEnv(model: StackModel, caller: Caller): Record<string, string> {
  const fn = model.function(caller.role.arn);
  return ((fn?.inputs.environment as { variables?: Record<string, string> })?.variables ?? {}) as Record<string, string>;
}
