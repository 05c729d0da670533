/**
 * Queries over recorded resources, so component tests read as statements about the stack:
 * `one(r, "aws:s3/bucket:Bucket", "dev-sales-raw")`, `childrenOf(r, pipeline)`, `providerOf(r, bucket)`.
 */
import type { RecordedResource } from "./pulumi-mocks";

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The one resource of a type and name; fails listing what exists, so a renamed resource is obvious. */
export function one(resources: readonly RecordedResource[], type: string, name: string): RecordedResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) {
    const names = ofType(resources, type).map((r) => r.name);
    throw new Error(`expected one ${type} named ${name}, found ${found.length}; ${type} names: ${names.join(", ") || "(none)"}`);
  }
  return found[0];
}

export function byUrn(resources: readonly RecordedResource[], urn: string): RecordedResource {
  const found = resources.find((r) => r.urn === urn);
  if (!found) throw new Error(`no resource with URN ${urn}`);
  return found;
}

export function childrenOf(resources: readonly RecordedResource[], parent: RecordedResource): RecordedResource[] {
  return resources.filter((r) => r.parent === parent.urn);
}

/** Every resource under a parent, at any depth. */
export function descendantsOf(resources: readonly RecordedResource[], root: RecordedResource): RecordedResource[] {
  const out: RecordedResource[] = [];
  const walk = (p: RecordedResource) => {
    for (const c of childrenOf(resources, p)) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

export function providerOf(resources: readonly RecordedResource[], r: RecordedResource): RecordedResource | undefined {
  return r.provider ? byUrn(resources, r.provider) : undefined;
}

/** The account a pipeline resource is declared in: its provider is named `<pipeline>-<accountId>`. */
export function accountOf(resources: readonly RecordedResource[], type: string, name: string): string | undefined {
  return providerOf(resources, one(resources, type, name))
    ?.name.split("-")
    .pop();
}

/**
 * Provider inputs reach the engine with nested values JSON-encoded (that is how Pulumi sends provider configuration);
 * this returns them decoded.
 */
export function providerConfig(provider: RecordedResource): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(provider.inputs).map(([k, v]) => {
      if (typeof v === "string" && (v.startsWith("{") || v.startsWith("["))) {
        try {
          return [k, JSON.parse(v)];
        } catch {
          return [k, v];
        }
      }
      return [k, v];
    }),
  );
}
