/**
 * Runs the real Pulumi program (`src/index.ts`) under the strict mocks with a stack's settings, the way
 * `pulumi preview`/`up` would load them, and waits until every registration has settled.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import * as fs from "node:fs";
import { main } from "../../src/program";
import { settle, StrictMocks, type InvokeMock, type StrictMocksOptions } from "./pulumi-mocks";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
export const STACKS = ["dev", "preprod", "prod"] as const;
export type StackName = (typeof STACKS)[number];

export interface StackRun {
  mocks: StrictMocks;
  outputs: Record<string, unknown>;
}

/** Every setting of a stack file as the engine hands it to a program: strings as they are, the rest as JSON. */
export function engineConfig(stackFile: string): Record<string, string> {
  const doc = parseYaml(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The node arguments Pulumi runs the program with: `runtime.options.nodeargs` in `Pulumi.yaml`. */
export function projectNodeArgs(): string[] {
  const project = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
    runtime?: { options?: { nodeargs?: string } };
  };
  return (project.runtime?.options?.nodeargs ?? "").split(/\s+/).filter(Boolean);
}

/**
 * Read-only lookups the program makes, answered as AWS would for the stack files' networks: a subnet's availability
 * zone (Glue connections need it) follows its id's last character, a → eu-west-2a.
 */
export const PROGRAM_INVOKES: Record<string, InvokeMock> = {
  "aws:ec2/getSubnet:getSubnet": (inputs) => {
    const id = String(inputs.id);
    const zone = "abc"[(id.charCodeAt(id.length - 1) || 0) % 3];
    return { id, availabilityZone: `eu-west-2${zone}`, vpcId: "vpc-from-lookup", cidrBlock: "10.0.0.0/24" };
  },
  // The VPC's address ranges (Glue's security group lets MySQL and HTTPS go there): a primary and a secondary range.
  "aws:ec2/getVpc:getVpc": (inputs) => ({
    id: String(inputs.id),
    cidrBlock: "10.0.0.0/16",
    cidrBlockAssociations: [
      { associationId: "vpc-cidr-assoc-1", cidrBlock: "10.0.0.0/16", state: "associated" },
      { associationId: "vpc-cidr-assoc-2", cidrBlock: "100.64.0.0/20", state: "associated" },
    ],
  }),
  // The region's S3 prefix list (the gateway endpoint's addresses), as EC2 names it.
  "aws:ec2/getPrefixList:getPrefixList": (inputs) => {
    if (inputs.name !== "com.amazonaws.eu-west-2.s3") throw new Error(`no prefix list ${String(inputs.name)} in eu-west-2`);
    return { id: "pl-7ca54015", name: inputs.name, cidrBlocks: ["52.95.148.0/23", "3.5.244.0/22"] };
  },
};

const withProgramInvokes = (options: StrictMocksOptions = {}): StrictMocksOptions => ({
  ...options,
  invokes: { ...PROGRAM_INVOKES, ...options.invokes },
});

/** How a test runs the program: `preview` as `pulumi preview`, `awsRole` as the workflow's `CDC_AWS_ROLE` (unset: deploy). */
export interface ProgramRunOptions {
  stack?: string;
  /** Leave stack traces as the program sets them (`stackFrames`), as `pulumi preview` runs it: for benchmarks. */
  programStackFrames?: boolean;
  preview?: boolean;
  mocks?: StrictMocksOptions;
  metadataRoot?: string;
  awsRole?: string;
  /** The program's cap on waiting for a source's answers (src/declaration-pace.ts). */
  sourceWaitMs?: number;
}

export async function runProgram(config: Record<string, string>, opts: ProgramRunOptions = {}): Promise<StackRun> {
  const mocks = new StrictMocks(withProgramInvokes(opts.mocks));
  await mocks.install("cdc-pipelines", opts.stack ?? "test", opts.preview ?? false);
  pulumi.runtime.setAllConfig(config);
  const run = async () => {
    // The role is passed, never read from the test process's environment, so a developer's shell cannot change a test.
    const exported = await resolve(
      main({ metadataRoot: opts.metadataRoot, awsRole: opts.awsRole, sourceWaitMs: opts.sourceWaitMs }),
    );
    await settle();
    return exported;
  };
  const outputs = opts.programStackFrames ? await run() : await withShortStacks(run);
  if (mocks.errors.length > 0) throw new Error(`the program made unmocked calls:\n${mocks.errors.join("\n")}`);
  return { mocks, outputs };
}

/**
 * The SDK records a stack trace for every promise it creates (debuggable.js), and under jest each trace is source-mapped:
 * that alone made one program run take 10+ seconds. Errors raised meanwhile keep their message, with one frame.
 */
async function withShortStacks<T>(run: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  try {
    return await run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Declares resources with `declare` (a component test's subject) under fresh strict mocks, with optional stack config,
 * and waits until every registration has settled. Returns what `declare` returned, resolved, as `outputs`.
 */
export async function runDeclarations(
  declare: () => object,
  opts: { config?: Record<string, string>; preview?: boolean; mocks?: StrictMocksOptions; stack?: string } = {},
): Promise<StackRun> {
  const mocks = new StrictMocks(withProgramInvokes(opts.mocks));
  await mocks.install("cdc-pipelines", opts.stack ?? "test", opts.preview ?? false);
  pulumi.runtime.setAllConfig(opts.config ?? {});
  const outputs = await withShortStacks(async () => {
    try {
      return await resolve(declare());
    } finally {
      // A refused declaration may leave registrations in flight; let them finish before the next test's mocks start.
      await settle();
    }
  });
  if (mocks.errors.length > 0) throw new Error(`the declarations made unmocked calls:\n${mocks.errors.join("\n")}`);
  return { mocks, outputs };
}

/** Runs the program with a committed `Pulumi.<stack>.yaml`. */
export function runStack(stack: StackName, opts: Omit<ProgramRunOptions, "stack"> = {}): Promise<StackRun> {
  return runProgram(engineConfig(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`)), { ...opts, stack });
}

/** Resolves outputs including unknown values (previews), which `apply` would skip. */
async function resolve(exported: object): Promise<Record<string, unknown>> {
  const output = pulumi.output(exported) as unknown as { promise(withUnknowns: boolean): Promise<Record<string, unknown>> };
  return output.promise(true);
}
