/**
 * The whole Pulumi program as a function: validate the stack's `cdc` settings, then declare one pipeline per source.
 * `index.ts` calls it; tests call it under mocks. It stays a table of contents: the work lives in the components.
 */
import { loadStackConfig } from "./config-sources";
import { CdcPipeline, pipelineName } from "./pipeline";

/** The stack outputs. */
export interface ProgramOutputs {
  environment: string;
  sources: Record<string, { targets: string[]; ingestionAccountId: string; lakeAccountId: string }>;
}

export function main(): ProgramOutputs {
  const config = loadStackConfig();

  const pipelines = config.sources.map(
    (source) =>
      new CdcPipeline(pipelineName(config.environment, source.name), {
        environment: config.environment,
        region: config.region,
        accounts: config.accounts,
        network: config.network,
        alerts: config.alerts,
        source,
      }),
  );

  return {
    environment: config.environment,
    sources: Object.fromEntries(
      pipelines.map((p) => [
        p.sourceName,
        { targets: p.targetNames, ingestionAccountId: p.ingestionAccountId, lakeAccountId: p.lakeAccountId },
      ]),
    ),
  };
}
