/**
 * Turns schema issues into the one-line messages a person fixing a stack file needs: the exact config path
 * (`cdc:sources[1].targets[0].mysql.port`) and what was expected.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { fieldPath, issueMessages } from "../metadata/zod-messages";

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
  return path.length === 0 ? NAMESPACE : `${NAMESPACE}:${fieldPath(path)}`;
}

/** Per-parse error map for stack settings: short messages; schema-specific messages take precedence. */
export const issueMessage = issueMessages({ key: "setting", object: "a mapping" });

/** One problem at a config path (`["sources", 1, "engine"]`), before it is formatted. */
export interface Located {
  path: readonly PropertyKey[];
  message: string;
}

/** Schema issues as located problems; an unknown-keys issue becomes one problem per key, at that key. */
export function locateIssues(issues: readonly z.core.$ZodIssue[]): Located[] {
  return issues.flatMap((iss) =>
    iss.code === "unrecognized_keys"
      ? iss.keys.map((key) => ({ path: [...iss.path, key], message: iss.message }))
      : [{ path: iss.path, message: iss.message }],
  );
}

/** Every problem, one line each, ordered by config path. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return formatProblems(locateIssues(issues));
}

/** Located problems as `cdc:<path>: <message>` lines, ordered by config path, each line once. */
export function formatProblems(problems: readonly Located[]): string[] {
  const sorted = [...problems].sort((a, b) => comparePaths(a.path, b.path));
  return [...new Set(sorted.map((l) => `${configPath(l.path)}: ${l.message}`))];
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
