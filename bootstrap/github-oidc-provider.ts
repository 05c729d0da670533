/**
 * The account's IAM identity provider for GitHub Actions (`token.actions.githubusercontent.com`, audience
 * `sts.amazonaws.com`), or the one it already has: an account holds one provider per URL.
 *
 * No thumbprint is given: IAM trusts GitHub's issuer through its own library of root CAs and ignores thumbprints for
 * it, so a pinned one would only be a value to rotate.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "./policies";

export interface GithubOidcProviderArgs {
  /**
   * ARN of a provider for `token.actions.githubusercontent.com` that the account already has; none is created then.
   * It must list `sts.amazonaws.com` among its audiences.
   */
  existingArn?: string;
}

export class GithubOidcProvider extends pulumi.ComponentResource {
  /** ARN of the provider, the `Federated` principal of the roles' trust policies. */
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: GithubOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:bootstrap:GithubOidcProvider", name, {}, opts);
    validate(name, args, this);
    if (args.existingArn !== undefined) {
      this.arn = pulumi.output(args.existingArn);
    } else {
      const provider = new aws.iam.OpenIdConnectProvider(
        `${name}-provider`,
        { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE] },
        // Every role of the account that trusts GitHub depends on it, other projects' roles included.
        { parent: this, retainOnDelete: true },
      );
      this.arn = provider.arn;
    }
    this.registerOutputs({ arn: this.arn });
  }
}

function validate(name: string, args: GithubOidcProviderArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("GithubOidcProvider", name, resource);
  if (args.existingArn !== undefined && !args.existingArn.endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`)) {
    fail(`existingArn must be the provider for ${GITHUB_OIDC_HOST}, got ${JSON.stringify(args.existingArn)}`);
  }
}
