import type { Formatted } from "../../../../handlers/core/notify/format";
import { packPosts, sectionText, SLACK_LIMITS } from "../../../../handlers/core/notify/posts";

const alert = (i: number, lines: string[]): Formatted => ({ level: "alarm", title: `alert ${i}`, lines });

describe("packing alerts into posts", () => {
  it("puts every alert in exactly one post, in order, within Slack's block and size limits", () => {
    const items = Array.from({ length: 500 }, (_, i) => ({
      recordIds: [`r${i}`],
      formatted: alert(i, ["x".repeat(i % 7 === 0 ? 2900 : 40)]),
    }));
    const posts = packPosts(items);
    expect(posts.flatMap((p) => p.recordIds)).toEqual(items.map((i) => i.recordIds[0]));
    for (const p of posts) {
      const blocks = p.payload.blocks ?? [];
      expect(blocks.length).toBeGreaterThan(0);
      expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerPost);
      expect(blocks.reduce((n, b) => n + b.text.text.length, 0)).toBeLessThanOrEqual(SLACK_LIMITS.postChars);
      for (const b of blocks) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionChars);
    }
    // Few posts, not one per alert.
    expect(posts.length).toBeLessThan(60);
  });

  it("cuts an alert too long for one section from its last facts, keeping title and command", () => {
    const text = sectionText(
      { level: "info", title: "big", lines: Array.from({ length: 100 }, () => "y".repeat(100)), command: "cdc x" },
      3000,
    );
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.startsWith(":information_source: *big*")).toBe(true);
    expect(text.endsWith("…\n`cdc x`")).toBe(true);
  });

  it("escapes the notification text like the blocks: no mention or link of a hostile name reaches Slack", () => {
    const hostile = { level: "alarm" as const, title: "sales: table <!channel> <http://evil|click> & co held", lines: [] };
    const [one] = packPosts([{ recordIds: ["r0"], formatted: hostile }]);
    expect(one.payload.text).toBe("sales: table &lt;!channel&gt; &lt;http://evil|click&gt; &amp; co held");
    // Cut at 300 characters without leaving half an entity behind.
    const [long] = packPosts([{ recordIds: ["r0"], formatted: { ...hostile, title: `${"x".repeat(297)}<!here>` } }]);
    expect(long.payload.text).toBe(`${"x".repeat(297)}…`);
  });
});
