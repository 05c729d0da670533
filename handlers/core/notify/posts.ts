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
  /** Absent from the plain-text stand-in of an alert Slack refused in blocks. */
  blocks?: SectionBlock[];
}

export interface Post {
  /** SQS message ids of the records whose alerts this post carries. */
  recordIds: string[];
  /** How many alerts it shows (a record delivered twice shows once). */
  alerts: number;
  payload: SlackPayload;
  /** Its alerts, one section each: what a post Slack refuses is split into (see deliver.ts). */
  sections: PostedAlert[];
  /** The plain-text stand-in of one alert Slack refused in blocks: nothing smaller is left to try. */
  plain?: boolean;
}

/** One alert as posted: its section, its title (for the fallback text) and the records it stands for. */
export interface PostedAlert {
  recordIds: string[];
  title: string;
  block: SectionBlock;
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
  let sections: PostedAlert[] = [];
  let chars = 0;
  for (const item of items) {
    const text = sectionText(item.formatted, limits.sectionChars);
    if (sections.length >= limits.blocksPerPost || chars + text.length > limits.postChars) {
      posts.push(postOf(sections));
      sections = [];
      chars = 0;
    }
    sections.push({
      recordIds: item.recordIds,
      title: item.formatted.title,
      block: { type: "section", text: { type: "mrkdwn", text } },
    });
    chars += text.length;
  }
  if (sections.length > 0) posts.push(postOf(sections));
  return posts;
}

/** The post of these sections, in order (a packed post, or a part of one Slack refused). */
export function postOf(sections: PostedAlert[]): Post {
  return {
    recordIds: sections.flatMap((s) => s.recordIds),
    alerts: sections.length,
    payload: { text: fallbackText(sections.map((s) => s.title)), blocks: sections.map((s) => s.block) },
    sections,
  };
}

/**
 * One alert Slack refused in blocks, as the least it can still show: its title, escaped, as plain text, and why. The
 * facts are left out: whatever in them Slack refused would be refused again.
 */
export function plainTextPost(post: Post, error: string | undefined): Post {
  const [alert] = post.sections;
  const why = `(Slack refused this alert's formatted form${error ? `: ${error}` : ""}; the notifier's log has it in full.)`;
  return {
    ...postOf([alert]),
    payload: { text: `${fallbackText([alert.title])}\n${why}` },
    plain: true,
  };
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

/**
 * The notification text: escaped like the blocks, since Slack reads `<!channel>` or `<http://…|…>` in it too (a title
 * carries a table or file name that anyone who can name a table chooses). Cut without splitting an entity.
 */
function fallbackText(titles: string[]): string {
  const head = esc(titles.length === 1 ? titles[0] : `${titles.length} alerts: ${titles.join("; ")}`);
  return head.length <= FALLBACK_CHARS ? head : `${head.slice(0, FALLBACK_CHARS - 1).replace(/&[a-z]*$/, "")}…`;
}
