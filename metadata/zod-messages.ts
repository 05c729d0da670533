/**
 * Short, one-line messages for schema issues, shared by every place that validates a file people edit by hand
 * (stack settings, metadata files). Free of Pulumi imports: the metadata loader runs inside Lambda bundles.
 */
import type { z } from "zod";

export interface MessageStyle {
  /** What the file calls an entry: "setting" in a stack file, "field" in a JSON metadata file. */
  key: string;
  /** What the file calls a nested object: "a mapping" in YAML, "an object" in JSON. */
  object: string;
}

/** A zod error map producing the short messages; schema-specific messages take precedence over it. */
export function issueMessages(style: MessageStyle): (iss: z.core.$ZodRawIssue) => string | undefined {
  const typeName = (expected: string) =>
    expected === "int" ? "an integer" : expected === "object" ? style.object : expected === "array" ? "a list" : `a ${expected}`;
  const describe = (v: unknown) =>
    v === null
      ? "null"
      : Array.isArray(v)
        ? "a list"
        : typeof v === "object"
          ? style.object
          : typeof v === "string"
            ? JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)
            : String(v);

  return (iss) => {
    switch (iss.code) {
      case "invalid_type":
        return iss.input === undefined
          ? `missing; expected ${typeName(iss.expected)}`
          : `expected ${typeName(iss.expected)}, received ${describe(iss.input)}`;
      case "too_small":
        if (iss.origin === "array")
          return `expected at least ${String(iss.minimum)} ${Number(iss.minimum) === 1 ? "item" : "items"}`;
        if (iss.origin === "string")
          return Number(iss.minimum) === 1 ? "must not be empty" : `expected at least ${String(iss.minimum)} characters`;
        return `expected a number ${iss.inclusive ? ">=" : ">"} ${String(iss.minimum)}, received ${describe(iss.input)}`;
      case "too_big":
        if (iss.origin === "array") return `expected at most ${String(iss.maximum)} items`;
        if (iss.origin === "string") return `expected at most ${String(iss.maximum)} characters`;
        return `expected a number ${iss.inclusive ? "<=" : "<"} ${String(iss.maximum)}, received ${describe(iss.input)}`;
      case "invalid_value":
        return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}, received ${describe(iss.input)}`;
      case "unrecognized_keys":
        return unknownKeys(iss, style.key);
      default:
        return undefined;
    }
  };
}

function unknownKeys(iss: z.core.$ZodRawIssue & { code: "unrecognized_keys" }, noun: string): string {
  const shape = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape ?? {};
  // Keys that exist only to refuse plaintext credentials are not worth suggesting.
  const known = Object.keys(shape).filter((k) => !["password", "username", "user"].includes(k));
  const suggestion = iss.keys.length === 1 ? closest(iss.keys[0], known) : undefined;
  if (suggestion) return `unknown ${noun}; did you mean "${suggestion}"?`;
  return `unknown ${noun}; expected one of ${known.join(", ")}`;
}

/** `["columns", 2, "dmsType"]` → `columns[2].dmsType`. */
export function fieldPath(at: readonly PropertyKey[]): string {
  return at.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** The known key within edit distance 2 of a misspelt one, if exactly one is closest. */
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
