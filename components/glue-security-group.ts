/**
 * The security group of a Glue JDBC connection (the apply job's network interfaces in the database's VPC), open only as
 * far as the job needs: its own workers, the database port, and HTTPS to AWS through the VPC's endpoints. Anything
 * else a compromised job (or a manifest it is made to run) might reach out to is refused at the interface.
 *
 * Glue requires a self-referencing inbound rule for all TCP ports, and either all outbound traffic or a
 * self-referencing outbound rule for all TCP ports, so its workers can talk to each other ("Setting up a VPC to
 * connect to JDBC data stores", https://docs.aws.amazon.com/glue/latest/dg/setup-vpc-for-glue-access.html; the
 * troubleshooting page's "Outbound rule in security group required",
 * https://docs.aws.amazon.com/glue/latest/dg/glue-troubleshooting-errors.html). S3 is reached through the gateway
 * endpoint, whose addresses are the region's S3 prefix list ("To access Amazon S3 from within your VPC, a VPC endpoint
 * is required", https://docs.aws.amazon.com/glue/latest/dg/start-connecting.html); Glue, Secrets Manager, STS and
 * CloudWatch Logs through interface endpoints inside the VPC (components/network.ts creates them for a VPC it builds;
 * an existing VPC must have them). DNS to the VPC resolver needs no rule: security groups do not filter it. Nothing goes
 * to 0.0.0.0/0 (the policy pack's no-egress-to-anywhere).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isIntIn } from "./args";
import { s3PrefixListId, vpcAddressRanges } from "./vpc-lookups";

export interface GlueSecurityGroupArgs {
  /** Physical name of the group. */
  groupName: string;
  /** What the group is for, as the console shows it. */
  description: string;
  /** The VPC the connection's subnet is in; its address ranges hold the interface endpoints (and, by default, MySQL). */
  vpcId: pulumi.Input<string>;
  /** Region, for the name of its S3 prefix list. */
  region: string;
  /** The database's TCP port. */
  databasePort: number;
  /** The database's own security group: when given, MySQL traffic may go to it alone instead of the VPC's ranges. */
  databaseSecurityGroupId?: pulumi.Input<string>;
  /** Address ranges the database is in, when not the VPC's own (a peered VPC, on premises). */
  databaseCidrBlocks?: pulumi.Input<string>[];
}

/**
 * Declares the group as `name` under `opts.parent` (a plain resource, not a component, so the group of a deployed
 * target keeps its URN and only its rules change).
 */
export function glueSecurityGroup(
  name: string,
  args: GlueSecurityGroupArgs,
  opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): aws.ec2.SecurityGroup {
  const fail = argsChecker("GlueSecurityGroup", name, opts.parent);
  if (!isIntIn(args.databasePort, 1, 65535)) fail(`databasePort must be 1–65535, got ${args.databasePort}`);
  if (args.databaseSecurityGroupId !== undefined && args.databaseCidrBlocks !== undefined)
    fail("give databaseSecurityGroupId or databaseCidrBlocks, not both");

  const lookup = { parent: opts.parent };
  // Interface endpoints take addresses in the VPC's ranges; S3's gateway endpoint is the region's prefix list.
  const vpcRanges = vpcAddressRanges(args.vpcId, lookup);
  const s3 = s3PrefixListId(args.region, lookup);
  const database = args.databaseSecurityGroupId
    ? { securityGroups: [args.databaseSecurityGroupId] }
    : { cidrBlocks: args.databaseCidrBlocks ?? vpcRanges };
  const https = { protocol: "tcp", fromPort: 443, toPort: 443 };
  return new aws.ec2.SecurityGroup(
    name,
    {
      name: args.groupName,
      description: args.description,
      vpcId: args.vpcId,
      ingress: [{ description: "Glue workers", protocol: "tcp", fromPort: 0, toPort: 65535, self: true }],
      egress: [
        { description: "Glue workers", protocol: "tcp", fromPort: 0, toPort: 65535, self: true },
        { description: "MySQL", protocol: "tcp", fromPort: args.databasePort, toPort: args.databasePort, ...database },
        { description: "S3 through the gateway endpoint", ...https, prefixListIds: [s3] },
        { description: "AWS APIs through the VPC's interface endpoints", ...https, cidrBlocks: vpcRanges },
      ],
    },
    opts,
  );
}
