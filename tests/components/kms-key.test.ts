import * as pulumi from "@pulumi/pulumi";
import { KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS, KmsKey } from "../../components/kms-key";
import { one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, statements, testProvider } from "./helpers";

const VALIDATE_ROLE = "arn:aws:iam::444444444444:role/cdc-prod-sales-validate";

async function declare(args: Partial<ConstructorParameters<typeof KmsKey>[1]> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const key = new KmsKey(
      "lake",
      { accountId: ACCOUNT, alias: "cdc-prod-sales", description: "cdc prod sales lake data", ...args },
      { provider: testProvider() },
    );
    return { arn: key.arn };
  });
  return { resources: mocks.resources, outputs };
}

describe("KmsKey", () => {
  it("rotates yearly, waits 30 days before deletion and is found by its alias", async () => {
    const { resources } = await declare();
    expect(one(resources, "aws:kms/key:Key", "lake-key").inputs).toMatchObject({
      description: "cdc prod sales lake data",
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    expect(one(resources, "aws:kms/alias:Alias", "lake-alias").inputs).toEqual({
      name: "alias/cdc-prod-sales",
      targetKeyId: "arn:aws:kms:eu-west-2:111111111111:key/lake-key",
    });
  });

  it("lets its account administer it without kms:*, and names services and cross-account roles exactly", async () => {
    // The role arrives as an output, as the validate role's ARN does in the pipeline.
    const { resources } = await declare({
      services: ["events.amazonaws.com", "cloudwatch.amazonaws.com"],
      users: [pulumi.output(VALIDATE_ROLE)],
    });
    expect(statements(one(resources, "aws:kms/key:Key", "lake-key"))).toEqual([
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: [...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS],
        Resource: "*",
      },
      {
        Sid: "ServicesOfThisAccountUse",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
      // Spelled out, not the exported constant: a cross-account grant must be exactly what writing and reading back
      // SSE-KMS objects takes, and a widened constant would otherwise pass unnoticed.
      {
        Sid: "PipelineRolesUse",
        Effect: "Allow",
        Principal: { AWS: VALIDATE_ROLE },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
      },
    ]);
    expect(KEY_ADMIN_ACTIONS).not.toContain("kms:*");
  });

  it("lets queue senders, the region's CloudWatch Logs (for this account's log groups) and services it names use it", async () => {
    const { resources } = await declare({
      queueSenders: ["sns.amazonaws.com", "s3.amazonaws.com"],
      logsRegion: "eu-west-2",
      viaServices: ["glue.eu-west-2.amazonaws.com"],
    });
    expect(statements(one(resources, "aws:kms/key:Key", "lake-key")).slice(1)).toEqual([
      {
        Sid: "QueueSendersUse",
        Effect: "Allow",
        Principal: { Service: ["s3.amazonaws.com", "sns.amazonaws.com"] },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
      },
      {
        Sid: "CloudWatchLogsUse",
        Effect: "Allow",
        Principal: { Service: "logs.eu-west-2.amazonaws.com" },
        Action: KEY_USE_ACTIONS,
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-2:${ACCOUNT}:log-group:*` } },
      },
      // Like an AWS-managed key: anyone of this account, only through Glue (whose own permissions decide who reads).
      {
        Sid: "AccountUsesThroughServices",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: KEY_USE_ACTIONS,
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": ["glue.eu-west-2.amazonaws.com"] } },
      },
    ]);
  });

  it.each([
    [{ logsRegion: "London" }, 'KmsKey lake: logsRegion must be a region name such as eu-west-2, got "London"'],
    [
      { alias: "alias/cdc" },
      'KmsKey lake: alias must be 1–250 of [A-Za-z0-9/_-], without the alias/ prefix and not under aws/, got "alias/cdc"',
    ],
    [{ accountId: "1234" }, 'KmsKey lake: accountId must be a 12-digit account id, got "1234"'],
    [{ deletionWindowInDays: 3 }, "KmsKey lake: deletionWindowInDays must be 7–30, got 3"],
  ])("refuses bad arguments (%j)", async (args, message) => {
    await expect(declare(args)).rejects.toThrow(message);
  });
});
