import * as aws from "@pulumi/aws";
import * as path from "node:path";
import { loadStackFile } from "../../src/config-sources";
import { ConfigError } from "../../src/config-issues";
import { bucketName } from "../../metadata/naming";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, descendantsOf, ofType, one, providerConfig, providerOf } from "../support/resources";
import { engineConfig, PROJECT_DIR, runProgram, runStack, STACKS } from "../support/stack";
import { stackFrames } from "../../src/program";

const PIPELINE = "cdc:index:CdcPipeline";
const AWS_PROVIDER = "pulumi:providers:aws";

/** Whether pulumi-aws's resource of `type` takes tags: its generated class declares a `tagsAll` output. */
function isTaggable(type: string): boolean {
  const [pkg, mod] = type.split(":");
  if (pkg !== "aws") return false;
  const service = (aws as unknown as Record<string, Record<string, unknown>>)[mod.split("/")[0]];
  const cls = Object.values(service).find(
    (c) => typeof c === "function" && (c as { __pulumiType?: string }).__pulumiType === type,
  );
  if (!cls) throw new Error(`no pulumi-aws class for ${type}`);
  return String(cls).includes('resourceInputs["tagsAll"]');
}

describe.each(STACKS)("the program on the %s stack", (stack) => {
  const config = loadStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
  const distinctAccounts = [...new Set([config.accounts.ingestion.accountId, config.accounts.lake.accountId])];
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;

  beforeAll(async () => {
    const run = await runStack(stack);
    resources = run.mocks.resources;
    outputs = run.outputs;
  });

  it("declares one pipeline per source, named from environment and source", () => {
    expect(ofType(resources, PIPELINE).map((r) => r.name)).toEqual(config.sources.map((s) => `${stack}-${s.name}`));
    for (const p of ofType(resources, PIPELINE)) expect(p.parent).toBeUndefined();
  });

  it("declares one provider per distinct account for the whole stack, assuming that account's deploy role in an update", () => {
    const providers = ofType(resources, AWS_PROVIDER);
    expect(providers.map((p) => p.name).sort()).toEqual(distinctAccounts.map((a) => `${stack}-stack-${a}`).sort());
    for (const provider of providers) {
      expect(provider.parent).toBeUndefined();
      const accountId = provider.name.split("-").pop() as string;
      const role = [config.accounts.ingestion, config.accounts.lake].find((a) => a.accountId === accountId);
      expect(providerConfig(provider)).toMatchObject({
        region: config.region,
        allowedAccountIds: [accountId],
        assumeRoles: [{ roleArn: role?.deployRoleArn, sessionName: `cdc-${stack}` }],
        defaultTags: { tags: { environment: stack, "managed-by": "cdc-pipelines" } },
      });
    }
  });

  it("tags every taggable resource of a pipeline with its source, keeping the resource's own tags", () => {
    for (const source of config.sources) {
      const pipeline = one(resources, PIPELINE, `${stack}-${source.name}`);
      const taggable = descendantsOf(resources, pipeline).filter((r) => r.custom && isTaggable(r.type));
      expect(taggable.length).toBeGreaterThan(20);
      for (const r of taggable)
        expect({ name: r.name, source: (r.inputs.tags as Record<string, string>)?.source }).toEqual({
          name: r.name,
          source: source.name,
        });
    }
  });

  it("declares nothing outside a pipeline but the providers, the network, the catalog's encryption, the account-wide DMS roles and the Slack notifiers, every AWS resource through an explicit provider", () => {
    const stackLevel = new Set([
      PIPELINE,
      "cdc:ingestion:DmsServiceRoles",
      AWS_PROVIDER,
      "cdc:network:Network",
      "cdc:glue:CatalogEncryption",
      "cdc:alerting:SlackNotifier",
    ]);
    for (const r of resources) {
      if (!stackLevel.has(r.type)) expect(r.parent).toBeDefined();
      if (r.custom && r.type.startsWith("aws:")) expect(providerOf(resources, r)?.type).toBe(AWS_PROVIDER);
    }
    expect(ofType(resources, "cdc:network:Network").map((n) => n.name)).toEqual([`${stack}-network`]);
  });

  it("declares each source's DMS and validated landing, every child named after its cdc component parent", () => {
    for (const source of config.sources) {
      const pipeline = one(resources, PIPELINE, `${stack}-${source.name}`);
      const components = childrenOf(resources, pipeline).map((c) => c.type);
      expect(components).toEqual(expect.arrayContaining(["cdc:ingestion:DmsSource", "cdc:ingestion:ValidatedLanding"]));
    }
    for (const parent of resources.filter((r) => r.type.startsWith("cdc:"))) {
      for (const c of childrenOf(resources, parent)) expect(c.name.startsWith(`${parent.name}-`)).toBe(true);
    }
  });

  it("exports each source's targets, accounts, DMS task and buckets", () => {
    expect(outputs).toEqual({
      environment: stack,
      sources: Object.fromEntries(
        config.sources.map((s) => [
          s.name,
          {
            targets: s.targets.map((t) => t.name),
            ingestionAccountId: config.accounts.ingestion.accountId,
            lakeAccountId: config.accounts.lake.accountId,
            dmsTaskArn: expect.stringMatching(
              new RegExp(`^arn:aws:dms:${config.region}:${config.accounts.ingestion.accountId}:task:`),
            ),
            buckets: {
              raw: bucketName(stack, s.name, "raw", config.accounts.ingestion.accountId),
              quarantine: bucketName(stack, s.name, "quarantine", config.accounts.ingestion.accountId),
              harmonized: bucketName(stack, s.name, "harmonized", config.accounts.lake.accountId),
            },
          },
        ]),
      ),
    });
  });
});

