/**
 * What `pulumi up` would do with a renamed or re-parented resource, decided the way the engine decides it
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go, generateAliases and inheritedChildAlias): a new resource keeps
 * an old one when its URN is the old URN, or one of its aliases is, or its parent was itself kept through an alias and
 * the child's name follows the parent's (`${parent}-role` under the old parent's name). Anything else is a create, and
 * every old URN nothing kept is a delete.
 *
 * URNs here are the engine's: the type is qualified by every ancestor's type (the mock monitor qualifies it by the
 * parent's type only), so a moved component is caught even when its immediate parent's type is the same.
 */
import type { AliasSpec, RecordedResource } from "./pulumi-mocks";

export interface AliasResolution {
  /** New engine URN → the old URN it keeps (itself when unchanged). */
  kept: Map<string, string>;
  /** New resources that keep nothing: `pulumi up` creates them. */
  created: string[];
  /** Old URNs nothing keeps: `pulumi up` deletes them. */
  deleted: string[];
}

interface Parsed {
  prefix: string;
  qualifiedType: string;
  name: string;
}

function parse(urn: string): Parsed {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) throw new Error(`not a URN: ${urn}`);
  return { prefix: `${parts[0]}::${parts[1]}::`, qualifiedType: parts[2], name: parts.slice(3).join("::") };
}

const urnOf = (p: Parsed) => `${p.prefix}${p.qualifiedType}::${p.name}`;

/** Each recorded resource's URN as the engine forms it (ancestors' types chained with `$`). */
export function engineUrns(resources: readonly RecordedResource[]): Map<string, string> {
  const byMockUrn = new Map(resources.map((r) => [r.urn, r]));
  const cache = new Map<string, string>();
  const qualified = (r: RecordedResource): string => {
    const parent = r.parent ? byMockUrn.get(r.parent) : undefined;
    return parent ? `${qualified(parent)}$${r.type}` : r.type;
  };
  for (const r of resources) cache.set(r.urn, urnOf({ ...parse(r.urn), qualifiedType: qualified(r), name: r.name }));
  return cache;
}

/** Which old URNs the recorded (new) resources keep, create or delete, in registration order as the engine sees them. */
export function resolveAliases(oldUrns: readonly string[], resources: readonly RecordedResource[]): AliasResolution {
  const olds = new Set(oldUrns);
  const engine = engineUrns(resources);
  const toEngine = (urn: string) => engine.get(urn) ?? urn;
  const taken = new Map<string, string>();
  // New URN → the old URN it was kept through by an alias (the engine's sg.aliases): children inherit from it.
  const aliasedFrom = new Map<string, string>();
  const kept = new Map<string, string>();
  const created: string[] = [];

  for (const r of resources) {
    const urn = toEngine(r.urn);
    const parentUrn = r.parent ? toEngine(r.parent) : undefined;
    const own = parse(urn);
    const collapse = (a: AliasSpec): string => {
      if (a.urn) return a.urn;
      const oldParent = a.noParent ? undefined : a.parentUrn ? toEngine(a.parentUrn) : parentUrn;
      const type = a.type ?? r.type;
      const qualifiedType = oldParent ? `${parse(oldParent).qualifiedType}$${type}` : type;
      return urnOf({ prefix: own.prefix, qualifiedType, name: a.name ?? r.name });
    };
    const candidates = r.aliases.map(collapse);
    const parentAlias = parentUrn ? aliasedFrom.get(parentUrn) : undefined;
    if (parentUrn && parentAlias) {
      const parentName = parse(parentUrn).name;
      const inherit = (type: string, name: string) => {
        const renamed = name.startsWith(parentName) ? parse(parentAlias).name + name.slice(parentName.length) : name;
        return urnOf({ prefix: own.prefix, qualifiedType: `${parse(parentAlias).qualifiedType}$${type}`, name: renamed });
      };
      candidates.push(inherit(r.type, r.name));
      for (const a of r.aliases.map(collapse))
        candidates.push(inherit(parse(a).qualifiedType.split("$").pop() as string, parse(a).name));
    }
    const match = olds.has(urn) ? urn : candidates.find((c) => olds.has(c));
    if (match === undefined) {
      created.push(urn);
      continue;
    }
    const other = taken.get(match);
    if (other !== undefined) throw new Error(`${urn} and ${other} both claim ${match}: the engine refuses the update`);
    taken.set(match, urn);
    kept.set(urn, match);
    if (match !== urn) aliasedFrom.set(urn, match);
  }
  return { kept, created, deleted: oldUrns.filter((u) => !taken.has(u)) };
}
