/**
 * The pipeline of one source database: DMS → validated landing → fan-out → one Glue apply per target.
 * It owns the providers of its accounts (tagged with the source, for cost allocation) and, as later components are
 * added, every resource of the source, so `pulumi preview` groups a source's changes under one node.
 */
import * as pulumi from "@pulumi/pulumi";
import { accountProviders, sessionName, type AccountProviders } from "./accounts";
import type { AccountsConfig, AlertsConfig, NetworkConfig, SourceConfig } from "./config";

export interface CdcPipelineArgs {
  /** Environment name (dev, preprod, prod); part of every resource name and tag. */
  environment: string;
  /** AWS region of both accounts. */
  region: string;
  /** Ingestion and lake accounts with the roles to deploy through. */
  accounts: AccountsConfig;
  /** VPC and subnets DMS and Glue connections run in, or the VPC to create. */
  network: NetworkConfig;
  /** Where alerts about this source go. */
  alerts: AlertsConfig;
  /** The source database and its targets, as validated from the stack file. */
  source: SourceConfig;
}

export class CdcPipeline extends pulumi.ComponentResource {
  /** Source name, the stable id of this pipeline. */
  readonly sourceName: string;
  /** Names of the targets this source feeds. */
  readonly targetNames: string[];
  /** Account holding DMS, raw and quarantine buckets and validation. */
  readonly ingestionAccountId: string;
  /** Account holding harmonized and publication buckets, target queues, Glue and Athena. */
  readonly lakeAccountId: string;
  /** Providers children use for each side; one object when both sides share an account. */
  readonly providers: AccountProviders;

  constructor(name: string, args: CdcPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:index:CdcPipeline", name, {}, opts);
    validateArgs(name, args, this);

    this.sourceName = args.source.name;
    this.targetNames = args.source.targets.map((t) => t.name);
    this.ingestionAccountId = args.accounts.ingestion.accountId;
    this.lakeAccountId = args.accounts.lake.accountId;
    this.providers = accountProviders(
      name,
      {
        region: args.region,
        accounts: args.accounts,
        sessionName: sessionName("cdc", args.environment, args.source.name),
        defaultTags: pipelineTags(args.environment, args.source.name),
      },
      { parent: this },
    );

    this.registerOutputs({
      sourceName: this.sourceName,
      targetNames: this.targetNames,
      ingestionAccountId: this.ingestionAccountId,
      lakeAccountId: this.lakeAccountId,
    });
  }
}

/** Tags on every resource of a pipeline: who owns it and what it costs per environment and source. */
export function pipelineTags(environment: string, source: string): Record<string, string> {
  return { environment, source, "managed-by": "cdc-pipelines" };
}

/** The component name of a source's pipeline: environment and source name, never a list position. */
export function pipelineName(environment: string, source: string): string {
  return `${environment}-${source}`;
}

function validateArgs(name: string, args: CdcPipelineArgs, resource: pulumi.Resource): void {
  const fail = (why: string) => {
    throw new pulumi.ResourceError(`CdcPipeline ${name}: ${why}`, resource);
  };
  if (!args.environment) fail("environment is required");
  if (args.source.targets.length === 0) fail(`source ${args.source.name} has no targets`);
  const names = args.source.targets.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(`source ${args.source.name} has two targets named ${dup}`);
}
