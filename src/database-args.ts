/**
 * The stack file's databases as the components take them: where the source database is, for DMS's egress, and a
 * target's MySQL database with the subnet its Glue job reaches it from. Only src/ reads stack config; the components
 * take these shapes.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GlueTargetMySql } from "../components/glue-target";
import type { SourceConfig, TargetConfig } from "./config";

/** The stack file's `network` of a database as DmsSource takes it: its security group or its ranges. */
export function databaseReach(
  network: SourceConfig["endpoint"]["network"],
): { securityGroupId: string } | { cidrBlocks: string[] } | undefined {
  if (network?.securityGroupId !== undefined) return { securityGroupId: network.securityGroupId };
  if (network?.cidrBlocks !== undefined) return { cidrBlocks: network.cidrBlocks };
  return undefined;
}

/** A target's `mysql` as GlueTarget takes it; the job's connection goes into the stack's first subnet. */
export function targetMySql(
  mysql: TargetConfig["mysql"],
  network: { vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<string[]> },
): GlueTargetMySql | undefined {
  return (
    mysql && {
      flavor: mysql.flavor,
      host: mysql.host,
      port: mysql.port,
      database: mysql.database,
      secretArn: mysql.secretArn,
      secretKmsKeyArn: mysql.secretKmsKeyArn,
      databaseSecurityGroupId: mysql.network?.securityGroupId,
      databaseCidrBlocks: mysql.network?.cidrBlocks,
      subnetId: pulumi.output(network.subnetIds).apply((ids) => ids[0]),
      vpcId: network.vpcId,
    }
  );
}
