/**
 * Where DMS (and later Glue connections) run: an existing VPC and subnets, or a VPC built here with awsx — isolated
 * subnets in two AZs, no NAT, an S3 gateway endpoint and interface endpoints for the AWS services the pipeline calls,
 * so traffic to AWS never leaves the VPC. Reaching the source database itself (peering, VPN, Transit Gateway) is the
 * network team's part and outside this component.
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";

/** Interface endpoints the pipeline needs inside a VPC without NAT. */
export const INTERFACE_ENDPOINT_SERVICES = ["secretsmanager", "glue", "sqs", "sns", "sts", "logs"];

export type NetworkArgs =
  | {
      kind: "existing";
      /** The VPC DMS runs in. */
      vpcId: string;
      /** Two or more private subnets in different availability zones. */
      subnetIds: string[];
    }
  | {
      kind: "create";
      /** IPv4 range of the VPC to build (/16–/24). */
      cidrBlock: string;
      /** Region, for the endpoint service names. */
      region: string;
    };

export class Network extends pulumi.ComponentResource {
  /** Where the VPC comes from: created here, or an existing one. */
  readonly kind: NetworkArgs["kind"];
  readonly vpcId: pulumi.Output<string>;
  readonly subnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:network:Network", name, {}, opts);
    const fail = argsChecker("Network", name, this);
    this.kind = args.kind;
    if (args.kind === "existing") {
      if (args.subnetIds.length < 2)
        fail("subnetIds needs at least 2 subnets in different availability zones (DMS requires two)");
      this.vpcId = pulumi.output(args.vpcId);
      this.subnetIds = pulumi.output(args.subnetIds);
    } else {
      if (!/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-4])$/.test(args.cidrBlock))
        fail(`cidrBlock must be an IPv4 /16–/24, got ${args.cidrBlock}`);
      // awsx's VPC is a remote component: it gets no provider from its parent unless named here, and with default
      // providers disabled it would then fail at `pulumi up` (or, worse, use whatever default the engine picks).
      const provider = this.getProvider("aws::");
      if (!provider) fail("needs an explicit aws provider (opts.provider): default providers are disabled");
      const vpc = new awsx.ec2.Vpc(
        `${name}-vpc`,
        {
          cidrBlock: args.cidrBlock,
          numberOfAvailabilityZones: 2,
          enableDnsHostnames: true,
          enableDnsSupport: true,
          subnetStrategy: "Auto",
          subnetSpecs: [{ type: "Isolated", name: "data" }],
          natGateways: { strategy: "None" },
          // Auto fills the gateway endpoint's route tables from the VPC's own.
          vpcEndpointStrategy: "Auto",
          vpcEndpointSpecs: [{ serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway" }],
        },
        { parent: this, providers: { aws: provider as pulumi.ProviderResource } },
      );
      const endpointsSg = new aws.ec2.SecurityGroup(
        `${name}-endpoints`,
        { vpcId: vpc.vpcId, description: "HTTPS from inside the VPC to AWS service endpoints" },
        { parent: this },
      );
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-endpoints-https`,
        { securityGroupId: endpointsSg.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: args.cidrBlock },
        { parent: this },
      );
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new aws.ec2.VpcEndpoint(
          `${name}-${service}`,
          {
            vpcId: vpc.vpcId,
            serviceName: `com.amazonaws.${args.region}.${service}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: vpc.isolatedSubnetIds,
            securityGroupIds: [endpointsSg.id],
          },
          { parent: this },
        );
      }
      this.vpcId = vpc.vpcId;
      this.subnetIds = vpc.isolatedSubnetIds;
    }
    this.registerOutputs({ kind: this.kind, vpcId: this.vpcId, subnetIds: this.subnetIds });
  }
}
