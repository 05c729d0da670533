/**
 * Many alerts into few Slack posts. An incoming webhook takes about one post a second, so a burst (a bad deploy
 * quarantining hundreds of files) is packed: one section block per alert, as many alerts per post as Slack accepts.
 * Slack's limits: 50 blocks per message and 3,000 characters per section's text; messages whose blocks total
 * somewhat over 13,000 characters are refused (`msg_blocks_too_long`) although no limit is documented, so a post
 * keeps under 12,000. Every alert lands in exactly one post, in arrival order, and each post knows the records it
 * carries: a post that cannot be delivered fails exactly those records and no other.
 */
import { esc, type Formatted, type Level } from "./format";

export interface SlackLimits {
  blocksPerPost: number;
  sectionChars: number;
  postChars: number;
}

export const SLACK_LIMITS: SlackLimits = { blocksPerPost: 50, sectionChars: 3000, postChars: 12_000 };

export interface SectionBlock {
  type: "section";
  text: { type: "mrkdwn"; text: string };
}

/** The JSON body of one webhook call. */
export interface SlackPayload {
  /** The notification's text (phones, screen readers); Slack shows the blocks in the channel. */
  text: string;
  blocks: SectionBlock[];
}

export interface Post {
  /** SQS message ids of the records whose alerts this post carries. */
  recordIds: string[];
  /** How many alerts it shows (a record delivered twice shows once). */
  alerts: number;
  payload: SlackPayload;
}

/** One alert to post, and the records it stands for (duplicates of one SNS notification share a section). */
export interface Packable {
  recordIds: string[];
  formatted: Formatted;
}

const EMOJI: Record<Level, string> = {
  alarm: ":rotating_light:",
  warning: ":warning:",
  resolved: ":white_check_mark:",
  info: ":information_source:",
};

/** Fallback text of a post: how many alerts, and the first titles. */
const FALLBACK_CHARS = 300;

export function packPosts(items: Packable[], limits: SlackLimits = SLACK_LIMITS): Post[] {
  const posts: Post[] = [];
  let blocks: SectionBlock[] = [];
  let titles: string[] = [];
  let recordIds: string[] = [];
  let chars = 0;
  const flush = () => {
    if (blocks.length === 0) return;
    posts.push({ recordIds, alerts: blocks.length, payload: { text: fallbackText(titles), blocks } });
    blocks = [];
    titles = [];
    recordIds = [];
    chars = 0;
  };
  for (const item of items) {
    const text = sectionText(item.formatted, limits.sectionChars);
    if (blocks.length >= limits.blocksPerPost || chars + text.length > limits.postChars) flush();
    blocks.push({ type: "section", text: { type: "mrkdwn", text } });
    titles.push(item.formatted.title);
    recordIds.push(...item.recordIds);
    chars += text.length;
  }
  flush();
  return posts;
}

/** One alert as mrkdwn: title, facts, command; facts are left out from the end until it fits. */
export function sectionText(f: Formatted, max: number = SLACK_LIMITS.sectionChars): string {
  const title = `${EMOJI[f.level]} *${esc(f.title)}*`;
  const command = f.command ? [`\`${esc(f.command)}\``] : [];
  const lines = [...f.lines];
  let text = [title, ...lines, ...command].join("\n");
  while (text.length > max && lines.length > 0) {
    lines.pop();
    text = [title, ...lines, "…", ...command].join("\n");
  }
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function fallbackText(titles: string[]): string {
  const head = titles.length === 1 ? titles[0] : `${titles.length} alerts: ${titles.join("; ")}`;
  return head.length <= FALLBACK_CHARS ? head : `${head.slice(0, FALLBACK_CHARS - 1)}…`;
}
