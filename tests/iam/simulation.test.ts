/**
 * Every role of every stack may make every call its code declares (handlers/*.aws-calls.ts), on the exact ARNs the
 * program wires it to, with the resource's own policy and key policy evaluated and cross-account calls evaluated as
 * such. A denied call is listed with its role, action, resource and context.
 */
import { runStack, STACKS } from "../support/stack";
import { callersOf, KINDS, OPTIONAL_KINDS, type Kind } from "./callers";
import { deniedCalls, requestsFor, simulateService } from "./simulate";
import { REGION, StackModel } from "./stack-model";

/** The service that assumes each kind's role: a role its runner cannot assume makes every call above moot. */
const ASSUMED_BY: Record<Kind, string> = {
  validate: "lambda.amazonaws.com",
  poll: "lambda.amazonaws.com",
  "fan-out": "lambda.amazonaws.com",
  reconcile: "lambda.amazonaws.com",
  notify: "lambda.amazonaws.com",
  "dms-reconcile": "lambda.amazonaws.com",
  "apply-job": "glue.amazonaws.com",
  "large-file-job": "glue.amazonaws.com",
  "dms-target": "dms.amazonaws.com",
  // DMS reads Secrets Manager through its regional service principal (AWS DMS user guide).
  "dms-secrets": `dms.${REGION}.amazonaws.com`,
  "dms-scheduler": "scheduler.amazonaws.com",
  "table-optimizer": "glue.amazonaws.com",
};

describe.each(STACKS)("IAM simulation of %s", (stack) => {
  let model: StackModel;
  beforeAll(async () => {
    model = new StackModel((await runStack(stack)).mocks.resources);
  }, 60_000);

  it("accounts for every role: each runs a handler, a Glue script or a DMS endpoint, or is DMS's own", () => {
    const { callers, excluded } = callersOf(model);
    expect(callers.length + excluded.length).toBe(model.roles.length);
    // Every caller kind the pipeline has appears (a stack without large-file jobs would drop one on purpose); the
    // optional ones exactly where the stack file asks for them.
    const present = new Set(callers.map((c) => c.kind));
    expect([...present].filter((k) => !OPTIONAL_KINDS.has(k)).sort()).toEqual(
      Object.keys(KINDS)
        .filter((k) => !OPTIONAL_KINDS.has(k as Kind))
        .sort(),
    );
    expect(present.has("dms-scheduler")).toBe(stack === "dev");
  });

  it("allows every declared call of every role", async () => {
    const denied: string[] = [];
    for (const caller of callersOf(model).callers) denied.push(...(await deniedCalls(model, caller, KINDS[caller.kind].calls)));
    expect(denied).toEqual([]);
  }, 60_000);

  it("exercises every declared call on some role: none is skipped for want of a resource", () => {
    // A call made only with a resource (`onlyWith`) is skipped where that resource is absent; the stacks deploy every
    // such resource somewhere (a large-file job, a MySQL target), so each call must reach a request at least once.
    const unexercised: string[] = [];
    const callers = callersOf(model).callers;
    const kinds = new Set(callers.map((c) => c.kind));
    for (const [kind, { calls }] of Object.entries(KINDS).filter(([k]) => kinds.has(k as Kind) || !OPTIONAL_KINDS.has(k as Kind)))
      for (const call of calls)
        if (!callers.filter((c) => c.kind === kind).some((c) => requestsFor(model, c, call).length > 0))
          unexercised.push(`${kind}: ${call.action} ${JSON.stringify(call.on)}`);
    expect(unexercised).toEqual([]);
  });

  it("each role is assumable by the service that runs it, and by no other service or principal", async () => {
    const problems: string[] = [];
    for (const caller of callersOf(model).callers) {
      const role = model.of("aws:iam/role:Role").find((r) => r.inputs.name === caller.role.name);
      const trust = {
        arn: caller.role.arn,
        account: caller.role.account,
        resourcePolicy: JSON.parse(String(role?.inputs.assumeRolePolicy)),
      };
      const assume = (principal: string) =>
        simulateService(principal, {
          action: "sts:AssumeRole",
          resource: trust,
          context: { "aws:SourceAccount": caller.role.account },
          why: "trust",
        });
      if (!(await assume(ASSUMED_BY[caller.kind])).allowed)
        problems.push(`${ASSUMED_BY[caller.kind]} cannot assume ${caller.role.name}`);
      for (const other of ["ec2.amazonaws.com", `arn:aws:iam::${caller.role.account}:role/someone-else`])
        if ((await assume(other)).allowed) problems.push(`${other} can assume ${caller.role.name}`);
    }
    expect(problems).toEqual([]);
  });
});
