/**
 * Posting to a Slack incoming webhook, one post at a time, under its rate limit (about one message a second, short
 * bursts tolerated; beyond it Slack answers 429 with `Retry-After` in seconds). Posts are spaced by `minIntervalMs`;
 * a 429 waits what Slack asks and tries the same post again; a 5xx or a network error is retried with backoff up to
 * `maxAttempts`. Slack's other answers (its "Handling errors" list for incoming webhooks):
 * - 400 or 413 (`invalid_payload`, `invalid_blocks`, too long): something in this post, so it is split in halves, then
 *   single alerts, until the alert Slack refuses is alone; that one is posted once as plain text (its title), and if
 *   even that is refused it fails alone (SQS brings it back, and after its receive limit moves it to the DLQ). Every
 *   other alert of the post is delivered.
 * - 401, 403, 404, 410 (`invalid_token`, `no_service`, `channel_not_found`, `channel_is_archived`): the webhook is
 *   revoked or its channel gone; nothing will pass, so this post fails and every later one fails unsent. SQS
 *   redelivers them after the visibility timeout, not in a tight loop, and after its receive limit they reach the
 *   DLQ, whose alarm says to fix the webhook.
 *
 * Time: a post starts only when its answer is due before `deadline` (now + `postTimeoutMs` ≤ deadline), and no wait
 * runs past it. What is left then fails unsent, and the caller hands those records back to SQS. A post is never sent
 * into the function's timeout: then Lambda fails the whole batch and SQS redelivers the alerts already posted too.
 *
 * A post is sent until Slack accepts it and never again after, so an alert appears once; the exception no client
 * can rule out is a post Slack accepted whose answer was lost (a timeout), which is sent again.
 */
import { plainTextPost, postOf, type Post, type SlackPayload } from "./posts";

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
  /** Epoch milliseconds by which every answer is in and every wait over (the function's deadline, less a margin). */
  deadline: number;
  /** Longest wait for one answer (the sender's timeout): a post starts only if its answer is due by `deadline`. */
  postTimeoutMs: number;
  /** Pause between two posts. Slack's documented rate is one per second. */
  minIntervalMs: number;
  /** Attempts of one post on 5xx or a network error (429s are waited out, not counted). */
  maxAttempts: number;
  /** Told of each failed attempt (status and what follows), for the log; never given the URL. */
  onAttempt?: (event: AttemptEvent) => void;
}

export interface AttemptEvent {
  /** Which post, in the order they were sent (the parts of a split post count as posts of their own). */
  post: number;
  status: number;
  error?: string;
  next: "retry" | "give-up" | "split" | "plain-text";
  waitMs?: number;
  /** With `plain-text`: the section Slack refused, so the log keeps the alert in full. Never the URL. */
  refused?: string;
}

export interface Delivery {
  delivered: Post[];
  failed: { post: Post; reason: string }[];
}

/** When a 429 says nothing usable: Slack's own rate. */
const DEFAULT_RETRY_AFTER_MS = 1000;
const BACKOFF_BASE_MS = 1000;

/** Answers that say the webhook itself is unusable (revoked, no such service, channel gone or archived). */
const WEBHOOK_GONE = new Set([401, 403, 404, 410]);
/** Answers that say this payload is refused: another payload may pass. */
const PAYLOAD_REFUSED = new Set([400, 413]);

export async function deliverPosts(posts: Post[], o: DeliveryOptions): Promise<Delivery> {
  const result: Delivery = { delivered: [], failed: [] };
  const work = [...posts];
  let lastPostAt = -Infinity;
  let sent = 0;
  /** Why every post still waiting fails unsent: out of time, or the webhook refuses everything. */
  let stop: string | undefined;
  for (let post = work.shift(); post; post = work.shift()) {
    if (stop) {
      result.failed.push({ post, reason: stop });
      continue;
    }
    const index = sent++;
    let attempts = 0;
    for (;;) {
      const startAt = Math.max(o.now(), lastPostAt + o.minIntervalMs);
      if (startAt + o.postTimeoutMs > o.deadline) {
        stop = "out of time";
        result.failed.push({ post, reason: stop });
        break;
      }
      if (startAt > o.now()) await o.sleep(startAt - o.now());
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
      const reason = `Slack answered ${answer.status === 0 ? "nothing" : answer.status}${error ? ` (${error})` : ""}`;
      const event = { post: index, status: answer.status, error };
      if (PAYLOAD_REFUSED.has(answer.status) && !post.plain) {
        const parts = isolate(post, error);
        o.onAttempt?.({
          ...event,
          next: parts.length > 1 ? "split" : "plain-text",
          ...(parts[0].plain ? { refused: post.sections[0].block.text.text } : {}),
        });
        work.unshift(...parts);
        break;
      }
      if (WEBHOOK_GONE.has(answer.status)) {
        o.onAttempt?.({ ...event, next: "give-up" });
        stop = `${reason} to an earlier post: the webhook refuses every post`;
        result.failed.push({ post, reason });
        break;
      }
      const limited = answer.status === 429;
      const retryable = limited || answer.status === 0 || answer.status >= 500;
      if (!limited) attempts += 1;
      const waitMs = limited ? retryAfterMs(answer.retryAfter, o.now()) : BACKOFF_BASE_MS * 2 ** (attempts - 1);
      if (!retryable || attempts >= o.maxAttempts) {
        o.onAttempt?.({ ...event, next: "give-up" });
        result.failed.push({ post, reason });
        break;
      }
      if (o.now() + waitMs + o.postTimeoutMs > o.deadline) {
        o.onAttempt?.({ ...event, next: "give-up", waitMs });
        stop = "out of time";
        result.failed.push({ post, reason: `${reason}; no time left to wait ${waitMs} ms and post again` });
        break;
      }
      o.onAttempt?.({ ...event, next: "retry", waitMs });
      await o.sleep(waitMs);
      // The wait already spaced this retry from the previous post.
      lastPostAt = -Infinity;
    }
  }
  return result;
}

/** What to send instead of a post Slack refused: its two halves, or for a single alert its plain-text form. */
function isolate(post: Post, error: string | undefined): Post[] {
  if (post.sections.length === 1) return [plainTextPost(post, error)];
  const half = Math.ceil(post.sections.length / 2);
  return [postOf(post.sections.slice(0, half)), postOf(post.sections.slice(half))];
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
