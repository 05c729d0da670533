/**
 * The bootstrap project (bootstrap/) under the strict mocks: what it declares in one account, the exact trust of the
 * deploy and preview roles, the state bucket, and outputs shaped as the main project's stack files take them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { parse as parseYaml } from "yaml";
import { main } from "../../bootstrap/program";
import { DEPLOY_SESSION_SECONDS } from "../../bootstrap/pipeline-roles";
import { parseBootstrapConfig, namespaceSettings } from "../../bootstrap/config";
import { GITHUB_OIDC_HOST, type PolicyDocument } from "../../bootstrap/policies";
import { accountsSchema } from "../../src/config";
import type { RecordedResource, StrictMocksOptions } from "../support/pulumi-mocks";
import { one, ofType, providerConfig } from "../support/resources";
import { policies } from "../../policy/pack";
import { checkPolicies } from "../policy/harness";
import { runBootstrap, engineConfig, PROJECT_DIR } from "./run";

const INGESTION = "444444444444";
const LAKE = "555555555555";
const OIDC_ARN = `arn:aws:iam::${INGESTION}:oidc-provider/${GITHUB_OIDC_HOST}`;
const SUB = `${GITHUB_OIDC_HOST}:sub`;
const AUD = `${GITHUB_OIDC_HOST}:aud`;

/** Settings as the engine hands them over for a stack file's `config:` block. */
const settings = (extra: Record<string, unknown> = {}): Record<string, string> =>
  Object.fromEntries(
    Object.entries({
      accountId: INGESTION,
      region: "eu-west-2",
      github: { owner: "my-org", repository: "cdc-pipelines" },
      environments: ["prod"],
      peerAccountIds: [LAKE],
      ...extra,
    }).map(([k, v]) => [`cdc-bootstrap:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );

/** IAM's ARN for the GitHub provider (the mocks' default would not say oidc-provider). */
const mocks: StrictMocksOptions = {
  outputs: (args) =>
    args.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
      ? { arn: `arn:aws:iam::${INGESTION}:oidc-provider/${String(args.inputs.url).replace("https://", "")}` }
      : undefined,
};

const run = (extra: Record<string, unknown> = {}) => runBootstrap(() => main(), settings(extra), mocks);

const doc = (r: RecordedResource, key: string): PolicyDocument => JSON.parse(String(r.inputs[key])) as PolicyDocument;
const role = (rs: RecordedResource[], kind: "deploy" | "preview") =>
  one(rs, "aws:iam/role:Role", `cdc-${INGESTION}-roles-${kind}`);

/** What IAM does with GitHub's token against a trust policy's web-identity statements (StringEquals / StringLike). */
function tokenAssumes(trust: PolicyDocument, token: { sub: string; aud: string }, provider = OIDC_ARN): boolean {
  const claims: Record<string, string> = { [SUB]: token.sub, [AUD]: token.aud };
  const glob = (p: string) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
  return trust.Statement.some((s) => {
    if (s.Effect !== "Allow" || s.Action !== "sts:AssumeRoleWithWebIdentity") return false;
    if (typeof s.Principal !== "object" || s.Principal.Federated !== provider) return false;
    return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, expected]) => {
        const values = Array.isArray(expected) ? expected : [expected];
        if (operator === "StringEquals") return values.includes(claims[key]);
        if (operator === "StringLike") return values.some((v) => glob(v).test(claims[key] ?? ""));
        throw new Error(`unexpected condition operator ${operator} in a GitHub trust statement`);
      }),
    );
  });
}

/** iam-simulate: may a session of role `fromRole` (allowed everything by its own IAM) assume the role with this trust? */
async function chainAllowed(trust: PolicyDocument, fromRole: string, toRole: string, externalId?: string): Promise<boolean> {
  const [, , , , account, rest] = fromRole.split(":");
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${account}:assumed-role/${rest.split("/")[1]}/cdc`,
        action: "sts:AssumeRole",
        resource: { resource: toRole, accountId: toRole.split(":")[4] },
        contextVariables: { "aws:PrincipalArn": fromRole, ...(externalId ? { "sts:ExternalId": externalId } : {}) },
      },
      identityPolicies: [
        {
          name: "all",
          policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }] },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust as any,
    } as any,
    {},
  );
  if (result.resultType !== "single") throw new Error(`simulation did not run: ${JSON.stringify(result)}`);
  return result.overallResult === "Allowed";
}

