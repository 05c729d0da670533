/**
 * The read-only lookups that let security groups name exact destinations instead of 0.0.0.0/0: a VPC's own address
 * ranges (where interface endpoints, and by default the databases, take their addresses) and the region's S3 prefix
 * list (the addresses behind the S3 gateway endpoint).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** Every IPv4 range of the VPC, the primary among its associations, without repeats. */
export function vpcAddressRanges(vpcId: pulumi.Input<string>, opts: pulumi.InvokeOutputOptions): pulumi.Output<string[]> {
  return aws.ec2
    .getVpcOutput({ id: vpcId }, opts)
    .apply((v) => [...new Set([v.cidrBlock, ...v.cidrBlockAssociations.map((a) => a.cidrBlock)])]);
}

/** The id of the region's S3 prefix list (`com.amazonaws.<region>.s3`), for egress to S3 through a gateway endpoint. */
export function s3PrefixListId(region: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  return aws.ec2.getPrefixListOutput({ name: `com.amazonaws.${region}.s3` }, opts).id;
}
