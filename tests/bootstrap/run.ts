/**
 * Runs bootstrap declarations under the strict mocks. The bootstrap is a project of its own, so this does not go
 * through tests/support/stack.ts (which loads the main program): only the mocks and the stack-file reading are shared.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { settle, StrictMocks, type StrictMocksOptions } from "../support/pulumi-mocks";

export const PROJECT_DIR = path.resolve(__dirname, "../..");

/** Every setting of a stack file as the engine hands it to a program: strings as they are, the rest as JSON. */
export function engineConfig(stackFile: string): Record<string, string> {
  const doc = parseYaml(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

export async function runBootstrap(
  declare: () => object,
  config: Record<string, string>,
  options: StrictMocksOptions = {},
): Promise<{ mocks: StrictMocks; outputs: Record<string, unknown> }> {
  const mocks = new StrictMocks(options);
  await mocks.install("cdc-bootstrap", "test");
  pulumi.runtime.setAllConfig(config);
  try {
    const exported = pulumi.output(declare()) as unknown as { promise(withUnknowns: boolean): Promise<Record<string, unknown>> };
    const outputs = await exported.promise(true);
    if (mocks.errors.length > 0) throw new Error(`the bootstrap made unmocked calls:\n${mocks.errors.join("\n")}`);
    return { mocks, outputs };
  } finally {
    await settle();
  }
}