const tokenOf = (environment: string, repo = "my-org/cdc-pipelines") => ({
  sub: `repo:${repo}:environment:${environment}`,
  aud: "sts.amazonaws.com",
});

describe("bootstrap: one account", () => {
  it("declares everything through one explicit provider locked to the account", async () => {
    const { mocks: m } = await run();
    const providers = ofType(m.resources, "pulumi:providers:aws");
    expect(providers.map((p) => p.name)).toEqual([`bootstrap-${INGESTION}`]);
    expect(providerConfig(providers[0])).toMatchObject({ region: "eu-west-2", allowedAccountIds: [INGESTION] });
    const custom = m.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    expect(custom.length).toBeGreaterThan(0);
    expect(custom.filter((r) => r.provider !== providers[0].urn).map((r) => r.name)).toEqual([]);
    expect(
      m.resources
        .filter((r) => !r.custom)
        .map((r) => r.type)
        .sort(),
    ).toEqual([
      "cdc:bootstrap:AccountBootstrap",
      "cdc:bootstrap:GithubOidcProvider",
      "cdc:bootstrap:PipelineRoles",
      "cdc:bootstrap:StateBucket",
    ]);
  });

  it("creates GitHub's OIDC provider for the STS audience, or uses the one the account has", async () => {
    const { mocks: m } = await run();
    const provider = one(m.resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", `cdc-${INGESTION}-github-provider`);
    expect(provider.inputs).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      clientIdLists: ["sts.amazonaws.com"],
    });
    expect(provider.retainOnDelete).toBe(true);

    const existing = await run({ existingOidcProviderArn: OIDC_ARN });
    expect(ofType(existing.mocks.resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")).toEqual([]);
    expect(doc(role(existing.mocks.resources, "deploy"), "assumeRolePolicy").Statement[0].Principal).toEqual({
      Federated: OIDC_ARN,
    });
  });

  it("trusts the deploy role to its environment's token, and to the stack's deploy roles by exact ARN", async () => {
    const { mocks: m } = await run();
    expect(doc(role(m.resources, "deploy"), "assumeRolePolicy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitHubEnvironment",
          Effect: "Allow",
          Principal: { Federated: OIDC_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: "repo:my-org/cdc-pipelines:environment:prod" } },
        },
        {
          Sid: "ChainedFromTheStacksRoles",
          Effect: "Allow",
          Principal: { AWS: [`arn:aws:iam::${INGESTION}:root`, `arn:aws:iam::${LAKE}:root`] },
          Action: "sts:AssumeRole",
          Condition: {
            ArnEquals: {
              "aws:PrincipalArn": [`arn:aws:iam::${INGESTION}:role/cdc-deploy`, `arn:aws:iam::${LAKE}:role/cdc-deploy`],
            },
          },
        },
      ],
    });
    expect(role(m.resources, "deploy").inputs.name).toBe("cdc-deploy");
  });

  it("lets the deploy session outlast the deploy job, so the providers can renew their chained sessions from it", async () => {
    const { mocks: m } = await run();
    const stage = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/deploy-stack.yml"), "utf8")).jobs.up;
    const credentials = stage.steps.find((s: any) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
    const requested = Number(credentials.with["role-duration-seconds"]);
    expect(requested).toBeGreaterThanOrEqual(stage["timeout-minutes"] * 60);
    expect(role(m.resources, "deploy").inputs.maxSessionDuration).toBe(DEPLOY_SESSION_SECONDS);
    expect(requested).toBeLessThanOrEqual(DEPLOY_SESSION_SECONDS);
  });

  it("trusts the preview role only to the preview environment's token and the stack's preview roles", async () => {
    const { mocks: m } = await run();
    const trust = doc(role(m.resources, "preview"), "assumeRolePolicy");
    expect(trust.Statement.map((s) => s.Condition)).toEqual([
      { StringEquals: { [AUD]: "sts.amazonaws.com", [SUB]: "repo:my-org/cdc-pipelines:environment:prod-preview" } },
      {
        ArnEquals: {
          "aws:PrincipalArn": [`arn:aws:iam::${INGESTION}:role/cdc-preview`, `arn:aws:iam::${LAKE}:role/cdc-preview`],
        },
      },
    ]);
    expect(role(m.resources, "preview").inputs.name).toBe("cdc-preview");
  });

  it("lets neither environment's token nor role satisfy the other role's trust", async () => {
    const { mocks: m } = await run({ environments: ["dev", "preprod"] });
    const deploy = doc(role(m.resources, "deploy"), "assumeRolePolicy");
    const preview = doc(role(m.resources, "preview"), "assumeRolePolicy");
    for (const env of ["dev", "preprod"]) {
      expect([tokenAssumes(deploy, tokenOf(env)), tokenAssumes(preview, tokenOf(env))]).toEqual([true, false]);
      expect([tokenAssumes(deploy, tokenOf(`${env}-preview`)), tokenAssumes(preview, tokenOf(`${env}-preview`))]).toEqual([
        false,
        true,
      ]);
    }
    // Anything else GitHub may sign: other stacks, branches, pull requests without an environment, other repositories,
    // other spellings, another audience or another provider.
    const strangers = [
      tokenOf("prod"),
      tokenOf("prod-preview"),
      { sub: "repo:my-org/cdc-pipelines:pull_request", aud: "sts.amazonaws.com" },
      { sub: "repo:my-org/cdc-pipelines:ref:refs/heads/main", aud: "sts.amazonaws.com" },
      tokenOf("dev", "my-org/cdc-pipelines-fork"),
      tokenOf("dev", "other-org/cdc-pipelines"),
      tokenOf("Dev"),
      { sub: "repo:my-org/cdc-pipelines:environment:dev", aud: "https://github.com/my-org" },
    ];
    for (const token of strangers)
      expect([token, tokenAssumes(deploy, token), tokenAssumes(preview, token)]).toEqual([token, false, false]);
    expect(tokenAssumes(deploy, tokenOf("dev"), `arn:aws:iam::${LAKE}:oidc-provider/${GITHUB_OIDC_HOST}`)).toBe(false);

    // Chaining (the providers' assumeRoles), evaluated by iam-simulate: each kind only from its own kind.
    const arn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
    const deployArn = arn(INGESTION, "cdc-deploy");
    const previewArn = arn(INGESTION, "cdc-preview");
    expect(
      await Promise.all([
        chainAllowed(deploy, deployArn, deployArn),
        chainAllowed(deploy, arn(LAKE, "cdc-deploy"), deployArn),
        chainAllowed(deploy, previewArn, deployArn),
        chainAllowed(deploy, arn(LAKE, "cdc-preview"), deployArn),
        chainAllowed(deploy, arn("666666666666", "cdc-deploy"), deployArn),
        chainAllowed(deploy, arn(INGESTION, "admin"), deployArn),
        chainAllowed(preview, previewArn, previewArn),
        chainAllowed(preview, arn(LAKE, "cdc-preview"), previewArn),
        chainAllowed(preview, deployArn, previewArn),
        chainAllowed(preview, arn(LAKE, "cdc-deploy"), previewArn),
      ]),
    ).toEqual([true, true, false, false, false, false, true, true, false, false]);
  });

  it("lets operators' roles assume the preview role for local previews, never the deploy role", async () => {
    const operator = `arn:aws:iam::${INGESTION}:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_Admin_0123456789abcdef`;
    const { mocks: m } = await run({ operatorRoleArns: [operator] });
    const deploy = doc(role(m.resources, "deploy"), "assumeRolePolicy");
    const preview = doc(role(m.resources, "preview"), "assumeRolePolicy");
    expect(preview.Statement[1].Condition?.ArnEquals["aws:PrincipalArn"]).toContain(operator);
    expect(JSON.stringify(deploy)).not.toContain("AWSReservedSSO");
    const to = (name: string) => `arn:aws:iam::${INGESTION}:role/${name}`;
    expect(
      await Promise.all([chainAllowed(preview, operator, to("cdc-preview")), chainAllowed(deploy, operator, to("cdc-deploy"))]),
    ).toEqual([true, false]);
    expect(() =>
      parseBootstrapConfig(namespaceSettings(settings({ operatorRoleArns: [`arn:aws:iam::${LAKE}:role/cdc-deploy`] }))),
    ).toThrow(
      "cdc-bootstrap:operatorRoleArns[0]: an operator role is a person's role, not one of the pipeline's deploy or preview roles",
    );
  });

  it("requires the stack file's external id on chained assumptions when one is set", async () => {
    const { mocks: m } = await run({ externalId: "cdc-prod" });
    const deploy = doc(role(m.resources, "deploy"), "assumeRolePolicy");
    expect(deploy.Statement[1].Condition?.StringEquals).toEqual({ "sts:ExternalId": "cdc-prod" });
    const self = `arn:aws:iam::${INGESTION}:role/cdc-deploy`;
    expect(await chainAllowed(deploy, self, self, "cdc-prod")).toBe(true);
    expect(await chainAllowed(deploy, self, self)).toBe(false);
    expect(await chainAllowed(deploy, self, self, "other")).toBe(false);
  });

  it("gives deploy AdministratorAccess, and preview ReadOnlyAccess with state reads and denials of data reads and deploy roles", async () => {
    const { mocks: m } = await run();
    const attachments = ofType(m.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => [
      a.name,
      a.inputs.policyArn,
    ]);
    expect(attachments.sort()).toEqual([
      [`cdc-${INGESTION}-roles-deploy-admin`, "arn:aws:iam::aws:policy/AdministratorAccess"],
      [`cdc-${INGESTION}-roles-preview-read-only`, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
    ]);
    const inline = ofType(m.resources, "aws:iam/rolePolicy:RolePolicy");
    expect(inline.map((p) => p.name)).toEqual([`cdc-${INGESTION}-roles-preview-policy`]);
    const bucket = `arn:aws:s3:::cdc-pulumi-state-${INGESTION}-eu-west-2`;
    const key = `arn:aws:kms:eu-west-2:${INGESTION}:key/cdc-${INGESTION}-state-key`;
    const policy = doc(inline[0], "policy");
    expect(policy.Statement.map((s) => [s.Sid, s.Effect, s.Action, s.Resource ?? { NotResource: s.NotResource }])).toEqual([
      [
        "ChainToPreviewRoles",
        "Allow",
        "sts:AssumeRole",
        [`arn:aws:iam::${INGESTION}:role/cdc-preview`, `arn:aws:iam::${LAKE}:role/cdc-preview`],
      ],
      ["NeverDeploy", "Deny", "sts:AssumeRole", "arn:aws:iam::*:role/cdc-deploy"],
      [
        "NoDataReads",
        "Deny",
        expect.arrayContaining(["secretsmanager:GetSecretValue", "sqs:ReceiveMessage", "ssm:GetParameter"]),
        "*",
      ],
      ["ListState", "Allow", ["s3:GetBucketLocation", "s3:ListBucket"], bucket],
      ["ReadState", "Allow", ["s3:GetObject", "s3:GetObjectVersion"], `${bucket}/*`],
      ["DecryptState", "Allow", ["kms:Decrypt", "kms:DescribeKey"], key],
      ["NoObjectReadsButState", "Deny", ["s3:GetObject", "s3:GetObjectVersion"], { NotResource: `${bucket}/*` }],
    ]);
    // No write anywhere: every Allow is a read, a decrypt, or chaining to a preview role.
    const allowed = policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat());
    expect(allowed.filter((a) => !/^(s3:(Get|List)|kms:(Decrypt|Describe)|sts:AssumeRole$)/.test(a))).toEqual([]);
  });

  it("keeps the state in a versioned, private, TLS-only bucket encrypted with its own rotating key, protected and retained", async () => {
    const { mocks: m } = await run();
    const name = `cdc-pulumi-state-${INGESTION}-eu-west-2`;
    const bucket = one(m.resources, "aws:s3/bucket:Bucket", `cdc-${INGESTION}-state-bucket`);
    expect(bucket.inputs).toMatchObject({ bucket: name, forceDestroy: false });
    const keyRes = one(m.resources, "aws:kms/key:Key", `cdc-${INGESTION}-state-key`);
    expect(keyRes.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    const keyArn = `arn:aws:kms:eu-west-2:${INGESTION}:key/cdc-${INGESTION}-state-key`;
    const s = (type: string, suffix: string) => one(m.resources, type, `cdc-${INGESTION}-state-${suffix}`).inputs;
    expect(s("aws:s3/bucketVersioning:BucketVersioning", "versioning")).toMatchObject({
      bucket: name,
      versioningConfiguration: { status: "Enabled" },
    });
    expect(
      s("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "encryption"),
    ).toMatchObject({
      bucket: name,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true },
      ],
    });
    expect(s("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "public-access")).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(s("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "ownership")).toMatchObject({
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const bucketPolicy = JSON.parse(String(s("aws:s3/bucketPolicy:BucketPolicy", "policy").policy)) as PolicyDocument;
    expect(bucketPolicy.Statement[0]).toEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(bucketPolicy.Statement.map((st) => st.Sid)).toEqual(["DenyInsecureTransport", "DenyOtherEncryption", "DenyOtherKeys"]);
    expect(bucketPolicy.Statement[2].Condition?.StringNotEquals).toEqual({
      "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn,
    });
    expect(bucketPolicy.Statement.every((st) => st.Effect === "Deny")).toBe(true);
    const keyPolicy = JSON.parse(String(keyRes.inputs.policy)) as PolicyDocument;
    expect(keyPolicy.Statement.map((st) => st.Principal)).toEqual([{ AWS: `arn:aws:iam::${INGESTION}:root` }]);
    expect(keyPolicy.Statement.flatMap((st) => [st.Action].flat())).not.toContain("kms:*");
    const state = m.resources.filter((r) => r.custom && r.name.startsWith(`cdc-${INGESTION}-state-`));
    expect(state.length).toBe(9); // key, alias, bucket, versioning, encryption, public access, ownership, policy, lifecycle
    expect(state.filter((r) => !r.protect || !r.retainOnDelete).map((r) => r.name)).toEqual([]);
    expect(s("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lifecycle").rules).toMatchObject([
      {
        status: "Enabled",
        noncurrentVersionExpiration: { noncurrentDays: 90 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
  });

  it("outputs the ARNs and backend URL the main stack files and GitHub environments take", async () => {
    const { outputs } = await run();
    expect(outputs).toMatchObject({
      accountId: INGESTION,
      oidcProviderArn: OIDC_ARN,
      deployRoleArn: `arn:aws:iam::${INGESTION}:role/cdc-deploy`,
      previewRoleArn: `arn:aws:iam::${INGESTION}:role/cdc-preview`,
      backendUrl: `s3://cdc-pulumi-state-${INGESTION}-eu-west-2?region=eu-west-2`,
      stateBucketName: `cdc-pulumi-state-${INGESTION}-eu-west-2`,
    });
    // The entry pastes into `cdc:accounts` as is: the main project's own schema accepts it.
    const entry = outputs.stackAccount as Record<string, unknown>;
    expect(entry).toEqual({ accountId: INGESTION, deployRoleArn: outputs.deployRoleArn, previewRoleArn: outputs.previewRoleArn });
    expect(accountsSchema.parse({ ingestion: entry }).ingestion).toEqual(entry);
  });

  it("passes the project's own policy pack (encrypted, private, TLS-only bucket; no wildcard actions of its own)", async () => {
    const { mocks: m } = await run();
    await expect(checkPolicies(policies, m.resources)).resolves.toEqual([]);
  });

  it("prepares a lake account without a state bucket: previews there read no object at all", async () => {
    const { mocks: m, outputs } = await run({ accountId: LAKE, peerAccountIds: [INGESTION], stateBucket: false });
    expect(ofType(m.resources, "aws:s3/bucket:Bucket")).toEqual([]);
    expect(outputs.backendUrl).toBeUndefined();
    const policy = doc(ofType(m.resources, "aws:iam/rolePolicy:RolePolicy")[0], "policy");
    expect(policy.Statement.at(-1)).toEqual({
      Sid: "NoObjectReads",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: "*",
    });
    expect(policy.Statement.some((s) => s.Sid === "ReadState")).toBe(false);
  });
});

describe("bootstrap settings", () => {
  it("accepts the example stack file", () => {
    const config = parseBootstrapConfig(namespaceSettings(engineConfig(path.join(PROJECT_DIR, "bootstrap/Pulumi.example.yaml"))));
    expect(config).toMatchObject({
      accountId: INGESTION,
      environments: ["prod"],
      peerAccountIds: [LAKE],
      deployRoleName: "cdc-deploy",
      previewRoleName: "cdc-preview",
      stateBucket: { name: `cdc-pulumi-state-${INGESTION}`, noncurrentVersionDays: 90 },
    });
  });

  it("refuses bad settings before declaring anything, one line per problem naming its key", async () => {
    await expect(
      run({
        accountId: "4444",
        environments: ["prod-preview"],
        previewRoleName: "cdc-deploy",
        peerAccountIds: ["4444"],
        github: { owner: "my org", repository: "cdc-pipelines" },
      }),
    ).rejects.toThrow(
      [
        "invalid bootstrap settings:",
        "cdc-bootstrap:accountId: expected a 12-digit AWS account id (quote it in YAML)",
        "cdc-bootstrap:github.owner: expected a GitHub user or organisation name",
        "cdc-bootstrap:environments[0]: name the stack, not its preview environment (-preview is added)",
        "cdc-bootstrap:peerAccountIds[0]: expected a 12-digit AWS account id (quote it in YAML)",
      ].join("\n"),
    );
    expect(() => parseBootstrapConfig(namespaceSettings(settings({ previewRoleName: "cdc-deploy" })))).toThrow(
      "cdc-bootstrap:previewRoleName: the preview role must be a separate role from the deploy role",
    );
    expect(() => parseBootstrapConfig(namespaceSettings(settings({ peerAccountIds: [INGESTION] })))).toThrow(
      "cdc-bootstrap:peerAccountIds[0]: a peer is the other account of the stack, not this one",
    );
  });
});

describe("bootstrap and the rest of the repository", () => {
  it("imports nothing from the main program (src/) or its components", () => {
    const dir = path.join(PROJECT_DIR, "bootstrap");
    const imports = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) => [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => `${f}: ${m[1]}`));
    expect(imports.filter((i) => /: \.\.\//.test(i))).toEqual([]);
  });

  it("trusts exactly the environments the workflows run in: <stack> for up, <stack>-preview for preview", () => {
    const workflow = (f: string) => fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows", f), "utf8");
    expect(workflow("deploy-stack.yml")).toMatch(/^ {4}environment: \$\{\{ inputs\.stack \}\}$/m);
    expect(workflow("preview.yml")).toMatch(/^ {4}environment: \$\{\{ matrix\.stack \}\}-preview$/m);
    // The roles the workflows enter are the ones the stack files name (role names as in the example stack files).
    for (const stack of ["dev", "preprod", "prod"]) {
      const accounts = JSON.parse(engineConfig(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`))["cdc:accounts"]) as Record<
        string,
        { deployRoleArn: string; previewRoleArn: string }
      >;
      for (const account of Object.values(accounts)) {
        expect([account.deployRoleArn.split("/").pop(), account.previewRoleArn.split("/").pop()]).toEqual([
          "cdc-deploy",
          "cdc-preview",
        ]);
      }
    }
  });
});
