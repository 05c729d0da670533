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
  /** URNs the resource depends on (explicit `dependsOn`, expanded to a component's children, and its inputs' sources). */
  dependencies?: string[];
  /** The `protect` option as the engine receives it (a child inherits its parent's when it sets none). */
  protect: boolean;
  /** The `retainOnDelete` option as the engine receives it: removing the resource from the program leaves it in AWS. */
  retainOnDelete: boolean;
  /** The `providers` option by package (`aws` → provider URN), as a component (awsx's VPC) hands them to its children. */
  providers: Record<string, string>;
  /** The `aliases` option as the engine receives it (specs; tests/support/urns.ts resolves them as the engine does). */
  aliases: AliasSpec[];
}

/** One alias as the SDK sends it: a whole URN, or a spec whose empty fields default to the resource's own. */
export interface AliasSpec {
  urn?: string;
  name?: string;
  type?: string;
  /** The old parent's URN; `noParent` when the resource used to have none. */
  parentUrn?: string;
  noParent?: boolean;
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
  /**
   * Milliseconds before each registration is answered, as a real engine answers over gRPC after a provider's check and
   * diff; by default the answer comes within the same turn of the event loop.
   */
  answerAfterMs?: number;
}

interface AliasLike {
  getUrn(): string;
  getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

interface RegisterRequestLike {
  getAliasesList(): AliasLike[];
  getProvidersMap(): { toObject(): Array<[string, string]> };
  getParent(): string;
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
}

interface MonitorLike {
  registerResource(req: RegisterRequestLike, callback: unknown): unknown;
}

/** What the engine receives with a registration that the mocks' newResource is not told. */
interface PendingRegistration {
  parent?: string;
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  aliases: AliasSpec[];
  providers: Record<string, string>;
}

const NO_REGISTRATION: PendingRegistration = {
  dependencies: [],
  protect: false,
  retainOnDelete: false,
  aliases: [],
  providers: {},
};

export class StrictMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  /** Registrations as the engine received and answered them, in order (answers come late with `answerAfterMs`). */
  readonly timeline: Array<{ event: "received" | "answered"; urn: string }> = [];
  /** Failures the program may not surface itself (an unmocked invoke nobody awaited still fails the test). */
  readonly errors: string[] = [];
  private pending: PendingRegistration = NO_REGISTRATION;
  private project = "project";
  private stack = "stack";

  constructor(private readonly options: StrictMocksOptions = {}) {}

  /** Installs these mocks as the Pulumi runtime's engine. */
  async install(project: string, stack: string, preview = false): Promise<void> {
    this.project = project;
    this.stack = stack;
    await pulumi.runtime.setMocks(this, project, stack, preview);
    // The mock monitor does not pass the parent or the resource options to newResource; capture them on the way in.
    // newResource runs synchronously inside registerResource, so the captured values belong to the call being made.
    const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      this.pending = {
        parent: req.getParent() || undefined,
        dependencies: req.getDependenciesList(),
        protect: req.getProtect() ?? false,
        retainOnDelete: req.getRetainondelete() ?? false,
        aliases: req.getAliasesList().map(aliasSpec),
        // Provider references are `<urn>::<id>`; the URN names the provider.
        providers: Object.fromEntries(
          req
            .getProvidersMap()
            .toObject()
            .map(([pkg, ref]) => [pkg, ref.slice(0, ref.lastIndexOf("::"))]),
        ),
      };
      try {
        return register(req, callback);
      } finally {
        this.pending = NO_REGISTRATION;
      }
    };
  }

  newResource(
    args: pulumi.runtime.MockResourceArgs,
  ): pulumi.runtime.MockResourceResult | Promise<pulumi.runtime.MockResourceResult> {
    const answer = this.answer(args);
    const urn = this.resources[this.resources.length - 1].urn;
    this.timeline.push({ event: "received", urn });
    const answered = () => {
      this.timeline.push({ event: "answered", urn });
      return answer;
    };
    const delay = this.options.answerAfterMs;
    return delay === undefined ? answered() : new Promise((resolve) => setTimeout(() => resolve(answered()), delay));
  }

  private answer(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const { parent, dependencies, protect, retainOnDelete, aliases, providers } = this.pending;
    const record: RecordedResource = {
      urn: this.urnFor(parent, args.type, args.name),
      type: args.type,
      name: args.name,
      inputs: args.inputs,
      parent,
      provider: args.provider ? args.provider.slice(0, args.provider.lastIndexOf("::")) : undefined,
      custom: args.custom ?? true,
      dependencies,
      protect,
      retainOnDelete,
      aliases,
      providers,
    };
    this.resources.push(record);
    // The engine sends an empty id for a new resource; an empty id would make every reference to it unknown.
    const id = args.custom === false ? undefined : args.id || `${args.name}-id`;
    const extra =
      this.options.outputs?.(args) ??
      defaultOutputs(
        args,
        this.options.region ?? "eu-west-2",
        this.accountOf(record) ?? this.options.accountId ?? "123456789012",
      );
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

  /** The account a resource is declared in: its explicit provider's single allowed account, when it has one. */
  private accountOf(record: RecordedResource): string | undefined {
    const provider = record.provider ? this.resources.find((r) => r.urn === record.provider) : undefined;
    const allowed = provider?.inputs.allowedAccountIds;
    const ids = typeof allowed === "string" ? (JSON.parse(allowed) as unknown) : allowed;
    return Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string" ? ids[0] : undefined;
  }

  /** Same URN scheme as Pulumi's MockMonitor: the parent's own type qualifies the child's. */
  private urnFor(parent: string | undefined, type: string, name: string): string {
    const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
    return `urn:pulumi:${this.stack}::${this.project}::${qualified}::${name}`;
  }
}

