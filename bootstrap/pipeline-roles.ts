/**
 * The two roles the workflows assume in an account, with exact trust:
 *
 * - **deploy** (`pulumi up`): trusted by GitHub's token only for `repo:<owner>/<repo>:environment:<env>` of the stacks
 *   that deploy here, and by itself and the deploy role of the stack's other account (the Pulumi providers chain into
 *   each account's role from the one the workflow entered). It gets AdministratorAccess, on purpose: the program
 *   creates IAM roles and policies for its Lambdas, Glue jobs and DMS, and a role that writes role policies can grant
 *   itself anything, so a narrower list would not bound what a deploy can do — only break it at the next service the
 *   program adopts. What bounds it is who can assume it: the repository's protected environments, behind their
 *   required reviewers.
 * - **preview** (`pulumi preview` of pull requests, code nobody has reviewed yet): trusted only for
 *   `environment:<env>-preview`, and by itself and the other account's preview role. ReadOnlyAccess, reading and
 *   decrypting the state, and explicit denials of data reads and of every deploy role.
 *
 * Neither trust policy can be satisfied by the other's token: the subjects are compared with StringEquals, and an
 * environment's name is the whole of the subject's last part.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker, isAccountId, isRoleArn } from "./args";
import {
  ADMINISTRATOR_ACCESS,
  environmentSubject,
  previewPolicy,
  READ_ONLY_ACCESS,
  render,
  roleArn,
  trustPolicy,
} from "./policies";

/** Longest session the deploy role grants (IAM allows up to 12 hours); deploy-stack.yml asks for its job's timeout. */
export const DEPLOY_SESSION_SECONDS = 7200;

export interface PipelineRolesArgs {
  /** The account the roles are created in. */
  accountId: string;
  /** The repository whose workflows assume the roles, spelt as GitHub spells it (subjects are case-sensitive). */
  github: { owner: string; repository: string };
  /** The stacks (GitHub environments) that deploy into this account; previews come from `<env>-preview`. */
  environments: string[];
  /** ARN of the account's GitHub OIDC provider. */
  oidcProviderArn: pulumi.Input<string>;
  /** The stack's other account (separate ingestion and lake), whose same-named roles may chain into these. */
  peerAccountIds?: string[];
  /** Name of the deploy role. Defaults to `cdc-deploy`. */
  deployRoleName?: string;
  /** Name of the preview role. Defaults to `cdc-preview`. */
  previewRoleName?: string;
  /** Required as `sts:ExternalId` on chained assumptions, when the stack file sets one for this account. */
  externalId?: string;
  /** People's roles that may assume the preview role (local read-only previews); never the deploy role. */
  operatorRoleArns?: string[];
  /** The state bucket and key in this account, if any: the preview role may read and decrypt them (and nothing else). */
  state?: { bucketArn: pulumi.Input<string>; keyArn: pulumi.Input<string> };
}

export class PipelineRoles extends pulumi.ComponentResource {
  /** The stack files' `deployRoleArn` for this account, and the workflows' `AWS_DEPLOY_ROLE_ARN` where they enter it. */
  readonly deployRoleArn: pulumi.Output<string>;
  /** The stack files' `previewRoleArn` for this account, and the workflows' `AWS_PREVIEW_ROLE_ARN` where they enter it. */
  readonly previewRoleArn: pulumi.Output<string>;

