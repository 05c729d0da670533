/**
 * Rules over one source that the schema alone cannot decide: they need another part of the stack (its region and
 * accounts, its network) or the source's committed metadata. Each returns problems at paths relative to the source, so
 * the stack check (`config-check.ts`) reports them as `cdc:sources[i]…` and `CdcPipeline` refuses the same args
 * with the same words: one set of rules, whoever calls it.
 */
import type { MetadataDir } from "../metadata/load";
import { tableId } from "../metadata/format";
import { matchesTableGlob } from "../metadata/table-glob";
import type { Located } from "./config-issues";
import type { AccountsConfig, NetworkConfig, SourceConfig } from "./config";

/** The parts of the stack a source's rules look at; a part that did not validate is left out, and its rules skipped. */
export interface SourceSurroundings {
  /** The stack's environment (`cdc:environment`); some settings are for dev and test only. */
  environment?: string;
  region?: string;
  accounts?: AccountsConfig;
  /** Only where the VPC comes from matters to the rules: created (in the ingestion account) or existing. */
  network?: Pick<NetworkConfig, "kind">;
}

/** Every rule over `source`; the metadata rules only when its metadata could be read. */
export function sourceProblems(stack: SourceSurroundings, source: SourceConfig, metadata?: MetadataDir): Located[] {
  return [
    ...secretPlacementProblems(stack, source),
    ...mysqlNetworkProblems(stack, source),
    ...costSaverProblems(stack, source),
    ...(metadata ? metadataProblems(source, metadata) : []),
  ];
}

const ARN_PLACE = /^arn:[^:]+:[^:]+:([^:]*):(\d{12}):/;

/** A secret outside the stack's region, which nothing deployed here is granted: one line, or none. */
function regionProblem(arn: string, region: string | undefined, reader: string): string | undefined {
  const [, arnRegion] = ARN_PLACE.exec(arn) ?? [];
  if (arnRegion === undefined || region === undefined || arnRegion === region) return undefined;
  return `secret is in region ${arnRegion}, but the stack is in ${region} (${reader} reads it there)`;
}

/** The stack-wide secrets: the Slack webhook's, read by the alert delivery in the stack's region. */
export function alertSecretProblems(
  region: string | undefined,
  alerts: { slackWebhookSecretArn?: string } | undefined,
): Located[] {
  const arn = alerts?.slackWebhookSecretArn;
  const message = arn === undefined ? undefined : regionProblem(arn, region, "the alert delivery");
  return message === undefined ? [] : [{ path: ["alerts", "slackWebhookSecretArn"], message }];
}

/**
 * Secrets are read where they are used: the source's by DMS in the ingestion account, a MySQL target's by the apply
 * job in the lake account, both in the stack's region. Secrets Manager ARNs are regional, and neither reader is
 * granted anything in another region, so a secret elsewhere fails only when DMS or the job first connects.
 * A MySQL secret of another account is readable when it has its own KMS key (the default key cannot be shared) and
 * the secret's policy lets the job in; the source's is not, since DMS is granted no key.
 */
function secretPlacementProblems({ region, accounts }: SourceSurroundings, source: SourceConfig): Located[] {
  const problems: Located[] = [];
  const check = (
    arn: string,
    at: PropertyKey[],
    reader: string,
    side: "ingestion" | "lake",
    crossAccount?: { allowed: boolean; hint: string },
  ) => {
    const [, arnRegion, arnAccount] = ARN_PLACE.exec(arn) ?? [];
    if (arnRegion === undefined) return; // not an ARN: the schema says so
    const elsewhere = regionProblem(arn, region, reader);
    if (elsewhere !== undefined) problems.push({ path: at, message: elsewhere });
    const account = accounts?.[side].accountId;
    if (account !== undefined && arnAccount !== account && !crossAccount?.allowed) {
      problems.push({
        path: at,
        message: `secret is in account ${arnAccount}, but ${reader} reads it from the ${side} account ${account}${crossAccount ? `; ${crossAccount.hint}` : ""}`,
      });
    }
  };
  check(source.endpoint.secretArn, ["endpoint", "secretArn"], "DMS", "ingestion");
  source.targets.forEach((t, i) => {
    if (!t.mysql) return;
    check(t.mysql.secretArn, ["targets", i, "mysql", "secretArn"], `the apply job of target ${t.name}`, "lake", {
      allowed: t.mysql.secretKmsKeyArn !== undefined,
      hint: "to read a secret across accounts, encrypt it with a KMS key of its own, set secretKmsKeyArn and let the lake account in through the secret's policy",
    });
  });
  return problems;
}

/**
 * A MySQL target's apply job runs in the lake account, and Glue puts its network interfaces in one of the stack's
 * subnets. A created VPC lives in the ingestion account, where the lake account cannot place anything, so a separate
 * lake account needs an existing VPC whose subnets are shared with it.
 */
function mysqlNetworkProblems({ accounts, network }: SourceSurroundings, source: SourceConfig): Located[] {
  if (!accounts || network?.kind !== "create" || accounts.lake.accountId === accounts.ingestion.accountId) return [];
  return source.targets.flatMap((t, i) =>
    t.mysql
      ? [
          {
            path: ["targets", i, "mysql"],
            message: `target ${t.name} writes to MySQL from the lake account, but cdc:network creates its VPC in the ingestion account; name an existing VPC whose subnets are shared with the lake account (AWS RAM) instead`,
          },
        ]
      : [],
  );
}

/**
 * The DMS stop/start schedule saves dev money at night; in prod a stopped task is an outage that nothing would alert
 * on (the stop is on purpose), and the targets fall hours behind every morning. The environment is the stack's
 * `cdc:environment`, as for the policy pack's production rules.
 */
function costSaverProblems({ environment }: SourceSurroundings, source: SourceConfig): Located[] {
  if (environment !== "prod" || source.dms.schedule === undefined) return [];
  return [
    {
      path: ["dms", "schedule"],
      message:
        "a DMS stop/start schedule is a dev and test cost saver; prod replicates around the clock, remove it from this stack",
    },
  ];
}

/**
 * The committed metadata must describe this source as the stack declares it, and every table glob must select at
 * least one of its tables: a glob that matches nothing is a typo whose target would silently never get data.
 */
export function metadataProblems(source: SourceConfig, metadata: MetadataDir): Located[] {
  const m = metadata.source;
  const problems: Located[] = [];
  if (m.source !== source.name) {
    problems.push({ path: ["name"], message: `metadata is for source ${m.source}, expected ${source.name}` });
  }
  if (m.engine !== source.engine) {
    problems.push({
      path: ["engine"],
      message: `metadata of ${m.source} was extracted from a ${m.engine} database but the stack says ${source.engine}; re-run \`cdc metadata extract\``,
    });
  }
  const ids = metadata.tables.map(tableId);
  source.targets.forEach((t, i) => {
    for (const glob of t.tables) {
      if (!ids.some((id) => matchesTableGlob(glob, id))) {
        problems.push({
          path: ["targets", i, "tables"],
          message: `glob ${JSON.stringify(glob)} matches no table of source ${source.name}`,
        });
      }
    }
  });
  return problems;
}
