/**
 * The whole Pulumi program as a function: check the stack's `cdc` settings and each source's committed metadata (the
 * same check `cdc config check` runs), declare what the stack shares (one provider per account, one network, the DMS
 * service roles), then one pipeline per source. `index.ts` calls it; tests call it under mocks. It stays a table of
 * contents: the work lives in the components.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { MetadataDir } from "../metadata/load";
import { requireValidStack } from "./config-check";
import { UserError } from "./errors";
import { programSettings } from "./config-sources";
import { CatalogEncryption } from "../components/catalog-encryption";
import { DmsServiceRoles } from "../components/dms-service-roles";
import { Network } from "../components/network";
import { accountProviders, AWS_ROLE_VARIABLE, awsRoleForRun, sessionName, type AccountProviders } from "./accounts";
import type { StackConfig } from "./config";
import { CdcPipeline, pipelineName } from "./pipeline";
import { slackNotifiers } from "./slack-notifiers";
import { stackTags } from "./source-tags";
import { recordResources, registrationsAnswered, SOURCE_WAIT_MS } from "./declaration-pace";

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
  /** The longest the program waits for a source's answers before the next source (src/declaration-pace.ts). */
  sourceWaitMs?: number;
}

/**
 * Checks the stack, then declares it. A refusal is thrown before anything is declared; the declarations themselves
 * finish asynchronously (see {@link declarePipelines}), so the outputs come as a promise, which Pulumi awaits.
 */
export function main(options: ProgramOptions = {}): Promise<ProgramOutputs> {
  Error.stackTraceLimit = stackFrames(process.env);
  // Every problem, metadata included, is found before anything is declared, so a refusal leaves nothing half-done.
  const { config, metadata } = requireValidStack(programSettings(), options.metadataRoot ?? METADATA_ROOT);
  const role = awsRoleForRun("awsRole" in options ? options.awsRole : process.env[AWS_ROLE_VARIABLE], pulumi.runtime.isDryRun());

  // Named as the stack-level providers were when they served the DMS roles alone, so those keep theirs.
  const providers = accountProviders(`${config.environment}-stack`, {
    region: config.region,
    accounts: config.accounts,
    role,
    sessionName: sessionName("cdc", config.environment),
    defaultTags: stackTags(config.environment),
  });
  const serviceRoles = config.createDmsServiceRoles ? dmsServiceRoles(config, providers) : undefined;
  const network = stackNetwork(config, providers);
  // One per account and region: the lake's Data Catalog is encrypted before any pipeline declares a database in it
  // (databases created before stay unencrypted).
  const lakeAccount = config.accounts.lake.accountId;
  const catalog = new CatalogEncryption(
    `${config.environment}-catalog-${lakeAccount}`,
    { accountId: lakeAccount, region: config.region, keyAlias: `cdc-${config.environment}-catalog`, protect: config.protectData },
    { provider: providers.lake },
  );

  return declarePipelines(
    config,
    metadata,
    { providers, network, catalog, serviceRoles },
    options.sourceWaitMs ?? SOURCE_WAIT_MS,
  );
}

/** What every pipeline of the stack shares, declared before the first of them. */
interface SharedResources {
  providers: AccountProviders;
  network: Network;
  catalog: CatalogEncryption;
  serviceRoles?: DmsServiceRoles;
}

/** One pipeline per source, one source at a time (see src/declaration-pace.ts for why and how fast). */
async function declarePipelines(
  config: StackConfig,
  metadata: ReadonlyMap<string, MetadataDir>,
  shared: SharedResources,
  waitMs: number,
): Promise<ProgramOutputs> {
  const pipelines: CdcPipeline[] = [];
  for (const source of config.sources) {
    const declared: pulumi.Resource[] = [];
    pipelines.push(
      new CdcPipeline(
        pipelineName(config.environment, source.name),
        {
          environment: config.environment,
          region: config.region,
          accounts: config.accounts,
          providers: shared.providers,
          protectData: config.protectData,
          network: shared.network,
          alerts: config.alerts,
          alarms: config.alarms,
          source,
          metadata: metadata.get(source.name) as MetadataDir,
          dmsServiceRoles: shared.serviceRoles?.roles,
        },
        { dependsOn: [shared.catalog], transformations: [recordResources(declared)] },
      ),
    );
    await registrationsAnswered(declared, waitMs);
  }

  // One per account, after the pipelines: it subscribes to every source's alert topic there.
  slackNotifiers(config, shared.providers, pipelines);

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
 * Stack frames each Error keeps while the program runs (the whole process: the SDK keeps creating promises after
 * `main` returns). The Pulumi SDK records `new Error().stack` on every promise it creates (runtime/debuggable.js, for
 * its leak report), and under ts-node every such trace is source-mapped: 20 sources × 500 tables × 4 targets took 51 s
 * and 1.3 GB under the mocks with Node's default of 10 frames, 18 s with one, 12 s and 0.9 GB with none (`npm run bench
 * program`). So none by default: the program's own errors are one-line messages that need no trace. To debug a crash,
 * `CDC_STACK_FRAMES=20` (or Pulumi's `PULUMI_DEBUG_PROMISE_LEAKS`) brings traces back.
 */
export function stackFrames(env: NodeJS.ProcessEnv): number {
  const asked = env.CDC_STACK_FRAMES;
  if (asked !== undefined && asked !== "") {
    const n = Number(asked);
    if (!Number.isInteger(n) || n < 0 || n > 1000) {
      throw new UserError(`CDC_STACK_FRAMES must be a whole number of frames (0–1000), got ${JSON.stringify(asked)}`);
    }
    return n;
  }
  return env.PULUMI_DEBUG_PROMISE_LEAKS ? 10 : 0;
}

/** The account-wide DMS roles, declared once per stack in the ingestion account (they belong to no single source). */
function dmsServiceRoles(config: StackConfig, providers: AccountProviders): DmsServiceRoles {
  return new DmsServiceRoles(
    `${config.environment}-dms-service-roles`,
    { accountId: config.accounts.ingestion.accountId },
    { provider: providers.ingestion },
  );
}

/**
 * The stack's one network, in the ingestion account: every source's DMS and Glue connections share it (a VPC per
 * source would hit AWS's default limit of 5 per region at the sixth source, all with the same CIDR). Stacks that made
 * one per source keep the first source's VPC: the alias moves it here instead of replacing it; the others' VPCs are
 * deleted once their DMS subnet groups have moved (see README "Upgrading").
 */
function stackNetwork(config: StackConfig, providers: AccountProviders): Network {
  const first = config.sources[0];
  return new Network(
    `${config.environment}-network`,
    config.network.kind === "existing"
      ? config.network
      : { kind: "create", cidrBlock: config.network.cidrBlock, region: config.region },
    {
      provider: providers.ingestion,
      aliases: first
        ? [
            {
              name: `${pipelineName(config.environment, first.name)}-network`,
              parent: pulumi.createUrn(pipelineName(config.environment, first.name), "cdc:index:CdcPipeline"),
            },
          ]
        : [],
    },
  );
}
