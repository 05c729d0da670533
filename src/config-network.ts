/**
 * Where the stack's network is (`cdc:network`: an existing VPC, or one to create) and where a database is when it is
 * outside that VPC (a source's or target's `network`). Never "anywhere": an address range of 0.0.0.0/0 is refused, as
 * the policy pack refuses it.
 */
import { z } from "zod";

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export const networkSchema = z
  .strictObject({
    vpcId: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, { error: "expected a VPC id (vpc- and 8 or 17 hex digits)" })
      .optional()
      .describe("An existing VPC the replication instance and Glue connections run in; with `subnetIds`, instead of `create`."),
    subnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "expected a subnet id (subnet- and 8 or 17 hex digits)" }))
      .min(2, { error: "expected at least 2 subnets in different availability zones (DMS requires two)" })
      .optional()
      .describe("Private subnets of `vpcId` in at least two availability zones (a DMS subnet group needs two)."),
    create: z
      .strictObject({
        cidrBlock: z
          .string()
          .check(cidrCheck())
          .describe("The new VPC's IPv4 range, /16 to /24 (room for four subnets), e.g. `10.20.0.0/16`."),
      })
      .optional()
      .describe(
        "Build a VPC instead of `vpcId`/`subnetIds`: private subnets in two AZs with endpoints for S3, Secrets Manager, Glue, SQS, SNS and STS. Not with a separate lake account that has a MySQL target.",
      ),
  })
  .check(
    z.superRefine((n, ctx) => {
      const existing = n.vpcId !== undefined || n.subnetIds !== undefined;
      if (n.create !== undefined && existing) {
        ctx.addIssue({ code: "custom", message: "set either vpcId and subnetIds, or create, not both", input: n });
      } else if (n.create === undefined && (n.vpcId === undefined || n.subnetIds === undefined)) {
        ctx.addIssue({ code: "custom", message: "expected vpcId and subnetIds, or create: { cidrBlock }", input: n });
      }
    }),
  )
  .transform((n) =>
    n.create
      ? ({ kind: "create", cidrBlock: n.create.cidrBlock } as const)
      : ({ kind: "existing", vpcId: n.vpcId as string, subnetIds: n.subnetIds as string[] } as const),
  );

function cidrCheck() {
  return z.superRefine<string>((value, ctx) => {
    const m = CIDR.exec(value);
    const octets = m ? m.slice(1, 5).map(Number) : [];
    const prefix = m ? Number(m[5]) : NaN;
    if (!m || octets.some((o) => o > 255)) {
      ctx.addIssue({
        code: "custom",
        message: `expected an IPv4 CIDR block such as 10.20.0.0/16, received ${JSON.stringify(value)}`,
        input: value,
      });
    } else if (prefix < 16 || prefix > 24) {
      ctx.addIssue({
        code: "custom",
        message: `expected a prefix between /16 and /24 (room for four subnets), received /${prefix}`,
        input: value,
      });
    }
  });
}

/**
 * Where a database is, when it is not in the stack's VPC: the replication instance's or the Glue job's egress to its
 * port goes there instead of to the VPC's own ranges. Never "anywhere": 0.0.0.0/0 is refused here, as the policy pack
 * refuses it.
 */
export const databaseNetwork = z
  .strictObject({
    cidrBlocks: z
      .array(
        z
          .string()
          .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, {
            error: (iss) => `expected an IPv4 CIDR block such as 10.30.0.0/16, received ${JSON.stringify(iss.input)}`,
          })
          .refine((c) => !c.endsWith("/0"), { error: "0.0.0.0/0 is not a database's address range; name its own range" }),
      )
      .min(1)
      .optional()
      .describe("The database's address ranges (a peered VPC, on premises over VPN or Direct Connect)."),
    securityGroupId: z
      .string()
      .regex(/^sg-[0-9a-f]{8,17}$/, { error: "expected a security group id (sg- and 8 or 17 hex digits)" })
      .optional()
      .describe("The database's security group, when it is in the stack's VPC or a peered one in the same region."),
  })
  .refine((n) => (n.cidrBlocks === undefined) !== (n.securityGroupId === undefined), {
    error: "expected cidrBlocks or securityGroupId, not both",
  });