describe("stackFrames", () => {
  it("keeps no stack frames unless asked, since the SDK traces every promise it makes", () => {
    expect(stackFrames({})).toBe(0);
    expect(stackFrames({ PULUMI_DEBUG_PROMISE_LEAKS: "1" })).toBe(10);
    expect(stackFrames({ CDC_STACK_FRAMES: "25", PULUMI_DEBUG_PROMISE_LEAKS: "1" })).toBe(25);
    expect(stackFrames({ CDC_STACK_FRAMES: "0" })).toBe(0);
    expect(() => stackFrames({ CDC_STACK_FRAMES: "lots" })).toThrow(
      'CDC_STACK_FRAMES must be a whole number of frames (0–1000), got "lots"',
    );
  });
});

describe("account placement", () => {
  it("collapses ingestion and lake into one provider in a single-account stack (dev)", async () => {
    const { mocks } = await runStack("dev");
    expect(ofType(mocks.resources, AWS_PROVIDER).map((p) => p.name)).toEqual(["dev-stack-111111111111"]);
  });

  it("keeps separate ingestion and lake providers in prod, shared by every source", async () => {
    const { mocks } = await runStack("prod");
    const names = ofType(mocks.resources, AWS_PROVIDER).map((p) => p.name);
    expect(names).toEqual(["prod-stack-444444444444", "prod-stack-555555555555"]);
  });

  it("passes the external id to the role assumption when the stack sets one", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.prod.yaml"));
    const accounts = JSON.parse(config["cdc:accounts"]);
    accounts.lake.externalId = "cdc-lake-7f3a";
    const { mocks } = await runProgram({ ...config, "cdc:accounts": JSON.stringify(accounts) }, { stack: "prod" });
    const lake = providerConfig(one(mocks.resources, AWS_PROVIDER, "prod-stack-555555555555"));
    const ingestion = providerConfig(one(mocks.resources, AWS_PROVIDER, "prod-stack-444444444444"));
    expect((lake.assumeRoles as Array<Record<string, unknown>>)[0].externalId).toBe("cdc-lake-7f3a");
    expect((ingestion.assumeRoles as Array<Record<string, unknown>>)[0].externalId).toBeUndefined();
  });
});

describe("account-wide DMS roles", () => {
  it("are declared once, in the ingestion account, before any DMS subnet group, when the stack asks (dev)", async () => {
    const { mocks } = await runStack("dev");
    const roles = ofType(mocks.resources, "aws:iam/role:Role").filter((r) => String(r.inputs.name).startsWith("dms-"));
    expect(roles.map((r) => r.inputs.name).sort()).toEqual(["dms-cloudwatch-logs-role", "dms-vpc-role"]);
    for (const role of roles) {
      const provider = providerOf(mocks.resources, role);
      expect(provider?.name).toBe("dev-stack-111111111111");
      expect(providerConfig(provider as RecordedResource)).toMatchObject({ allowedAccountIds: ["111111111111"] });
    }
    const subnetGroups = ofType(mocks.resources, "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup");
    expect(subnetGroups).toHaveLength(2);
    for (const g of subnetGroups) expect(g.dependencies).toEqual(expect.arrayContaining(roles.map((r) => r.urn)));
  });

  it("are left alone when the account already has them (prod)", async () => {
    const { mocks } = await runStack("prod");
    expect(ofType(mocks.resources, "cdc:ingestion:DmsServiceRoles")).toEqual([]);
    expect(mocks.resources.filter((r) => String(r.inputs.name).startsWith("dms-") && r.type === "aws:iam/role:Role")).toEqual([]);
  });
});

describe("a refused configuration", () => {
  it("stops the program before any resource is declared, listing every problem", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
    const sources = JSON.parse(config["cdc:sources"]);
    sources[1].engine = "db2";
    sources[0].targets[0].mysql.port = 0;
    const run = runProgram({ ...config, "cdc:sources": JSON.stringify(sources), "cdc:region": "London" }, { stack: "dev" });
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toMatchObject({
      problems: [
        'cdc:region: expected a known AWS region such as eu-west-2, received "London" (list: src/aws-regions.ts)',
        "cdc:sources[0].targets[0].mysql.port: expected a number >= 1, received 0",
        'cdc:sources[1].engine: expected one of "sqlserver", "mysql", "postgres", "oracle", received "db2"',
      ],
    });
  });

  it("declares no resource when the settings are refused", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.dev.yaml"));
    const { StrictMocks } = await import("../support/pulumi-mocks");
    const mocks = new StrictMocks();
    await mocks.install("cdc-pipelines", "dev");
    const pulumi = await import("@pulumi/pulumi");
    pulumi.runtime.setAllConfig({ ...config, "cdc:accounts": "{}" });
    const { main } = await import("../../src/program");
    expect(() => main()).toThrow("cdc:accounts.ingestion: missing; expected a mapping");
    expect(mocks.resources).toEqual([]);
  });
});

describe("preview", () => {
  it("runs with unknown values without throwing", async () => {
    const { mocks, outputs } = await runStack("prod", { preview: true });
    expect(ofType(mocks.resources, PIPELINE)).toHaveLength(2);
    expect(outputs.environment).toBe("prod");
  });
});
