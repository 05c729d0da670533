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
    /** Time passing outside the code's own waits (Slack taking its time to answer). */
    advance: (ms: number) => void (t += ms),
    sleeps,
  };
}

/** Slack's answers in turn, or one rule answering every post (it may move the clock: Slack taking its time). */
type Answers = (WebhookAnswer | Error)[] | ((payload: Post["payload"], clock: ReturnType<typeof virtualClock>) => WebhookAnswer);

function options(answers: Answers, extra: Partial<DeliveryOptions> = {}) {
  const clock = virtualClock();
  const sent: { at: number; payload: Post["payload"] }[] = [];
  const o: DeliveryOptions = {
    now: clock.now,
    sleep: clock.sleep,
    deadline: clock.now() + 60_000,
    minIntervalMs: 1000,
    maxAttempts: 3,
    postTimeoutMs: 10_000,
    send: async (payload) => {
      sent.push({ at: clock.now(), payload });
      const a = typeof answers === "function" ? answers(payload, clock) : (answers.shift() ?? { status: 200, body: "ok" });
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

  it.each([
    [403, "invalid_token"],
    [404, "no_service"],
    [410, "channel_is_archived"],
  ])("on %i (%s), the webhook gone, fails the post at once and sends no later one", async (status, code) => {
    const { o, sent } = options([{ status, body: code }]);
    const d = await deliverPosts(posts(3), o);
    expect(sent).toHaveLength(1);
    expect(d.delivered).toEqual([]);
    expect(d.failed.map((f) => f.post.recordIds[0])).toEqual(["r0", "r1", "r2"]);
    expect(d.failed[0].reason).toBe(`Slack answered ${status} (${code})`);
  });

  it("never waits past the deadline: the post and every later one fail, to come back from SQS", async () => {
    const { o, sent, clock } = options([{ status: 429, retryAfter: "30" }], {});
    o.deadline = clock.now() + 10_000;
    const d = await deliverPosts(posts(3), o);
    expect(sent).toHaveLength(1);
    expect(d.failed.map((f) => f.post.recordIds[0])).toEqual(["r0", "r1", "r2"]);
    expect(clock.now()).toBeLessThanOrEqual(o.deadline);
  });

  it("starts a post only when its answer is due before the deadline, so a slow Slack never runs into the timeout", async () => {
    // Slack answers each post after the whole post timeout: 10 s.
    const { o, sent, clock } = options((_payload, c) => {
      c.advance(10_000);
      return { status: 200, body: "ok" };
    });
    o.deadline = clock.now() + 25_000;
    const d = await deliverPosts(posts(5), o);
    // Posts at 0 s and 10 s; one at 20 s could be answered only at 30 s, after the deadline: it and the rest wait.
    expect(sent.map((s) => s.payload.text)).toEqual(["alert 0", "alert 1"]);
    expect(d.failed.map((f) => [f.post.recordIds[0], f.reason])).toEqual([
      ["r2", "out of time"],
      ["r3", "out of time"],
      ["r4", "out of time"],
    ]);
    expect(clock.now()).toBeLessThanOrEqual(o.deadline);
  });

  it("does not wait to retry when the retry's answer could come after the deadline", async () => {
    const { o, sent, clock } = options([{ status: 503 }]);
    o.deadline = clock.now() + 10_500;
    const d = await deliverPosts(posts(1), o);
    expect(sent).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(d.failed.map((f) => f.reason)).toEqual(["Slack answered 503; no time left to wait 1000 ms and post again"]);
  });

  describe("a post Slack refuses as a payload (400)", () => {
    const packed = () =>
      packPosts(
        Array.from({ length: 5 }, (_, i) => ({
          recordIds: [`r${i}`],
          formatted: alert(i, [i === 2 ? "*n:* poison" : `*n:* ${i}`]),
        })),
      );
    const refusePoison =
      (plain: WebhookAnswer): Answers =>
      (payload) =>
        !payload.blocks
          ? plain
          : JSON.stringify(payload.blocks).includes("poison")
            ? { status: 400, body: "invalid_blocks" }
            : { status: 200 };

    it("is split until the alert Slack refuses is alone, which is posted once as plain text; the others once each", async () => {
      const seen: string[] = [];
      const { o, sent } = options(refusePoison({ status: 200, body: "ok" }), {
        onAttempt: (a) => seen.push(`${a.next}${a.refused ? `: ${a.refused}` : ""}`),
      });
      const d = await deliverPosts(packed(), o);
      expect(d.failed).toEqual([]);
      expect(d.delivered.flatMap((p) => p.recordIds).sort()).toEqual(["r0", "r1", "r2", "r3", "r4"]);
      expect(sent.map((s) => (s.payload.blocks ? s.payload.blocks.length : "plain"))).toEqual([5, 3, 2, 1, "plain", 2]);
      expect(sent[4].payload).toEqual({
        text: "alert 2\n(Slack refused this alert's formatted form: invalid_blocks; the notifier's log has it in full.)",
      });
      // The log keeps the refused alert whole.
      expect(seen).toEqual(["split", "split", "plain-text: :rotating_light: *alert 2*\n*n:* poison"]);
      // Still one post a second.
      expect(sent.slice(1).every((s, i) => s.at - sent[i].at >= 1000)).toBe(true);
    });

    it("fails only that alert when even its plain text is refused", async () => {
      const { o, sent } = options(refusePoison({ status: 400, body: "invalid_payload" }));
      const d = await deliverPosts(packed(), o);
      expect(d.failed.map((f) => [f.post.recordIds, f.reason])).toEqual([[["r2"], "Slack answered 400 (invalid_payload)"]]);
      expect(d.delivered.flatMap((p) => p.recordIds).sort()).toEqual(["r0", "r1", "r3", "r4"]);
      expect(sent).toHaveLength(6);
    });
  });

  it("reads Retry-After as seconds or an HTTP date, at least Slack's own second", () => {
    expect(retryAfterMs("3", 0)).toBe(3000);
    expect(retryAfterMs(undefined, 0)).toBe(1000);
    expect(retryAfterMs("0", 0)).toBe(1000);
    expect(retryAfterMs("Wed, 21 Oct 2026 07:28:05 GMT", Date.parse("Wed, 21 Oct 2026 07:28:00 GMT"))).toBe(5000);
    expect(retryAfterMs("soon", 0)).toBe(1000);
  });
});
