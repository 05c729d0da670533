/**
 * Runs the real Pulumi program (`src/index.ts`) under the strict mocks with a stack's settings, the way
 * `pulumi preview`/`up` would load them, and waits until every registration has settled.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import * as fs from "node:fs";
import { main } from "../../src/program";
import { settle, StrictMocks, type StrictMocksOptions } from "./pulumi-mocks";

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

export async function runProgram(
  config: Record<string, string>,
  opts: { stack?: string; preview?: boolean; mocks?: StrictMocksOptions } = {},
): Promise<StackRun> {
  const mocks = new StrictMocks(opts.mocks);
  await mocks.install("cdc-pipelines", opts.stack ?? "test", opts.preview ?? false);
  pulumi.runtime.setAllConfig(config);
  const outputs = await resolve(main());
  await settle();
  if (mocks.errors.length > 0) throw new Error(`the program made unmocked calls:\n${mocks.errors.join("\n")}`);
  return { mocks, outputs };
}

/** Runs the program with a committed `Pulumi.<stack>.yaml`. */
export function runStack(stack: StackName, opts: { preview?: boolean; mocks?: StrictMocksOptions } = {}): Promise<StackRun> {
  return runProgram(engineConfig(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`)), { ...opts, stack });
}

/** Resolves outputs including unknown values (previews), which `apply` would skip. */
async function resolve(exported: object): Promise<Record<string, unknown>> {
  const output = pulumi.output(exported) as unknown as { promise(withUnknowns: boolean): Promise<Record<string, unknown>> };
  return output.promise(true);
}
