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
      expect(p.payload.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerPost);
      expect(p.payload.blocks.reduce((n, b) => n + b.text.text.length, 0)).toBeLessThanOrEqual(SLACK_LIMITS.postChars);
      for (const b of p.payload.blocks) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionChars);
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
});
