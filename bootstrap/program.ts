/**
 * The bootstrap program as a function: check the settings, declare the account's one explicit provider, prepare the
 * account. `index.ts` calls it; tests call it under mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccountBootstrap, type StackAccountEntry } from "./account-bootstrap";
import { namespaceSettings, parseBootstrapConfig } from "./config";

/** The stack outputs: what the main project's stack files and the GitHub environments take. */
export interface BootstrapOutputs {
  accountId: string;
  oidcProviderArn: pulumi.Output<string>;
  /** `cdc:accounts.<side>.deployRoleArn`, and `AWS_DEPLOY_ROLE_ARN` of the `<env>` environments entering here. */
  deployRoleArn: pulumi.Output<string>;
  /** `cdc:accounts.<side>.previewRoleArn`, and `AWS_PREVIEW_ROLE_ARN` of the `<env>-preview` environments entering here. */
  previewRoleArn: pulumi.Output<string>;
  /** `pulumi login` URL and the environments' `PULUMI_BACKEND_URL`; undefined when this account holds no state. */
  backendUrl: pulumi.Output<string | undefined>;
  stateBucketName: pulumi.Output<string | undefined>;
  stateKeyArn: pulumi.Output<string | undefined>;
  /** The account's whole entry under `cdc:accounts` in the stack files. */
  stackAccount: pulumi.Output<StackAccountEntry>;
}

export function main(): BootstrapOutputs {
  const config = parseBootstrapConfig(namespaceSettings(pulumi.runtime.allConfig()));
  const provider = new aws.Provider(`bootstrap-${config.accountId}`, {
    region: config.region,
    // The shell's credentials decide where the bootstrap acts; this refuses any account but the configured one.
    allowedAccountIds: [config.accountId],
    defaultTags: { tags: { "managed-by": "cdc-bootstrap", repository: `${config.github.owner}/${config.github.repository}` } },
  });
  const account = new AccountBootstrap(
    `cdc-${config.accountId}`,
    {
      accountId: config.accountId,
      region: config.region,
      github: config.github,
      environments: config.environments,
      peerAccountIds: config.peerAccountIds,
      existingOidcProviderArn: config.existingOidcProviderArn,
      deployRoleName: config.deployRoleName,
      previewRoleName: config.previewRoleName,
      externalId: config.externalId,
      operatorRoleArns: config.operatorRoleArns,
      stateBucket: config.stateBucket,
    },
    { providers: { aws: provider } },
  );
  return {
    accountId: config.accountId,
    oidcProviderArn: account.oidcProviderArn,
    deployRoleArn: account.deployRoleArn,
    previewRoleArn: account.previewRoleArn,
    backendUrl: account.backendUrl,
    stateBucketName: account.stateBucketName,
    stateKeyArn: account.stateKeyArn,
    stackAccount: account.stackAccount,
  };
}
