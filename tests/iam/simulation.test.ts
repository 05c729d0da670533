/**
 * Every role of every stack may make every call its code declares (handlers/*.aws-calls.ts), on the exact ARNs the
 * program wires it to, with the resource's own policy and key policy evaluated and cross-account calls evaluated as
 * such. A denied call is listed with its role, action, resource and context.
 */
import { runStack, STACKS } from "../support/stack";
import { callersOf, KINDS } from "./callers";
import { deniedCalls } from "./simulate";
import { StackModel } from "./stack-model";

describe.each(STACKS)("IAM simulation of %s", (stack) => {
  let model: StackModel;
  beforeAll(async () => {
    model = new StackModel((await runStack(stack)).mocks.resources);
  }, 60_000);

  it("accounts for every role: each runs a handler, a Glue script or a DMS endpoint, or is DMS's own", () => {
    const { callers, excluded } = callersOf(model);
    expect(callers.length + excluded.length).toBe(model.roles.length);
    // Every caller kind the pipeline has appears (a stack without large-file jobs would drop one on purpose).
    expect(new Set(callers.map((c) => c.kind))).toEqual(new Set(Object.keys(KINDS)));
  });

  it("allows every declared call of every role", async () => {
    const denied: string[] = [];
    for (const caller of callersOf(model).callers) denied.push(...(await deniedCalls(model, caller, KINDS[caller.kind].calls)));
    expect(denied).toEqual([]);
  }, 60_000);
});
