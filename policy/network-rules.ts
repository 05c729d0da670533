/**
 * Network and availability: nothing the pipeline runs may send traffic to the whole internet (egress goes to the VPC's
 * ranges, prefix lists or named security groups: the database, S3's gateway endpoint, the interface endpoints), and
 * production replication survives the loss of an availability zone.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { environmentOfResource } from "./providers";

const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const REPLICATION_INSTANCE = "aws:dms/replicationInstance:ReplicationInstance";

/** Address ranges that mean "anywhere". */
export const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** Environments whose DMS replication instances must be Multi-AZ. */
export const PRODUCTION_ENVIRONMENTS = ["prod"];

interface EgressEntry {
  description?: string;
  protocol?: string;
  ipProtocol?: string;
  fromPort?: number;
  toPort?: number;
  cidrBlocks?: string[];
  ipv6CidrBlocks?: string[];
}

/** The open ranges of one rule (inline egress entry or standalone rule), as `0.0.0.0/0`, `::/0`. */
function openRanges(entry: EgressEntry & { cidrIpv4?: string; cidrIpv6?: string }): string[] {
  const ranges = [...(entry.cidrBlocks ?? []), ...(entry.ipv6CidrBlocks ?? []), entry.cidrIpv4, entry.cidrIpv6];
  return ANYWHERE.filter((a) => ranges.includes(a));
}

function ports(e: { fromPort?: number; toPort?: number; protocol?: string; ipProtocol?: string }): string {
  if (e.fromPort === undefined || e.protocol === "-1" || e.ipProtocol === "-1") return "all ports";
  return e.fromPort === e.toPort ? `port ${e.fromPort}` : `ports ${e.fromPort}-${e.toPort}`;
}

export const noEgressToAnywhere: ResourceValidationPolicy = {
  name: "no-egress-to-anywhere",
  description:
    "No security group sends to 0.0.0.0/0 or ::/0: egress names the VPC's ranges, prefix lists or security groups it needs.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const fix = "limit it to the VPC's ranges, a prefix list or a security group";
    const found: Array<{ group: string; entry: EgressEntry & { cidrIpv4?: string; cidrIpv6?: string } }> = [];
    if (args.type === SECURITY_GROUP) {
      const group = (args.props.name as string | undefined) ?? args.name;
      for (const entry of (args.props.egress as EgressEntry[] | undefined) ?? []) found.push({ group, entry });
    } else if (args.type === SECURITY_GROUP_RULE && args.props.type === "egress") {
      found.push({ group: `rule ${args.name}`, entry: args.props as EgressEntry });
    } else if (args.type === EGRESS_RULE) {
      found.push({ group: `rule ${args.name}`, entry: args.props as EgressEntry });
    }
    for (const { group, entry } of found) {
      const open = openRanges(entry);
      if (open.length === 0) continue;
      const what = entry.description ? ` ("${entry.description}")` : "";
      report(`security group ${group} allows egress${what} on ${ports(entry)} to ${open.join(" and ")}: ${fix}`);
    }
  },
};

/**
 * Which instances are production is read from the environment tag the program puts on every resource (the providers'
 * default tags, from `cdc:environment`), not from policy-pack configuration or stack tags: the self-managed backend has
 * no stack tags, and a per-stack pack config is a second source of truth a workflow could pass wrongly (a prod preview
 * checked with dev's config would pass). The tag is the value the program itself deployed with; an instance without one
 * counts as production, so forgetting it cannot switch the rule off.
 */
export const dmsMultiAzInProduction: ResourceValidationPolicy = {
  name: "dms-multi-az-in-production",
  description: `A DMS replication instance of a production environment (${PRODUCTION_ENVIRONMENTS.join(", ")}, by its environment tag) is Multi-AZ; one without an environment tag counts as production.`,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== REPLICATION_INSTANCE || args.props.multiAz === true) return;
    const name = (args.props.replicationInstanceId as string | undefined) ?? args.name;
    const environment = environmentOfResource(args);
    if (environment === undefined) {
      report(
        `replication instance ${name} is single-AZ and has no environment tag: set multiAz to true, or tag it (or its provider's default tags) with its environment`,
      );
    } else if (PRODUCTION_ENVIRONMENTS.includes(environment)) {
      report(`replication instance ${name} of environment ${environment} is single-AZ: set multiAz to true`);
    }
  },
};
