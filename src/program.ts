/**
 * The whole Pulumi program as a function: check the stack's `cdc` settings and each source's committed metadata (the
 * same check `cdc config check` runs), then declare one pipeline per source. `index.ts` calls it; tests call it under
 * mocks. It stays a table of contents: the work lives in the components.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { MetadataDir } from "../metadata/load";
import { requireValidStack } from "./config-check";
import { programSettings } from "./config-sources";
import { DmsServiceRoles } from "../components/dms-service-roles";
import { accountProviders, AWS_ROLE_VARIABLE, awsRoleForRun, sessionName, type AwsRole } from "./accounts";
import type { StackConfig } from "./config";
import { CdcPipeline, pipelineName } from "./pipeline";

/** Where the committed metadata lives: `metadata/sources/<source>/`. */
export const METADATA_ROOT = path.resolve(__dirname, "..", "metadata", "sources");

/** What operators and the `cdc` CLI look up per source. */
export interface SourceOutputs {
  targets: string[];
  ingestionAccountId: string;
  lakeAccountId: string;
  /** ARN of the DMS replication task (to check its state, or restart it). */
  dmsTaskArn: pulumi.Output<string>;
  /** The buckets a file passes through. */
  buckets: { raw: pulumi.Output<string>; quarantine: pulumi.Output<string>; harmonized: pulumi.Output<string> };
}

/** The stack outputs. */
export interface ProgramOutputs {
  environment: string;
  sources: Record<string, SourceOutputs>;
}

export interface ProgramOptions {
  /** Directory holding one metadata directory per source. Defaults to {@link METADATA_ROOT}. */
  metadataRoot?: string;
  /** The `CDC_AWS_ROLE` setting; defaults to the environment's. Which roles the providers assume (src/accounts.ts). */
  awsRole?: string;
}

export function main(options: ProgramOptions = {}): ProgramOutputs {
  // Every problem, metadata included, is found before anything is declared, so a refusal leaves nothing half-done.
  const { config, metadata } = requireValidStack(programSettings(), options.metadataRoot ?? METADATA_ROOT);
  const role = awsRoleForRun("awsRole" in options ? options.awsRole : process.env[AWS_ROLE_VARIABLE], pulumi.runtime.isDryRun());

  const serviceRoles = config.createDmsServiceRoles ? dmsServiceRoles(config, role) : undefined;

  const pipelines = config.sources.map(
    (source) =>
      new CdcPipeline(pipelineName(config.environment, source.name), {
        environment: config.environment,
        region: config.region,
        accounts: config.accounts,
        awsRole: role,
        protectData: config.protectData,
        network: config.network,
        alerts: config.alerts,
        source,
        metadata: metadata.get(source.name) as MetadataDir,
        dmsServiceRoles: serviceRoles?.roles,
      }),
  );

  return {
    environment: config.environment,
    sources: Object.fromEntries(
      pipelines.map((p): [string, SourceOutputs] => [
        p.sourceName,
        {
          targets: p.targetNames,
          ingestionAccountId: p.ingestionAccountId,
          lakeAccountId: p.lakeAccountId,
          dmsTaskArn: p.dmsTaskArn,
          buckets: { raw: p.rawBucketName, quarantine: p.quarantineBucketName, harmonized: p.harmonizedBucketName },
        },
      ]),
    ),
  };
}

/**
 * The account-wide DMS roles, declared once per stack through a stack-level provider of the ingestion account (they
 * belong to no single source, so they carry no source tag).
 */
function dmsServiceRoles(config: StackConfig, role: AwsRole): DmsServiceRoles {
  const providers = accountProviders(`${config.environment}-stack`, {
    region: config.region,
    accounts: config.accounts,
    role,
    sessionName: sessionName("cdc", config.environment),
    defaultTags: { environment: config.environment, "managed-by": "cdc-pipelines" },
  });
  return new DmsServiceRoles(
    `${config.environment}-dms-service-roles`,
    { accountId: config.accounts.ingestion.accountId },
    { provider: providers.ingestion },
  );
}
