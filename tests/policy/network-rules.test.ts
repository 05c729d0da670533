import { dmsMultiAzInProduction, noEgressToAnywhere } from "../../policy/network-rules";
import { checkPolicies, type HandResource } from "./harness";

const messages = async (rules: Parameters<typeof checkPolicies>[0], rs: HandResource[]) =>
  (await checkPolicies(rules, rs)).map((v) => `${v.policy}: ${v.message}`);

describe("no-egress-to-anywhere", () => {
  const group = (egress: object[]): HandResource => ({
    type: "aws:ec2/securityGroup:SecurityGroup",
    name: "reporting-mysql-sg",
    props: { name: "cdc-dev-sales-reporting-glue", egress },
  });
  const https = { protocol: "tcp", fromPort: 443, toPort: 443 };

  it("passes egress to the VPC's ranges, a prefix list, its own group and another security group", async () => {
    const ok = [
      group([
        { description: "Glue workers", protocol: "tcp", fromPort: 0, toPort: 65535, self: true },
        { description: "MySQL", protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["10.0.0.0/16"] },
        { description: "S3", ...https, prefixListIds: ["pl-7ca54015"] },
      ]),
      {
        type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        name: "dms-egress",
        props: { ipProtocol: "tcp", fromPort: 1433, toPort: 1433, referencedSecurityGroupId: "sg-0123" },
      },
      {
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        name: "from-anywhere-is-ingress",
        props: { type: "ingress", ...https, cidrBlocks: ["10.0.0.0/16"] },
      },
    ];
    expect(await messages([noEgressToAnywhere], ok)).toEqual([]);
  });

  it("fails on 0.0.0.0/0 and ::/0, inline or in a standalone rule of either kind", async () => {
    const open = [
      group([
        {
          description: "everything",
          protocol: "-1",
          fromPort: 0,
          toPort: 0,
          cidrBlocks: ["0.0.0.0/0"],
          ipv6CidrBlocks: ["::/0"],
        },
      ]),
      {
        type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        name: "dms-egress-https",
        props: { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "AWS APIs" },
      },
      {
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        name: "legacy-egress",
        props: { type: "egress", protocol: "tcp", fromPort: 1024, toPort: 65535, ipv6CidrBlocks: ["::/0"] },
      },
    ];
    expect(await messages([noEgressToAnywhere], open)).toEqual([
      'no-egress-to-anywhere: security group cdc-dev-sales-reporting-glue allows egress ("everything") on all ports to 0.0.0.0/0 and ::/0: limit it to the VPC\'s ranges, a prefix list or a security group',
      'no-egress-to-anywhere: security group rule dms-egress-https allows egress ("AWS APIs") on port 443 to 0.0.0.0/0: limit it to the VPC\'s ranges, a prefix list or a security group',
      "no-egress-to-anywhere: security group rule legacy-egress allows egress on ports 1024-65535 to ::/0: limit it to the VPC's ranges, a prefix list or a security group",
    ]);
  });
});

describe("dms-multi-az-in-production", () => {
  const provider = (environment: string): HandResource => ({
    type: "pulumi:providers:aws",
    name: `${environment}-provider`,
    props: { region: "eu-west-2", defaultTags: JSON.stringify({ tags: { environment, "managed-by": "cdc-pipelines" } }) },
  });
  const instance = (environment: string | undefined, multiAz: boolean, tags?: object): HandResource => ({
    type: "aws:dms/replicationInstance:ReplicationInstance",
    name: "crm-dms-instance",
    props: { replicationInstanceId: `cdc-${environment ?? "x"}-crm`, multiAz, tags },
    provider: environment && `${environment}-provider`,
  });
  const rule = [dmsMultiAzInProduction];

  it("passes a Multi-AZ instance in prod and a single-AZ one in dev (by the provider's or its own tag)", async () => {
    expect(await messages(rule, [provider("prod"), instance("prod", true)])).toEqual([]);
    expect(await messages(rule, [provider("dev"), instance("dev", false)])).toEqual([]);
    expect(await messages(rule, [instance(undefined, false, { environment: "preprod" })])).toEqual([]);
  });

  it("fails on a single-AZ instance in prod, and on one whose environment nobody tagged", async () => {
    expect(await messages(rule, [provider("prod"), instance("prod", false)])).toEqual([
      "dms-multi-az-in-production: replication instance cdc-prod-crm of environment prod is single-AZ: set multiAz to true",
    ]);
    expect(await messages(rule, [instance(undefined, false)])).toEqual([
      "dms-multi-az-in-production: replication instance cdc-x-crm is single-AZ and has no environment tag: set multiAz to true, or tag it (or its provider's default tags) with its environment",
    ]);
  });
});
