/**
 * A strict stand-in for the Pulumi engine (DESIGN §8): every resource registration is recorded with its type, name,
 * inputs, parent and provider; every invoke must be mocked explicitly or the test fails, so a component cannot quietly
 * start depending on a lookup that needs real credentials.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** URN of the parent resource; undefined for resources parented to the stack. */
  parent?: string;
  /** URN of the explicit provider; undefined when the resource would use a default provider. */
  provider?: string;
  custom: boolean;
}

export type InvokeMock = (inputs: Record<string, unknown>) => Record<string, unknown>;
export type OutputsMock = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;

export interface StrictMocksOptions {
  /** Allowed invokes by token (`aws:index/getCallerIdentity:getCallerIdentity`); anything else throws. */
  invokes?: Record<string, InvokeMock>;
  /** Extra output properties per resource, as the provider would compute them (ARNs, ids, endpoints). */
  outputs?: OutputsMock;
  /** Region and account used for computed ARNs. */
  region?: string;
  accountId?: string;
}

interface MonitorLike {
  registerResource(req: { getParent(): string }, callback: unknown): unknown;
}

export class StrictMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  /** Failures the program may not surface itself (an unmocked invoke nobody awaited still fails the test). */
  readonly errors: string[] = [];
  private pendingParent: string | undefined;
  private project = "project";
  private stack = "stack";

  constructor(private readonly options: StrictMocksOptions = {}) {}

  /** Installs these mocks as the Pulumi runtime's engine. */
  async install(project: string, stack: string, preview = false): Promise<void> {
    this.project = project;
    this.stack = stack;
    await pulumi.runtime.setMocks(this, project, stack, preview);
    // The mock monitor does not pass the parent to newResource; capture it on the way in. newResource runs
    // synchronously inside registerResource, so the captured value belongs to the call being made.
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      this.pendingParent = req.getParent() || undefined;
      try {
        return register(req, callback);
      } finally {
        this.pendingParent = undefined;
      }
    };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const parent = this.pendingParent;
    const record: RecordedResource = {
      urn: this.urnFor(parent, args.type, args.name),
      type: args.type,
      name: args.name,
      inputs: args.inputs,
      parent,
      provider: args.provider ? args.provider.slice(0, args.provider.lastIndexOf("::")) : undefined,
      custom: args.custom ?? true,
    };
    this.resources.push(record);
    const id = args.custom === false ? undefined : (args.id ?? `${args.name}-id`);
    const extra =
      this.options.outputs?.(args) ??
      defaultOutputs(args, this.options.region ?? "eu-west-2", this.options.accountId ?? "123456789012");
    return { id, state: { ...args.inputs, ...extra } };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const mock = this.options.invokes?.[args.token];
    if (!mock) {
      const message = `unmocked invoke ${args.token}(${JSON.stringify(args.inputs)}): add it to the test's invokes`;
      this.errors.push(message);
      throw new Error(message);
    }
    return mock(args.inputs);
  }

  /** Same URN scheme as Pulumi's MockMonitor: the parent's own type qualifies the child's. */
  private urnFor(parent: string | undefined, type: string, name: string): string {
    const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${this.stack}::${this.project}::${qualified}::${name}`;
  }
}

/**
 * Waits until every resource registration and invoke the program started has been answered. `waitForRPCs` is internal
 * to the SDK (absent from its typings) but is exactly what the language host awaits before it disconnects.
 */
export async function settle(): Promise<void> {
  const settings: unknown = await import("@pulumi/pulumi/runtime/settings");
  await (settings as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** An ARN shaped like the real one for the resource's service, so policies and references built from it look right. */
function defaultOutputs(args: pulumi.runtime.MockResourceArgs, region: string, accountId: string): Record<string, unknown> {
  const [pkg, mod] = args.type.split(":");
  if (pkg !== "aws" || args.custom === false) return {};
  const service = mod.split("/")[0];
  const kind = args.type.split(":")[2]?.toLowerCase() ?? "resource";
  const arn =
    service === "s3"
      ? `arn:aws:s3:::${args.name}`
      : `arn:aws:${service}:${service === "iam" ? "" : region}:${accountId}:${kind}/${args.name}`;
  return { arn };
}
