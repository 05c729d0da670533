import { accountProviders, awsRoleForRun, sessionName } from "../../src/accounts";
import { settle, StrictMocks } from "../support/pulumi-mocks";
import { providerConfig } from "../support/resources";

const ingestion = {
  accountId: "111111111111",
  deployRoleArn: "arn:aws:iam::111111111111:role/cdc-deploy",
  previewRoleArn: "arn:aws:iam::111111111111:role/cdc-preview",
};
const lake = {
  accountId: "222222222222",
  deployRoleArn: "arn:aws:iam::222222222222:role/cdc-deploy",
  previewRoleArn: "arn:aws:iam::222222222222:role/cdc-preview",
  externalId: "lake-ext",
};

describe("accountProviders", () => {
  let mocks: StrictMocks;
  beforeEach(async () => {
    mocks = new StrictMocks();
    await mocks.install("cdc-pipelines", "test");
  });

  const args = {
    region: "eu-west-1",
    defaultTags: { environment: "test" },
    sessionName: "cdc-test-sales",
    role: "deploy" as const,
  };

  it("returns the same provider for both sides when they share an account", async () => {
    const p = accountProviders("test-sales", { ...args, accounts: { ingestion, lake: ingestion } });
    await settle();
    expect(p.ingestion).toBe(p.lake);
    expect(mocks.resources.map((r) => r.name)).toEqual(["test-sales-111111111111"]);
  });

  it("declares one provider per account, each locked to its account and role", async () => {
    const p = accountProviders("test-sales", { ...args, accounts: { ingestion, lake } });
    await settle();
    expect(p.ingestion).not.toBe(p.lake);
    expect(mocks.resources.map((r) => [r.type, r.name])).toEqual([
      ["pulumi:providers:aws", "test-sales-111111111111"],
      ["pulumi:providers:aws", "test-sales-222222222222"],
    ]);
    expect(providerConfig(mocks.resources[1])).toMatchObject({
      region: "eu-west-1",
      allowedAccountIds: ["222222222222"],
      assumeRoles: [{ roleArn: lake.deployRoleArn, sessionName: "cdc-test-sales", externalId: "lake-ext" }],
      defaultTags: { tags: { environment: "test" } },
    });
  });

  it("assumes each account's preview role, and only that, when the run is a pull-request preview", async () => {
    accountProviders("test-sales", { ...args, role: "preview", accounts: { ingestion, lake } });
    await settle();
    expect(mocks.resources.map((r) => providerConfig(r).assumeRoles)).toEqual([
      [{ roleArn: ingestion.previewRoleArn, sessionName: "cdc-test-sales" }],
      [{ roleArn: lake.previewRoleArn, sessionName: "cdc-test-sales", externalId: "lake-ext" }],
    ]);
  });
});

describe("awsRoleForRun", () => {
  it("deploys unless the workflow asks for the preview roles", () => {
    expect(awsRoleForRun(undefined, true)).toBe("deploy");
    expect(awsRoleForRun(undefined, false)).toBe("deploy");
    expect(awsRoleForRun("deploy", false)).toBe("deploy");
    expect(awsRoleForRun("preview", true)).toBe("preview");
  });

  it("refuses an update with the read-only roles, and any other value", () => {
    expect(() => awsRoleForRun("preview", false)).toThrow(
      "CDC_AWS_ROLE=preview is for `pulumi preview` only: the preview roles are read-only, so an update would fail at its first change",
    );
    expect(() => awsRoleForRun("Preview", true)).toThrow('CDC_AWS_ROLE must be deploy or preview, got "Preview"');
  });
});

describe("sessionName", () => {
  it("keeps the characters STS allows and at most 64 of them", () => {
    expect(sessionName("cdc", "dev", "sales")).toBe("cdc-dev-sales");
    expect(sessionName("cdc", "dev", "a b/c")).toBe("cdc-dev-a-b-c");
    expect(sessionName("cdc", "x".repeat(80))).toHaveLength(64);
  });
});
