/**
 * One explicit AWS provider per account the pipeline deploys into. Default providers are disabled for the project
 * (`pulumi:disable-default-providers`), so a resource without one of these fails loudly instead of landing in
 * whatever account the deployer's credentials happen to point at.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountConfig, AccountsConfig } from "./config";
import { UserError } from "./errors";

/**
 * Which of each account's roles the providers assume: `deploy` for `pulumi up`, `preview` (read-only) for pull-request
 * previews.
 *
 * Chosen by a setting the workflow passes (`CDC_AWS_ROLE`), not by `pulumi.runtime.isDryRun()`. A provider's inputs,
 * its `assumeRoles` included, are part of the state, so whenever the role differs from the one the last `up` stored,
 * Pulumi shows the provider as updated (`[diff: ~assumeRoles]`; pulumi-aws keeps it in state, pulumi/pulumi-aws#3149).
 * `isDryRun()` is also true in the preview phase of every `pulumi up`, so each `up` would first preview with the
 * preview roles (the deploy job would need both), show every provider as changed, then apply that change back. With
 * the setting, `pulumi up` and a local `pulumi preview` use the deploy roles in every phase and the stored inputs
 * always match; only the pull-request preview, the one job that must not write, differs from the state.
 */
export type AwsRole = "deploy" | "preview";

/** The variable the workflows set: `preview` in the pull-request preview job; unset or `deploy` everywhere else. */
export const AWS_ROLE_VARIABLE = "CDC_AWS_ROLE";

/**
 * The role this run assumes. `pulumi up` with the preview roles is refused before anything is declared: they cannot
 * write, so the update would fail at its first change and leave the stack half-applied.
 */
export function awsRoleForRun(value: string | undefined, dryRun: boolean): AwsRole {
  if (value === undefined || value === "" || value === "deploy") return "deploy";
  if (value !== "preview") {
    throw new UserError(`${AWS_ROLE_VARIABLE} must be deploy or preview, got ${JSON.stringify(value)}`);
  }
  if (!dryRun) {
    throw new UserError(
      `${AWS_ROLE_VARIABLE}=preview is for \`pulumi preview\` only: the preview roles are read-only, so an update would fail at its first change`,
    );
  }
  return "preview";
}

/** The role ARN of `account` for `role`. */
export function roleArnFor(account: AccountConfig, role: AwsRole): string {
  return role === "preview" ? account.previewRoleArn : account.deployRoleArn;
}

export interface AccountProvidersArgs {
  /** Region every provider operates in. */
  region: string;
  /** The ingestion and lake accounts; when both are the same account they share one provider. */
  accounts: AccountsConfig;
  /** Tags every taggable resource created through these providers carries (environment, source, managed-by). */
  defaultTags: Record<string, string>;
  /** The STS session name the role is assumed with, so CloudTrail shows which pipeline acted. */
  sessionName: string;
  /** Which role of each account to assume ({@link awsRoleForRun}). */
  role: AwsRole;
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
          assumeRoles: [
            { roleArn: roleArnFor(account, args.role), sessionName: args.sessionName, externalId: account.externalId },
          ],
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
