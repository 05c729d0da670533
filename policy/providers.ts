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
 * The environment a resource belongs to: its own `environment` tag, else the one the AWS provider adds to every resource
 * (`tagsAll` once the provider has checked it, else the provider's `defaultTags`).
 */
export function environmentOfResource(r: Pick<PolicyResource, "props" | "provider">): string | undefined {
  for (const tags of [r.props.tags, r.props.tagsAll, (decoded(r.provider?.props.defaultTags) as { tags?: unknown })?.tags]) {
    const env = (decoded(tags) as Record<string, unknown> | undefined)?.environment;
    if (typeof env === "string" && env !== "") return env;
  }
  return undefined;
}
