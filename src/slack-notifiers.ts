/**
 * The stack's Slack notifiers, declared only when `cdc:alerts.slackWebhookSecretArn` is set: one per account of the
 * stack (ingestion, and lake when separate), each subscribed to every source's alert topic in its own account, so an
 * alarm or rule of either account reaches Slack exactly once.
 *
 * In a two-account stack one of the notifiers reads the webhook secret across accounts. The stack declares the
 * secret's resource policy, naming exactly that notifier's role (a review sees who reads it, as the harmonized
 * bucket's policy names its writers); the secret must be encrypted with a customer-managed key whose policy lets the
 * other account decrypt through Secrets Manager, which the stack cannot declare since it does not own the key.
 * One secret rather than a copy per account: rotating the URL is one change, and no account is left with a stale one.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../components/iam";
import { SlackNotifier } from "../components/slack-notifier";
import type { AccountProviders } from "./accounts";
import type { StackConfig } from "./config";
import type { CdcPipeline } from "./pipeline";

export function slackNotifiers(config: StackConfig, providers: AccountProviders, pipelines: CdcPipeline[]): SlackNotifier[] {
  const secretArn = config.alerts.slackWebhookSecretArn;
  if (secretArn === undefined || pipelines.length === 0) return [];
  const { ingestion, lake } = config.accounts;
  const sides = lake.accountId === ingestion.accountId ? (["ingestion"] as const) : (["ingestion", "lake"] as const);
  const notifiers = sides.map((side) => {
    const accountId = config.accounts[side].accountId;
    const notifier = new SlackNotifier(
      `${config.environment}-slack-notifier-${accountId}`,
      {
        environment: config.environment,
        accountId,
        region: config.region,
        stack: pulumi.getStack(),
        topics: Object.fromEntries(pipelines.map((p) => [p.sourceName, p.alertTopicArns[accountId]])),
        webhookSecretArn: secretArn,
        errorsThreshold: config.alarms.lambdaErrors,
        throttlesThreshold: config.alarms.lambdaThrottles,
        protectKey: config.protectData,
      },
      { provider: providers[side] },
    );
    return { accountId, notifier };
  });

  // The notifier of the other account reads the secret across accounts; the owner's policy names its role. (A secret
  // in an account outside the stack is its owner's to open: docs/operations.md says how.)
  const secretAccount = secretArn.split(":")[4];
  const owner = sides.find((side) => config.accounts[side].accountId === secretAccount);
  for (const { accountId, notifier } of notifiers) {
    if (owner === undefined || accountId === secretAccount) continue;
    new aws.secretsmanager.SecretPolicy(
      `${config.environment}-slack-notifier-${accountId}-webhook-secret-policy`,
      {
        secretArn,
        blockPublicPolicy: true,
        policy: policyDocument([
          {
            Sid: "SlackNotifierOfOtherAccountReads",
            Effect: "Allow",
            Principal: { AWS: notifier.roleArn },
            Action: "secretsmanager:GetSecretValue",
            Resource: secretArn,
          },
        ]),
      },
      // Under the notifier it serves, in the secret's account.
      { parent: notifier, provider: providers[owner] },
    );
  }
  return notifiers.map((n) => n.notifier);
}
