/**
 * Runs the policy pack's rules the way the Pulumi policy engine calls them, over resources recorded by the strict
 * mocks or built by hand: resource rules once per resource, stack rules once with every resource.
 */
import type {
  Policies,
  PolicyProviderResource,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { RecordedResource } from "../support/pulumi-mocks";

export interface Violation {
  policy: string;
  message: string;
  urn?: string;
}

/** A resource as a test writes it: type, name and props (inputs), and optionally the name of its provider among them. */
export interface HandResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  provider?: string;
}

function unsupported(): never {
  throw new Error("isType/asType are not used by the cdc policies");
}

const urnOf = (r: HandResource | RecordedResource) =>
  "urn" in r ? r.urn : `urn:pulumi:test::cdc-pipelines::${r.type}::${r.name}`;

/**
 * A resource as the engine hands it to a policy, with its provider's type, name and settings the way the engine sends
 * them (a recorded resource names its provider by URN, a hand-written one by name).
 */
export function policyResource(
  r: HandResource | RecordedResource,
  all: ReadonlyArray<HandResource | RecordedResource> = [],
): PolicyResource {
  const props = "props" in r ? r.props : r.inputs;
  const p = r.provider === undefined ? undefined : all.find((x) => urnOf(x) === r.provider || x.name === r.provider);
  const provider: PolicyProviderResource | undefined = p && {
    type: p.type,
    name: p.name,
    urn: urnOf(p),
    props: "props" in p ? p.props : p.inputs,
  };
  return {
    type: r.type,
    name: r.name,
    urn: urnOf(r),
    props,
    provider,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    dependencies: [],
    propertyDependencies: {},
    isType: unsupported,
    asType: unsupported,
  };
}

function resourceArgs(r: PolicyResource): ResourceValidationArgs {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.props,
    opts: r.opts,
    provider: r.provider,
    stackTags: new Map(),
    isType: unsupported,
    asType: unsupported,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string) => {
      throw new Error(`notApplicable(${reason ?? ""}) is not used by the cdc policies`);
    },
  };
}

/** Every violation the policies report over `resources`. */
export async function checkPolicies(policies: Policies, resources: Array<HandResource | RecordedResource>): Promise<Violation[]> {
  const all = resources.map((r) => policyResource(r, resources));
  const violations: Violation[] = [];
  for (const p of policies) {
    if ("validateStack" in p) {
      await (p as StackValidationPolicy).validateStack(
        {
          resources: all,
          stackTags: new Map(),
          getConfig: <T extends object>() => ({}) as T,
          notApplicable: (reason?: string) => {
            throw new Error(`notApplicable(${reason ?? ""}) is not used by the cdc policies`);
          },
        },
        (message, urn) => violations.push({ policy: p.name, message, urn }),
      );
      continue;
    }
    const validations = (p as ResourceValidationPolicy).validateResource;
    for (const r of all) {
      for (const validate of Array.isArray(validations) ? validations : validations ? [validations] : []) {
        await validate(resourceArgs(r), (message) => violations.push({ policy: p.name, message, urn: r.urn }));
      }
    }
  }
  return violations;
}
