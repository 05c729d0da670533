/**
 * Everything one AWS account needs before the first `pulumi up` of cdc-pipelines: the GitHub OIDC provider, the deploy
 * and preview roles, and (where the stacks' workflows enter the account) the bucket holding their Pulumi state.
 */
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isAccountId } from "./args";
import { GithubOidcProvider } from "./github-oidc-provider";
import { PipelineRoles } from "./pipeline-roles";
import { StateBucket } from "./state-bucket";

export interface AccountBootstrapArgs {
  /** The account being prepared. */
  accountId: string;
  /** Region of the state bucket and its key. */
  region: string;
  /** The repository whose workflows assume the roles. */
  github: { owner: string; repository: string };
  /** The stacks (GitHub environments) that deploy into this account. */
  environments: string[];
  /** The stack's other account, when ingestion and lake are separate. */
  peerAccountIds?: string[];
  /** The account's existing GitHub OIDC provider, if it has one. */
  existingOidcProviderArn?: string;
  /** Role names; default `cdc-deploy` and `cdc-preview`, as the example stack files expect. */
  deployRoleName?: string;
  previewRoleName?: string;
  /** Required on chained assumptions when the stack file sets an externalId for this account. */
  externalId?: string;
  /** People's roles that may assume the preview role for local read-only previews (never the deploy role). */
  operatorRoleArns?: string[];
  /** The state bucket to create here, if any. */
  stateBucket?: { name: string; noncurrentVersionDays?: number };
}

/** The stack file's entry for this account (`cdc:accounts.ingestion` or `.lake`), ready to paste. */
export interface StackAccountEntry {
  accountId: string;
  deployRoleArn: string;
  previewRoleArn: string;
  externalId?: string;
}

export class AccountBootstrap extends pulumi.ComponentResource {
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly deployRoleArn: pulumi.Output<string>;
  readonly previewRoleArn: pulumi.Output<string>;
  /** `s3://<bucket>?region=<region>` for `pulumi login`, and the workflows' `PULUMI_BACKEND_URL`; undefined without a bucket. */
  readonly backendUrl: pulumi.Output<string | undefined>;
  readonly stateBucketName: pulumi.Output<string | undefined>;
  readonly stateKeyArn: pulumi.Output<string | undefined>;
  /** What the stack files take for this account. */
  readonly stackAccount: pulumi.Output<StackAccountEntry>;

  constructor(name: string, args: AccountBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:bootstrap:AccountBootstrap", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };

    const oidc = new GithubOidcProvider(`${name}-github`, { existingArn: args.existingOidcProviderArn }, child);
    const state = args.stateBucket
      ? new StateBucket(
          `${name}-state`,
          {
            accountId: args.accountId,
            region: args.region,
            bucketName: args.stateBucket.name,
            noncurrentVersionDays: args.stateBucket.noncurrentVersionDays,
          },
          child,
        )
      : undefined;
    const roles = new PipelineRoles(
      `${name}-roles`,
      {
        accountId: args.accountId,
        github: args.github,
        environments: args.environments,
        oidcProviderArn: oidc.arn,
        peerAccountIds: args.peerAccountIds,
        deployRoleName: args.deployRoleName,
        previewRoleName: args.previewRoleName,
        externalId: args.externalId,
        operatorRoleArns: args.operatorRoleArns,
        state: state ? { bucketArn: state.arn, keyArn: state.keyArn } : undefined,
      },
      child,
    );

    this.oidcProviderArn = oidc.arn;
    this.deployRoleArn = roles.deployRoleArn;
    this.previewRoleArn = roles.previewRoleArn;
    this.backendUrl = state ? state.backendUrl : pulumi.output(undefined);
    this.stateBucketName = state ? state.bucketName : pulumi.output(undefined);
    this.stateKeyArn = state ? state.keyArn : pulumi.output(undefined);
    this.stackAccount = pulumi.all([roles.deployRoleArn, roles.previewRoleArn]).apply(([deployRoleArn, previewRoleArn]) => ({
      accountId: args.accountId,
      deployRoleArn,
      previewRoleArn,
      ...(args.externalId !== undefined ? { externalId: args.externalId } : {}),
    }));
    this.registerOutputs({
      oidcProviderArn: this.oidcProviderArn,
      deployRoleArn: this.deployRoleArn,
      previewRoleArn: this.previewRoleArn,
      backendUrl: this.backendUrl,
      stateBucketName: this.stateBucketName,
      stateKeyArn: this.stateKeyArn,
      stackAccount: this.stackAccount,
    });
  }
}

function validate(name: string, args: AccountBootstrapArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("AccountBootstrap", name, resource);
  if (!isAccountId(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);
  if (args.existingOidcProviderArn !== undefined && args.existingOidcProviderArn.split(":")[4] !== args.accountId) {
    fail(`existingOidcProviderArn must be in account ${args.accountId}, got ${JSON.stringify(args.existingOidcProviderArn)}`);
  }
}
