/**
 * The Slack notifier (SQS-triggered by the queue every alert topic of its account delivers to). A thin adapter: it
 * reads the webhook URL from Secrets Manager (Powertools Parameters, cached for SECRET_MAX_AGE_SECONDS, so a rotated
 * URL is picked up without a deploy), hands the batch to the pure core (handlers/core/notify/batch.ts: read, format,
 * pack, post under Slack's rate limit) and reports the records whose post failed as batch item failures, so SQS
 * delivers those again and, after the queue's receive limit, moves them to its DLQ (whose alarm exists).
 *
 * The URL is the secret: it is never logged, not even in an error. A failed post logs its status and Slack's error
 * code; a secret that cannot be read logs the error's name and the secret's ARN. The URL must be Slack's own
 * (https://hooks.slack.com/ or https://hooks.slack-gov.com/): the secret is editable by more people than the code,
 * and every alert (table names, file keys, errors) would otherwise go wherever it points.
 *
 * Environment:
 *   SLACK_WEBHOOK_SECRET_ARN  the secret holding the incoming-webhook URL (the URL itself, or JSON `{"url": …}`)
 *   SECRET_MAX_AGE_SECONDS    how long the URL is cached (default 300)
 *   STACK                     the Pulumi stack, filled into the commands alerts show (`--stack <stack>`)
 *   MIN_POST_INTERVAL_MS      pause between two posts (default 1000: Slack's one message a second)
 *   POST_ATTEMPTS             attempts of one post on 5xx or a network error (default 3)
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { z } from "zod";
import { notifyBatch } from "./core/notify/batch";
import type { SendPost } from "./core/notify/deliver";
import { settingsFromEnv, wholeNumberVar } from "./lib/env";

export interface NotifySettings {
  stack?: string;
  minPostIntervalMs: number;
  postAttempts: number;
}

export interface NotifyDeps {
  /** The webhook URL, as the secret holds it now (cached by the caller's choice). */
  webhookUrl: () => Promise<string>;
  /** The secret's ARN: what an error about the secret names (never its value). */
  secretArn: string;
  settings: NotifySettings;
  logger?: Logger;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Time kept back from the function's deadline: the response and the log must still get out. Posts are held to it
 * including their answer's longest wait (POST_TIMEOUT_MS, see deliver.ts): a post in flight at the function's timeout
 * fails the whole batch, and SQS would deliver the alerts already posted again.
 */
const DEADLINE_MARGIN_MS = 5000;
/** Without a Lambda context (tests, local runs): how long a batch may take. */
const NO_CONTEXT_BUDGET_MS = 120_000;
/** One post's longest wait for Slack's answer. */
const POST_TIMEOUT_MS = 10_000;

