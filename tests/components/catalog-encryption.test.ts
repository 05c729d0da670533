import { CatalogEncryption, type CatalogEncryptionArgs } from "../../components/catalog-encryption";
import { KEY_USE_ACTIONS } from "../../components/kms-key";
import { policies } from "../../policy/pack";
import { checkPolicies } from "../policy/harness";
import { one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, statement, testProvider } from "./helpers";

async function declare(args: Partial<CatalogEncryptionArgs> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const catalog = new CatalogEncryption(
      "prod-catalog",
      { accountId: ACCOUNT, region: "eu-west-2", keyAlias: "cdc-prod-catalog", protect: true, ...args },
      { provider: testProvider() },
    );
    return { kmsKeyArn: catalog.kmsKeyArn };
  });
  return { resources: mocks.resources, outputs };
}

describe("CatalogEncryption", () => {
  it("encrypts the account's catalog and connection passwords with a key of its own", async () => {
    const { resources, outputs } = await declare();
    const key = "arn:aws:kms:eu-west-2:111111111111:key/prod-catalog-key-key";
    expect(outputs.kmsKeyArn).toBe(key);
    expect(
      one(resources, "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings", "prod-catalog-settings").inputs,
    ).toEqual({
      catalogId: ACCOUNT,
      dataCatalogEncryptionSettings: {
        encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: key },
        connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: key },
      },
    });
    expect(one(resources, "aws:kms/alias:Alias", "prod-catalog-key-alias").inputs.name).toBe("alias/cdc-prod-catalog");
  });

  it("lets the account use the key through Glue of its region only", async () => {
    const { resources } = await declare();
    expect(statement(one(resources, "aws:kms/key:Key", "prod-catalog-key-key"), "AccountUsesThroughServices")).toEqual({
      Sid: "AccountUsesThroughServices",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: KEY_USE_ACTIONS,
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": ["glue.eu-west-2.amazonaws.com"] } },
    });
  });

  it("is retained when removed (the catalog stays encrypted); its key, the data, is protected when asked", async () => {
    const { resources } = await declare();
    expect(one(resources, "aws:kms/key:Key", "prod-catalog-key-key")).toMatchObject({ retainOnDelete: true, protect: true });
    expect(
      one(resources, "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings", "prod-catalog-settings"),
    ).toMatchObject({ retainOnDelete: true, protect: false });
  });

  it("satisfies the policy pack's catalog rule for a database of its account", async () => {
    const { resources } = await declare();
    const database = {
      type: "aws:glue/catalogDatabase:CatalogDatabase",
      name: "db",
      props: { name: "cdc_prod_sales_reporting", catalogId: ACCOUNT },
    };
    expect(await checkPolicies(policies, [...resources, database])).toEqual([]);
  });

  it.each([
    [{ accountId: "12" }, 'CatalogEncryption prod-catalog: accountId must be a 12-digit account id, got "12"'],
    [{ region: "London" }, 'CatalogEncryption prod-catalog: region must be a region name such as eu-west-2, got "London"'],
  ])("refuses bad arguments (%j)", async (args, message) => {
    await expect(declare(args)).rejects.toThrow(message);
  });
});
