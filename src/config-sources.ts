/**
 * Where the `cdc` settings come from: the running Pulumi program's configuration, or a `Pulumi.<stack>.yaml` file read
 * by the CLI and the tests. Both yield the namespace's keys without the `cdc:` prefix, decoded the same way, ready for
 * `checkStack` (config-check.ts) or `parseStackConfig`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { NAMESPACE } from "./config-issues";
import { UserError } from "./errors";
import { parseStackConfig, type StackConfig } from "./config";

const PREFIX = `${NAMESPACE}:`;

/** The raw `cdc:*` settings of the running Pulumi program. */
export function programSettings(): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(PREFIX)) raw[key.slice(PREFIX.length)] = decodeConfigValue(value);
  }
  return raw;
}

/**
 * Pulumi hands every value to the program as text: structured values as JSON, scalars as they are written. Objects,
 * lists and the two booleans are decoded; other text stays a string, so a string setting that happens to look like a
 * number is not turned into one.
 */
function decodeConfigValue(value: string): unknown {
  if (value === "true" || value === "false") return value === "true";
  const head = value.trimStart()[0];
  if (head !== "{" && head !== "[") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The path of a stack's settings file in a project directory. */
export function stackFilePath(stack: string, projectDir = "."): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

/** The raw `cdc:*` settings of a `Pulumi.<stack>.yaml` file. Throws a one-line error naming the file when unreadable. */
export function readStackFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`${file}: cannot read stack settings (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UserError(`${file}: not valid YAML (${(err as Error).message.split("\n")[0].replace(/:$/, "")})`);
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new UserError(`${file}: expected a top-level "config:" mapping`);
  }
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(PREFIX)) raw[key.slice(PREFIX.length)] = asProgramSees(value);
  }
  return raw;
}

/**
 * A top-level value as the program receives it: Pulumi turns a scalar into its text (`cdc:environment: 7` arrives as
 * "7") and the program decodes it, while mappings and lists keep their types through JSON. Without this the command
 * would judge `7` a number where the program sees the string "7", and the two would disagree.
 */
function asProgramSees(value: unknown): unknown {
  return typeof value === "number" || typeof value === "boolean" ? decodeConfigValue(String(value)) : value;
}

/** A stack file's settings, validated: what `pulumi up` on that stack would see. */
export function loadStackFile(file: string): StackConfig {
  return parseStackConfig(readStackFile(file));
}