export function createNotifyHandler(
  deps: NotifyDeps,
): (event: SQSEvent, context?: Pick<Context, "getRemainingTimeInMillis">) => Promise<SQSBatchResponse> {
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-notify" });
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const doFetch = deps.fetch ?? fetch;

  return async (event, context) => {
    const all = () => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) });
    let url: string;
    try {
      url = webhookUrlFrom(await deps.webhookUrl(), deps.secretArn);
    } catch (err) {
      // Every record waits for the next delivery: the secret may be fixed by then (or the DLQ tells someone).
      logger.error("Slack webhook secret unusable; the batch is returned to the queue", {
        error: safeError(err),
        secret: deps.secretArn,
      });
      return all();
    }
    const send: SendPost = async (payload) => {
      const r = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      const body = await r.text().catch(() => "");
      return { status: r.status, retryAfter: r.headers.get("retry-after"), body };
    };
    const budget = context ? context.getRemainingTimeInMillis() : NO_CONTEXT_BUDGET_MS;
    const outcome = await notifyBatch(
      event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
      {
        send,
        sleep,
        now,
        deadline: now() + budget - DEADLINE_MARGIN_MS,
        postTimeoutMs: POST_TIMEOUT_MS,
        minIntervalMs: deps.settings.minPostIntervalMs,
        maxAttempts: deps.settings.postAttempts,
        stack: deps.settings.stack,
        onAttempt: (a) => logger.warn("Slack post not accepted", { ...a }),
      },
    );
    const summary = { records: event.Records.length, posts: outcome.posts, alertsPosted: outcome.delivered };
    if (outcome.failedRecordIds.length > 0)
      logger.error("Slack posts failed; their records return to the queue", {
        ...summary,
        failedRecords: outcome.failedRecordIds.length,
        reasons: [...new Set(outcome.failures)],
      });
    else logger.info("alerts posted to Slack", summary);
    return { batchItemFailures: outcome.failedRecordIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** The hosts of Slack's incoming webhooks (commercial and GovSlack). */
const SLACK_WEBHOOK_HOSTS = ["hooks.slack.com", "hooks.slack-gov.com"];

/**
 * The URL in the secret (`secretArn`): the string itself, or a JSON object's `url`; only a Slack incoming-webhook URL
 * is taken. Errors name the secret, never its value.
 */
export function webhookUrlFrom(secret: unknown, secretArn: string): string {
  let value = typeof secret === "string" ? secret.trim() : undefined;
  if (value?.startsWith("{")) {
    try {
      const parsed = JSON.parse(value) as { url?: unknown };
      value = typeof parsed.url === "string" ? parsed.url.trim() : undefined;
    } catch {
      value = undefined;
    }
  }
  if (!value || !isSlackWebhook(value))
    throw new Error(
      `Slack webhook secret ${secretArn} must hold a Slack incoming-webhook URL (https on ${SLACK_WEBHOOK_HOSTS.join(" or ")}), ` +
        'as a string or as JSON {"url": …}',
    );
  return value;
}

function isSlackWebhook(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    /^\S+$/.test(value) &&
    url.protocol === "https:" &&
    SLACK_WEBHOOK_HOSTS.includes(url.hostname) &&
    url.port === "" &&
    url.username === "" &&
    url.password === "" &&
    url.pathname.length > 1
  );
}

/** An error as the log may show it: its name and message, with anything looking like a URL masked. */
function safeError(err: unknown): string {
  const e = err as Error;
  return `${e?.name ?? "Error"}: ${String(e?.message ?? err).replace(/https?:\/\/\S+/g, "<url>")}`;
}

/** The notifier's environment, declared once (see the file's comment for what each variable means). */
const notifyEnvSchema = z.object({
  SLACK_WEBHOOK_SECRET_ARN: z
    .string({ error: "environment variable SLACK_WEBHOOK_SECRET_ARN is not set" })
    .regex(/^arn:aws[a-z-]*:secretsmanager:/, { error: "SLACK_WEBHOOK_SECRET_ARN must be a Secrets Manager secret ARN" }),
  SECRET_MAX_AGE_SECONDS: wholeNumberVar("SECRET_MAX_AGE_SECONDS", 300),
  STACK: z.string().optional(),
  MIN_POST_INTERVAL_MS: wholeNumberVar("MIN_POST_INTERVAL_MS", 1000),
  POST_ATTEMPTS: wholeNumberVar("POST_ATTEMPTS", 3),
});

/** Settings from the environment; throws naming the first missing or malformed variable. */
export function notifySettingsFromEnv(
  env: NodeJS.ProcessEnv,
): NotifySettings & { secretArn: string; secretMaxAgeSeconds: number } {
  const e = settingsFromEnv("notify", notifyEnvSchema, env);
  return {
    secretArn: e.SLACK_WEBHOOK_SECRET_ARN,
    secretMaxAgeSeconds: e.SECRET_MAX_AGE_SECONDS,
    stack: e.STACK || undefined,
    minPostIntervalMs: e.MIN_POST_INTERVAL_MS,
    postAttempts: e.POST_ATTEMPTS,
  };
}

let cached: ReturnType<typeof createNotifyHandler> | undefined;

/** The Lambda entry point: settings once per container, the secret through Powertools' cache. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!cached) {
    const settings = notifySettingsFromEnv(process.env);
    cached = createNotifyHandler({
      settings,
      secretArn: settings.secretArn,
      webhookUrl: async () =>
        (await getSecret(settings.secretArn, { maxAge: settings.secretMaxAgeSeconds, throwOnMissing: true })) as string,
    });
  }
  return cached(event, context);
};
