/**
 * A Glue security configuration encrypting everything a job writes with one KMS key: its S3 output (SSE-KMS), its
 * CloudWatch logs (SSE-KMS) and its job bookmarks (CSE-KMS). A job names it in `securityConfiguration`; the policy pack
 * (`glue-job-security-configuration`) requires one on every job.
 *
 * What the key and the job's role then need ("Setting up encryption in AWS Glue",
 * https://docs.aws.amazon.com/glue/latest/dg/set-up-encryption.html): the key policy lets the region's CloudWatch Logs
 * use it (KmsKey `logsRegion`); the role may `logs:AssociateKmsKey` on its `/aws-glue/*` log groups
 * (glueRuntimeStatements grants it) and use the key for the data it reads and writes. With a security configuration,
 * Glue writes the job's logs to log groups named after it (`/aws-glue/jobs/<configuration>-role/<role>/…`).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";

export interface GlueSecurityConfigurationArgs {
  /** Physical name (1–255 characters), unique in the account and region; the job's log groups carry it. */
  configurationName: string;
  /** The pipeline key of the job's account. */
  kmsKeyArn: pulumi.Input<string>;
}

/**
 * Declares the security configuration as `name` under `opts.parent` (a plain resource: Glue replaces a configuration
 * whenever a setting changes, so a component around it would add nothing).
 */
export function glueSecurityConfiguration(
  name: string,
  args: GlueSecurityConfigurationArgs,
  opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): aws.glue.SecurityConfiguration {
  const fail = argsChecker("GlueSecurityConfiguration", name, opts.parent);
  if (!/^[\w.-]{1,255}$/.test(args.configurationName)) {
    fail(`configurationName must be 1–255 letters, digits, _, . or -, got ${JSON.stringify(args.configurationName)}`);
  }
  return new aws.glue.SecurityConfiguration(
    name,
    {
      name: args.configurationName,
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: args.kmsKeyArn },
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: args.kmsKeyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: args.kmsKeyArn },
      },
    },
    opts,
  );
}
