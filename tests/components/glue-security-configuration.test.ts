import { LargeFileJob } from "../../components/large-file-job";
import { glueRuntimeStatements } from "../../components/glue-job";
import { glueSecurityConfiguration } from "../../components/glue-security-configuration";
import * as pulumi from "@pulumi/pulumi";
import { one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, KEY_ARN, testProvider } from "./helpers";

const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-prod-sales-alerts`;

describe("glueSecurityConfiguration", () => {
  it("encrypts S3 output and CloudWatch logs (SSE-KMS) and job bookmarks (CSE-KMS) with the key", async () => {
    const { mocks } = await runDeclarations(() => {
      const parent = new pulumi.ComponentResource("test:index:Parent", "parent", {}, { provider: testProvider() });
      glueSecurityConfiguration(
        "apply-security",
        { configurationName: "cdc-prod-sales-reporting-apply", kmsKeyArn: KEY_ARN },
        { parent },
      );
      return {};
    });
    expect(one(mocks.resources, "aws:glue/securityConfiguration:SecurityConfiguration", "apply-security").inputs).toEqual({
      name: "cdc-prod-sales-reporting-apply",
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: KEY_ARN },
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: KEY_ARN },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: KEY_ARN },
      },
    });
  });

  it("refuses a name Glue would refuse", async () => {
    await expect(
      runDeclarations(() => {
        const parent = new pulumi.ComponentResource("test:index:Parent", "parent", {}, { provider: testProvider() });
        glueSecurityConfiguration("bad", { configurationName: "with spaces", kmsKeyArn: KEY_ARN }, { parent });
        return {};
      }),
    ).rejects.toThrow(
      'GlueSecurityConfiguration bad: configurationName must be 1–255 letters, digits, _, . or -, got "with spaces"',
    );
  });

  it("lets every Glue job role set the key on the log groups Glue creates for it", () => {
    const logs = glueRuntimeStatements(ACCOUNT, "arn:aws:s3:::artifacts/glue/x.py").find(
      (s) => (s as { Sid?: string }).Sid === "WriteJobLogs",
    );
    expect(logs).toMatchObject({
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
      Resource: `arn:aws:logs:*:${ACCOUNT}:log-group:/aws-glue/*`,
    });
  });
});

describe("LargeFileJob", () => {
  it("runs under a security configuration named like the job, with the pipeline key", async () => {
    const { mocks } = await runDeclarations(() => {
      const job = new LargeFileJob(
        "large",
        {
          jobName: "cdc-prod-sales-validate-large",
          accountId: ACCOUNT,
          scriptPath: "tests/components/fixtures/large_file.py",
          artifactsBucketName: `cdc-prod-sales-artifacts-${ACCOUNT}`,
          kmsKeyArn: KEY_ARN,
          policyStatements: [],
          alertTopicArn: TOPIC,
        },
        { provider: testProvider() },
      );
      return { jobName: job.jobName };
    });
    const security = one(mocks.resources, "aws:glue/securityConfiguration:SecurityConfiguration", "large-security");
    expect(security.inputs.name).toBe("cdc-prod-sales-validate-large");
    expect(JSON.stringify(security.inputs.encryptionConfiguration)).not.toContain("DISABLED");
    expect(one(mocks.resources, "aws:glue/job:Job", "large-job").inputs.securityConfiguration).toBe(
      "cdc-prod-sales-validate-large",
    );
  });
});
