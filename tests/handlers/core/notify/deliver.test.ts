import { deliverPosts, retryAfterMs, type DeliveryOptions, type WebhookAnswer } from "../../../../handlers/core/notify/deliver";
import type { Formatted } from "../../../../handlers/core/notify/format";
import { packPosts, SLACK_LIMITS, type Post } from "../../../../handlers/core/notify/posts";

const alert = (i: number, lines: string[] = [`*n:* ${i}`]): Formatted => ({ level: "alarm", title: `alert ${i}`, lines });

/** A clock that moves only when the code under test sleeps: waits are checked, never timed. */
function virtualClock() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

function options(answers: (WebhookAnswer | Error)[], extra: Partial<DeliveryOptions> = {}) {
  const clock = virtualClock();
  const sent: { at: number; payload: Post["payload"] }[] = [];
  const o: DeliveryOptions = {
    now: clock.now,
    sleep: clock.sleep,
    deadline: clock.now() + 60_000,
    minIntervalMs: 1000,
    maxAttempts: 3,
    send: async (payload) => {
      sent.push({ at: clock.now(), payload });
      const a = answers.shift() ?? { status: 200, body: "ok" };
      if (a instanceof Error) throw a;
      return a;
    },
    ...extra,
  };
  return { o, sent, clock };
}

const posts = (n: number): Post[] =>
  packPosts(
    Array.from({ length: n }, (_, i) => ({ recordIds: [`r${i}`], formatted: alert(i) })),
    { ...SLACK_LIMITS, blocksPerPost: 1 },
  );

describe("delivering posts under Slack's rate limit", () => {
  it("spaces posts by the minimum interval", async () => {
    const { o, sent } = options([]);
    const d = await deliverPosts(posts(3), o);
    expect(d.delivered).toHaveLength(3);
    expect(sent.map((s) => s.at - sent[0].at)).toEqual([0, 1000, 2000]);
  });

  it("waits what a 429's Retry-After asks, then sends the same post again", async () => {
    const { o, sent, clock } = options([{ status: 429, retryAfter: "7" }]);
    const d = await deliverPosts(posts(2), o);
    expect(d.failed).toEqual([]);
    expect(sent.map((s) => s.payload.text)).toEqual(["alert 0", "alert 0", "alert 1"]);
    expect(clock.sleeps).toContain(7000);
  });

  it("retries a 5xx or a network error with backoff, and gives up after maxAttempts", async () => {
    const network = Object.assign(new TypeError("fetch failed https://hooks.slack.com/services/SECRET"), {
      cause: { code: "ECONNRESET" },
    });
    const seen: string[] = [];
    const { o } = options([{ status: 503 }, network, { status: 500 }], {
      onAttempt: (a) => seen.push(`${a.status}:${a.error ?? ""}:${a.next}`),
    });
    const d = await deliverPosts(posts(2), o);
    expect(d.failed.map((f) => f.post.recordIds)).toEqual([["r0"]]);
    expect(d.delivered.map((p) => p.recordIds)).toEqual([["r1"]]);
    // The network error is named, its message (which may hold the URL) is not.
    expect(seen).toEqual(["503::retry", "0:TypeError/ECONNRESET:retry", "500::give-up"]);
    expect(JSON.stringify(d)).not.toContain("SECRET");
  });

  it("fails at once on an answer repeating cannot fix (the webhook revoked), and goes on with the next post", async () => {
    const { o, sent } = options([{ status: 404, body: "no_service" }]);
    const d = await deliverPosts(posts(2), o);
    expect(sent).toHaveLength(2);
    expect(d.failed.map((f) => f.reason)).toEqual(["Slack answered 404 (no_service)"]);
  });

  it("never waits past the deadline: the post and every later one fail, to come back from SQS", async () => {
    const { o, sent, clock } = options([{ status: 429, retryAfter: "30" }], {});
    o.deadline = clock.now() + 10_000;
    const d = await deliverPosts(posts(3), o);
    expect(sent).toHaveLength(1);
    expect(d.failed.map((f) => f.post.recordIds[0])).toEqual(["r0", "r1", "r2"]);
    expect(clock.now()).toBeLessThanOrEqual(o.deadline);
  });

  it("reads Retry-After as seconds or an HTTP date, at least Slack's own second", () => {
    expect(retryAfterMs("3", 0)).toBe(3000);
    expect(retryAfterMs(undefined, 0)).toBe(1000);
    expect(retryAfterMs("0", 0)).toBe(1000);
    expect(retryAfterMs("Wed, 21 Oct 2026 07:28:05 GMT", Date.parse("Wed, 21 Oct 2026 07:28:00 GMT"))).toBe(5000);
    expect(retryAfterMs("soon", 0)).toBe(1000);
  });
});
