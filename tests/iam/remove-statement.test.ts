/**
 * The simulation fails when a real statement goes: take one statement out of a deployed policy and exactly the
 * declared calls that statement granted are reported denied, nothing else. This is the proof that the passing
 * simulation (tests/iam/simulation.test.ts) rests on the policies, not on the harness.
 */
import { runStack } from "../support/stack";
import { callersOf, KINDS } from "./callers";
import { deniedCalls, requestsFor, simulate, withoutStatement } from "./simulate";
import { StackModel, type Caller, type PolicyDoc } from "./stack-model";

describe("removing one statement makes exactly its calls fail", () => {
  // prod: the lake is another account, so the harmonized bucket's policy decides too.
  const models: Record<string, StackModel> = {};
  beforeAll(async () => {
    for (const stack of ["dev", "prod"] as const) models[stack] = new StackModel((await runStack(stack)).mocks.resources);
  }, 60_000);

  const validateCaller = (stack: string): Caller => {
    const found = callersOf(models[stack]).callers.filter((c) => c.kind === "validate");
    expect(found.length).toBeGreaterThan(0);
    return found[0];
  };
  /** The role's inline policies with statement `sid` taken out of whichever policy holds it. */
  const without = (caller: Caller, sid: string): Record<string, PolicyDoc> =>
    Object.fromEntries(
      Object.entries(caller.role.policies).map(([name, doc]) => [
        name,
        doc.Statement.some((s) => s.Sid === sid) ? withoutStatement(doc, sid) : doc,
      ]),
    );

  it("all of the validate role's calls are allowed as deployed", async () => {
    for (const stack of ["dev", "prod"])
      expect(await deniedCalls(models[stack], validateCaller(stack), KINDS.validate.calls)).toEqual([]);
  });

  it("without its SendValidatedFiles statement, the validate role can no longer announce a harmonized file", async () => {
    const caller = validateCaller("prod");
    const denied = await deniedCalls(models.prod, caller, KINDS.validate.calls, without(caller, "SendValidatedFiles"));
    const queue = caller.scope.get("queue:validated")?.[0].arn;
    expect(denied).toEqual([`${caller.role.name} sqs:SendMessage ${queue}: ImplicitlyDenied`]);
  });

  it("without WriteAndVerifyHarmonized, exactly the harmonized object reads and writes fail", async () => {
    const caller = validateCaller("prod");
    const denied = await deniedCalls(models.prod, caller, KINDS.validate.calls, without(caller, "WriteAndVerifyHarmonized"));
    const object = `${caller.scope.get("bucket:harmonized")?.[0].arn}/dbo/Customer/20260101-120000000.parquet`;
    expect(denied).toEqual([
      `${caller.role.name} s3:GetObject ${object}: ImplicitlyDenied`,
      `${caller.role.name} s3:PutObject ${object}: ImplicitlyDenied`,
    ]);
  });

  it("across accounts the bucket policy must name the role too; in one account the role's own policy suffices", async () => {
    const put = { action: "s3:PutObject", on: { bucket: "harmonized" as const, key: "dbo/Customer/x.parquet" }, why: "" };
    const outcome = async (stack: string) => {
      const caller = validateCaller(stack);
      const [request] = requestsFor(models[stack], caller, put);
      const policy = request.resource.resourcePolicy as PolicyDoc;
      const stripped = {
        ...request,
        resource: { ...request.resource, resourcePolicy: withoutStatement(policy, "ValidateRoleWritesHarmonized") },
      };
      return [(await simulate(caller, request)).result, (await simulate(caller, stripped)).result];
    };
    expect(await outcome("prod")).toEqual(["Allowed", "ImplicitlyDenied"]);
    expect(await outcome("dev")).toEqual(["Allowed", "Allowed"]);
  });

  it("without StopAndResumeTheTask or EncryptDeadLetters, the DMS schedule's role loses exactly those calls", async () => {
    const [caller] = callersOf(models.dev).callers.filter((c) => c.kind === "dms-scheduler");
    const calls = KINDS["dms-scheduler"].calls;
    expect(await deniedCalls(models.dev, caller, calls)).toEqual([]);
    const task = caller.scope.get("dms:task")?.[0].arn;
    expect(task).toBe("arn:aws:dms:eu-west-2:111111111111:task:DEVSALESDMSTASK");
    expect(await deniedCalls(models.dev, caller, calls, without(caller, "StopAndResumeTheTask"))).toEqual([
      `${caller.role.name} dms:StartReplicationTask ${task}: ImplicitlyDenied`,
      `${caller.role.name} dms:StopReplicationTask ${task}: ImplicitlyDenied`,
    ]);
    const denied = await deniedCalls(models.dev, caller, calls, without(caller, "EncryptDeadLetters"));
    expect(denied.map((d) => d.split(" ")[1])).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
  });

  it("across accounts the lake key's policy must name the role: without it, writing harmonized fails at KMS", async () => {
    const caller = validateCaller("prod");
    const put = { action: "s3:PutObject", on: { bucket: "harmonized" as const, key: "dbo/Customer/x.parquet" }, why: "" };
    const [, generateDataKey] = requestsFor(models.prod, caller, put);
    expect(generateDataKey.action).toBe("kms:GenerateDataKey");
    const keyPolicy = generateDataKey.resource.resourcePolicy as PolicyDoc;
    const stripped = { ...generateDataKey.resource, resourcePolicy: withoutStatement(keyPolicy, "PipelineRolesUse") };
    expect((await simulate(caller, generateDataKey)).allowed).toBe(true);
    expect((await simulate(caller, { ...generateDataKey, resource: stripped })).allowed).toBe(false);
  });
});