  constructor(name: string, args: PipelineRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:bootstrap:PipelineRoles", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const deployName = args.deployRoleName ?? "cdc-deploy";
    const previewName = args.previewRoleName ?? "cdc-preview";
    const accounts = [args.accountId, ...(args.peerAccountIds ?? [])];
    const subjects = (suffix: string) =>
      args.environments.map((env) => environmentSubject(args.github.owner, args.github.repository, `${env}${suffix}`));

    const deploy = new aws.iam.Role(
      `${name}-deploy`,
      {
        name: deployName,
        // The workflow's session must outlast the deploy job (90 minutes): the providers' chained sessions last an hour
        // at most and are renewed from it, so a shorter one would expire under a long `pulumi up`.
        maxSessionDuration: DEPLOY_SESSION_SECONDS,
        description: `cdc-pipelines pulumi up from ${args.github.owner}/${args.github.repository} environments ${args.environments.join(", ")}`,
        assumeRolePolicy: render(
          pulumi.output(args.oidcProviderArn).apply((oidcProviderArn) =>
            trustPolicy({
              oidcProviderArn,
              subjects: subjects(""),
              chainFrom: accounts.map((a) => roleArn(a, deployName)),
              externalId: args.externalId,
            }),
          ),
        ),
      },
      child,
    );
    new aws.iam.RolePolicyAttachment(`${name}-deploy-admin`, { role: deploy.name, policyArn: ADMINISTRATOR_ACCESS }, child);

    const preview = new aws.iam.Role(
      `${name}-preview`,
      {
        name: previewName,
        description: `cdc-pipelines read-only pulumi preview from ${args.github.owner}/${args.github.repository} environments ${args.environments.map((e) => `${e}-preview`).join(", ")}`,
        assumeRolePolicy: render(
          pulumi.output(args.oidcProviderArn).apply((oidcProviderArn) =>
            trustPolicy({
              oidcProviderArn,
              subjects: subjects("-preview"),
              chainFrom: [...accounts.map((a) => roleArn(a, previewName)), ...(args.operatorRoleArns ?? [])],
              externalId: args.externalId,
            }),
          ),
        ),
      },
      child,
    );
    new aws.iam.RolePolicyAttachment(`${name}-preview-read-only`, { role: preview.name, policyArn: READ_ONLY_ACCESS }, child);
    const state = pulumi.output(args.state);
    new aws.iam.RolePolicy(
      `${name}-preview-policy`,
      {
        role: preview.name,
        name: "preview",
        policy: render(
          state.apply((s) =>
            previewPolicy({
              chainTo: accounts.map((a) => roleArn(a, previewName)),
              deployRolePattern: `arn:aws:iam::*:role/${deployName}`,
              state: s,
            }),
          ),
        ),
      },
      child,
    );

    this.deployRoleArn = deploy.arn;
    this.previewRoleArn = preview.arn;
    this.registerOutputs({ deployRoleArn: this.deployRoleArn, previewRoleArn: this.previewRoleArn });
  }
}

function validate(name: string, args: PipelineRolesArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("PipelineRoles", name, resource);
  if (!isAccountId(args.accountId)) fail(`accountId must be a 12-digit account id, got ${JSON.stringify(args.accountId)}`);
  for (const peer of args.peerAccountIds ?? []) {
    if (!isAccountId(peer) || peer === args.accountId)
      fail(`peerAccountIds must be other 12-digit account ids, got ${JSON.stringify(peer)}`);
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(args.github.owner) || !/^[A-Za-z0-9._-]{1,100}$/.test(args.github.repository)) {
    fail(`github must name an owner and a repository, got ${JSON.stringify(args.github)}`);
  }
  if (args.environments.length === 0) fail("environments is empty: no workflow could assume the roles");
  for (const env of args.environments) {
    // Subjects are compared whole, but an environment named like another's preview would make the two overlap.
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(env) || env.endsWith("-preview")) {
      fail(`environments must be stack names in lower-kebab-case, not ending in -preview, got ${JSON.stringify(env)}`);
    }
  }
  const deployName = args.deployRoleName ?? "cdc-deploy";
  const previewName = args.previewRoleName ?? "cdc-preview";
  for (const roleName of [deployName, previewName]) {
    if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) fail(`role names must be 1–64 of [\\w+=,.@-], got ${JSON.stringify(roleName)}`);
  }
  for (const arn of args.operatorRoleArns ?? []) {
    const roleName = arn.split("/").pop();
    if (!isRoleArn(arn) || roleName === deployName || roleName === previewName) {
      fail(`operatorRoleArns must be people's role ARNs, not the pipeline's roles, got ${JSON.stringify(arn)}`);
    }
  }
  if (deployName === previewName) fail("deployRoleName and previewRoleName must differ: the preview role is read-only");
}
