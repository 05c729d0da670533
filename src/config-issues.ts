/**
 * Turns schema issues into the one-line messages a person fixing a stack file needs: the exact config path
 * (`cdc:sources[1].targets[0].mysql.port`) and what was expected.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** Namespace of every setting this program reads. */
export const NAMESPACE = "cdc";

/**
 * A configuration the program refuses. It is a `RunError`, so Pulumi prints the lines without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(
      `invalid stack configuration (${problems.length} ${problems.length === 1 ? "problem" : "problems"}):\n  ${problems.join("\n  ")}`,
    );
    this.name = "ConfigError";
  }
}

/** `["sources", 1, "targets", 0, "mysql"]` → `cdc:sources[1].targets[0].mysql`. */
export function configPath(path: readonly PropertyKey[]): string {
  let out = `${NAMESPACE}:`;
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += i === 0 ? String(part) : `.${String(part)}`;
  });
  return path.length === 0 ? NAMESPACE : out;
}

/** Per-parse error map: short messages for the generic issue kinds; schema-specific messages take precedence. */
export function issueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return `missing; expected ${typeName(iss.expected)}`;
      return `expected ${typeName(iss.expected)}, received ${describeValue(iss.input)}`;
    case "too_small":
      return iss.origin === "array"
        ? `expected at least ${String(iss.minimum)} ${Number(iss.minimum) === 1 ? "item" : "items"}`
        : iss.origin === "string"
          ? Number(iss.minimum) === 1
            ? "must not be empty"
            : `expected at least ${String(iss.minimum)} characters`
          : `expected a number ${iss.inclusive ? ">=" : ">"} ${String(iss.minimum)}, received ${describeValue(iss.input)}`;
    case "too_big":
      return iss.origin === "array"
        ? `expected at most ${String(iss.maximum)} items`
        : iss.origin === "string"
          ? `expected at most ${String(iss.maximum)} characters`
          : `expected a number ${iss.inclusive ? "<=" : "<"} ${String(iss.maximum)}, received ${describeValue(iss.input)}`;
    case "invalid_value":
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}, received ${describeValue(iss.input)}`;
    case "unrecognized_keys":
      return unknownKeysMessage(iss);
    default:
      return undefined;
  }
}

function unknownKeysMessage(iss: z.core.$ZodRawIssue & { code: "unrecognized_keys" }): string {
  const shape = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape ?? {};
  const known = Object.keys(shape).filter((k) => !["password", "username", "user"].includes(k));
  const suggestion = iss.keys.length === 1 ? closest(iss.keys[0], known) : undefined;
  if (suggestion) return `unknown setting; did you mean "${suggestion}"?`;
  return `unknown setting; expected one of ${known.join(", ")}`;
}

/** Every problem, one line each, ordered by config path. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const located: Array<{ path: PropertyKey[]; message: string }> = [];
  for (const iss of issues) {
    if (iss.code === "unrecognized_keys") {
      for (const key of iss.keys) located.push({ path: [...iss.path, key], message: iss.message });
    } else {
      located.push({ path: iss.path, message: iss.message });
    }
  }
  located.sort((a, b) => comparePaths(a.path, b.path));
  return [...new Set(located.map((l) => `${configPath(l.path)}: ${l.message}`))];
}

/** Orders problems by where they are: list positions numerically, keys alphabetically, parents first. */
function comparePaths(a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

function typeName(expected: string): string {
  if (expected === "int") return "an integer";
  if (expected === "object") return "a mapping";
  if (expected === "array") return "a list";
  return `a ${expected}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return String(v);
}

/** The known key within edit distance 2 of a misspelt one, if exactly one is that close. */
function closest(key: string, known: string[]): string | undefined {
  const near = known.map((k) => [k, distance(key.toLowerCase(), k.toLowerCase())] as const).filter(([, d]) => d <= 2);
  near.sort((a, b) => a[1] - b[1]);
  return near.length > 0 && (near.length === 1 || near[0][1] < near[1][1]) ? near[0][0] : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