function aliasSpec(alias: AliasLike): AliasSpec {
  const spec = alias.getSpec();
  if (!spec) return { urn: alias.getUrn() };
  const orUndefined = (v: string) => v || undefined;
  return {
    name: orUndefined(spec.getName()),
    type: orUndefined(spec.getType()),
    parentUrn: orUndefined(spec.getParenturn()),
    noParent: spec.getNoparent() || undefined,
  };
}

/**
 * Waits until every resource registration and invoke the program started has been answered. `waitForRPCs` is internal
 * to the SDK (absent from its typings) but is exactly what the language host awaits before it disconnects.
 */
export async function settle(): Promise<void> {
  const settings: unknown = await import("@pulumi/pulumi/runtime/settings");
  await (settings as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** The unique id the mocks give role `name` (deterministic, in IAM's shape). */
export function roleUniqueId(name: string): string {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return `AROA${h.toString(36).toUpperCase().padStart(7, "0").slice(0, 7)}${"0".repeat(10)}`;
}

/** An ARN shaped like the real one for the resource's service, so policies and references built from it look right. */
function defaultOutputs(args: pulumi.runtime.MockResourceArgs, region: string, accountId: string): Record<string, unknown> {
  if (args.type === "awsx:ec2:Vpc") return awsxVpcOutputs(args);
  const [pkg, mod] = args.type.split(":");
  if (pkg !== "aws" || args.custom === false) return {};
  const service = mod.split("/")[0];
  const kind = args.type.split(":")[2]?.toLowerCase() ?? "resource";
  // Services whose ARNs (and URLs) embed the physical name: shaped as AWS shapes them when the program set one.
  const physical = typeof args.inputs.name === "string" ? args.inputs.name : args.name;
  if (service === "sqs" && kind === "queue" && typeof args.inputs.name === "string") {
    return {
      arn: `arn:aws:sqs:${region}:${accountId}:${physical}`,
      url: `https://sqs.${region}.amazonaws.com/${accountId}/${physical}`,
    };
  }
  if (service === "lambda" && kind === "function") return { arn: `arn:aws:lambda:${region}:${accountId}:function:${physical}` };
  if (service === "cloudwatch" && kind === "loggroup")
    return { arn: `arn:aws:logs:${region}:${accountId}:log-group:${physical}` };
  if (service === "sns" && kind === "topic") return { arn: `arn:aws:sns:${region}:${accountId}:${physical}` };
  if (service === "iam" && kind === "role")
    // IAM's unique id: AROA and 17 upper-case letters or digits, here derived from the name so tests can predict it.
    return { arn: `arn:aws:iam::${accountId}:role/${physical}`, name: physical, uniqueId: roleUniqueId(physical) };
  if (service === "glue" && kind === "job") return { arn: `arn:aws:glue:${region}:${accountId}:job/${physical}` };
  if (service === "dms") {
    // DMS ARNs end in an opaque resource id; outputs carry them under their own names as the provider does.
    const dmsArn = (what: string) =>
      `arn:aws:dms:${region}:${accountId}:${what}:${args.name.toUpperCase().replace(/[^A-Z0-9]/g, "")}`;
    if (kind === "replicationinstance") return { replicationInstanceArn: dmsArn("rep") };
    if (kind === "replicationtask") return { replicationTaskArn: dmsArn("task") };
    if (kind === "endpoint" || kind === "s3endpoint") return { endpointArn: dmsArn("endpoint") };
  }
  const arn =
    service === "s3"
      ? `arn:aws:s3:::${typeof args.inputs.bucket === "string" ? args.inputs.bucket : args.name}`
      : `arn:aws:${service}:${service === "iam" ? "" : region}:${accountId}:${kind}/${args.name}`;
  return { arn };
}

/**
 * awsx's Vpc is a remote component: under mocks it is one resource with no children, so its outputs are made up here
 * the way awsx computes them — one subnet of each requested type per availability zone.
 */
function awsxVpcOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const azs = Number(args.inputs.numberOfAvailabilityZones ?? 3);
  const specs = (args.inputs.subnetSpecs as Array<{ type: string }> | undefined) ?? [{ type: "Public" }, { type: "Private" }];
  const ids = (type: string) =>
    specs.some((s) => s.type === type)
      ? Array.from({ length: azs }, (_, i) => `subnet-${args.name}-${type.toLowerCase()}-${i + 1}`.slice(0, 60))
      : [];
  return {
    vpcId: `vpc-${args.name}`,
    publicSubnetIds: ids("Public"),
    privateSubnetIds: ids("Private"),
    isolatedSubnetIds: ids("Isolated"),
  };
}
