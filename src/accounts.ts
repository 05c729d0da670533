/**
 * One explicit AWS provider per account the pipeline deploys into. Default providers are disabled for the project
 * (`pulumi:disable-default-providers`), so a resource without one of these fails loudly instead of landing in
 * whatever account the deployer's credentials happen to point at.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountConfig, AccountsConfig } from "./config";

export interface AccountProvidersArgs {
  /** Region every provider operates in. */
  region: string;
  /** The ingestion and lake accounts; when both are the same account they share one provider. */
  accounts: AccountsConfig;
  /** Tags every taggable resource created through these providers carries (environment, source, managed-by). */
  defaultTags: Record<string, string>;
  /** The STS session name the deploy role is assumed with, so CloudTrail shows which pipeline acted. */
  sessionName: string;
}

/** The provider to use on each side of the pipeline. `ingestion === lake` in a single-account stack. */
export interface AccountProviders {
  ingestion: aws.Provider;
  lake: aws.Provider;
}

/**
 * Declares one provider per distinct account, named `${name}-<accountId>` so the name stays stable whatever the
 * account is used for, and never depends on the order of anything in the stack file.
 */
export function accountProviders(
  name: string,
  args: AccountProvidersArgs,
  opts?: pulumi.CustomResourceOptions,
): AccountProviders {
  const byAccount = new Map<string, aws.Provider>();
  const providerFor = (account: AccountConfig): aws.Provider => {
    let provider = byAccount.get(account.accountId);
    if (!provider) {
      provider = new aws.Provider(
        `${name}-${account.accountId}`,
        {
          region: args.region,
          allowedAccountIds: [account.accountId],
          assumeRoles: [{ roleArn: account.deployRoleArn, sessionName: args.sessionName, externalId: account.externalId }],
          defaultTags: { tags: args.defaultTags },
        },
        opts,
      );
      byAccount.set(account.accountId, provider);
    }
    return provider;
  };
  return { ingestion: providerFor(args.accounts.ingestion), lake: providerFor(args.accounts.lake) };
}

/** STS session names allow 2–64 characters of `[\w+=,.@-]`. */
export function sessionName(...parts: string[]): string {
  return parts
    .join("-")
    .replace(/[^\w+=,.@-]/g, "-")
    .slice(0, 64);
}
