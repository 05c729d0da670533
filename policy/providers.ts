/**
 * What a resource's provider says about where it lives: the account (`allowedAccountIds`, one per provider in this
 * program) and the stack's environment (the provider's default `environment` tag). The engine sends nested provider
 * settings JSON-encoded, so both forms are read.
 */
import type { PolicyResource } from "@pulumi/policy";

function decoded(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The single account a resource's provider may act in; undefined without a provider or with several accounts. */
export function accountOfResource(r: Pick<PolicyResource, "provider">): string | undefined {
  const ids = decoded(r.provider?.props.allowedAccountIds);
  return Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string" ? ids[0] : undefined;
}

/**
 * The environment a resource belongs to: its own `environment` tag, else the one its AWS provider adds to every resource
 * (the provider's `defaultTags`), else `tagsAll` once the provider has merged them. Read in that order and lazily: in a
 * preview `tagsAll` may still be unknown, and reading an unknown value turns the whole check advisory.
 */
export function environmentOfResource(r: Pick<PolicyResource, "props" | "provider">): string | undefined {
  const sources = [
    () => r.props.tags,
    () => (decoded(r.provider?.props.defaultTags) as { tags?: unknown } | undefined)?.tags,
    () => r.props.tagsAll,
  ];
  for (const tags of sources) {
    const env = (decoded(tags()) as Record<string, unknown> | undefined)?.environment;
    if (typeof env === "string" && env !== "") return env;
  }
  return undefined;
}
