/**
 * Posting to a Slack incoming webhook, one post at a time, under its rate limit (about one message a second, short
 * bursts tolerated; beyond it Slack answers 429 with `Retry-After` in seconds). Posts are spaced by `minIntervalMs`;
 * a 429 waits what Slack asks and tries the same post again; a 5xx or a network error is retried with backoff up to
 * `maxAttempts`; any other answer (400 invalid payload, 403/404/410: the webhook revoked or its channel gone) fails
 * the post at once, since repeating it cannot help. No wait runs past `deadline`: what is left then fails, and the
 * caller hands those records back to SQS, which delivers them again (and after its receive limit, to the DLQ).
 *
 * A post is sent until Slack accepts it and never again after, so an alert appears once; the exception no client
 * can rule out is a post Slack accepted whose answer was lost (a timeout), which is sent again.
 */
import type { Post, SlackPayload } from "./posts";

/** Slack's answer to one post: the status, `Retry-After`, and the body's error code (`no_service`, …). */
export interface WebhookAnswer {
  status: number;
  retryAfter?: string | null;
  body?: string;
}

/** One webhook call; rejects only when no answer came (network, timeout). */
export type SendPost = (payload: SlackPayload) => Promise<WebhookAnswer>;

export interface DeliveryOptions {
  send: SendPost;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Epoch milliseconds after which nothing starts or waits (the function's deadline, less a margin). */
  deadline: number;
  /** Pause between two posts. Slack's documented rate is one per second. */
  minIntervalMs: number;
  /** Attempts of one post on 5xx or a network error (429s are waited out, not counted). */
  maxAttempts: number;
  /** Told of each failed attempt (status and what follows), for the log; never given the URL. */
  onAttempt?: (event: { post: number; status: number; error?: string; next: "retry" | "give-up"; waitMs?: number }) => void;
}

export interface Delivery {
  delivered: Post[];
  failed: { post: Post; reason: string }[];
}

/** When a 429 says nothing usable: Slack's own rate. */
const DEFAULT_RETRY_AFTER_MS = 1000;
const BACKOFF_BASE_MS = 1000;

export async function deliverPosts(posts: Post[], o: DeliveryOptions): Promise<Delivery> {
  const result: Delivery = { delivered: [], failed: [] };
  let lastPostAt = -Infinity;
  let outOfTime = false;
  for (const [index, post] of posts.entries()) {
    if (outOfTime) {
      result.failed.push({ post, reason: "out of time" });
      continue;
    }
    let attempts = 0;
    for (;;) {
      const pause = lastPostAt + o.minIntervalMs - o.now();
      if (pause > 0) {
        if (o.now() + pause > o.deadline) {
          outOfTime = true;
          result.failed.push({ post, reason: "out of time" });
          break;
        }
        await o.sleep(pause);
      }
      lastPostAt = o.now();
      const answer = await o.send(post.payload).then(
        (a) => a,
        (err: unknown) => ({ status: 0, error: errorName(err) }) as WebhookAnswer & { error?: string },
      );
      if (answer.status >= 200 && answer.status < 300) {
        result.delivered.push(post);
        break;
      }
      const error = "error" in answer ? (answer.error as string) : slackError(answer.body);
      const limited = answer.status === 429;
      const retryable = limited || answer.status === 0 || answer.status >= 500;
      if (!limited) attempts += 1;
      const waitMs = limited ? retryAfterMs(answer.retryAfter, o.now()) : BACKOFF_BASE_MS * 2 ** (attempts - 1);
      const reason = `Slack answered ${answer.status === 0 ? "nothing" : answer.status}${error ? ` (${error})` : ""}`;
      if (!retryable || attempts >= o.maxAttempts) {
        o.onAttempt?.({ post: index, status: answer.status, error, next: "give-up" });
        result.failed.push({ post, reason });
        break;
      }
      if (o.now() + waitMs > o.deadline) {
        o.onAttempt?.({ post: index, status: answer.status, error, next: "give-up", waitMs });
        outOfTime = true;
        result.failed.push({ post, reason: `${reason}; no time left to wait ${waitMs} ms` });
        break;
      }
      o.onAttempt?.({ post: index, status: answer.status, error, next: "retry", waitMs });
      await o.sleep(waitMs);
      // The wait already spaced this retry from the previous post.
      lastPostAt = -Infinity;
    }
  }
  return result;
}

/** `Retry-After` as seconds or an HTTP date (RFC 9110), in milliseconds from now; Slack's rate when absent. */
export function retryAfterMs(header: string | null | undefined, now: number): number {
  if (header === undefined || header === null || header.trim() === "") return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(Math.ceil(seconds * 1000), DEFAULT_RETRY_AFTER_MS);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(at - now, DEFAULT_RETRY_AFTER_MS) : DEFAULT_RETRY_AFTER_MS;
}

/** Slack's error code from a webhook's plain-text answer (`invalid_blocks`, `no_service`); nothing else of it. */
function slackError(body: string | undefined): string | undefined {
  const code = body?.trim();
  return code && /^[a-z_]{1,60}$/.test(code) ? code : undefined;
}

/**
 * The name of a network error, never its message: Node's fetch errors can carry the request's URL, and the URL is
 * the webhook's secret.
 */
function errorName(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; name?: string } };
  return [e?.name ?? "Error", e?.cause?.code ?? e?.cause?.name].filter(Boolean).join("/");
}
