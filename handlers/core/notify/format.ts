/**
 * One Slack section per alert: a bold title saying what happened and where, a few lines of facts, and the `cdc`
 * command that deals with it (docs/operations.md has the runbook of each). Kinds with their own format: validation
 * failure, DMS task or instance state change, Glue run failed or stopped, dead-letter queue not empty, table held,
 * run failing, reconciliation drift, queue age. Every other alert still gets a readable generic format: its title
 * and its fields, one per line, so nothing arrives as an unreadable blob and nothing is dropped.
 */
import type { AlarmMessage, CdcAlert, EventBridgeEvent, Incoming } from "./incoming";

export type Level = "alarm" | "warning" | "resolved" | "info";

export interface Formatted {
  level: Level;
  /** One line, plain text (escaped when rendered). */
  title: string;
  /** Facts, one per line, already in Slack mrkdwn (values escaped). */
  lines: string[];
  /** The `cdc` (or `aws`) command that deals with it, shown as code. */
  command?: string;
}

export interface FormatContext {
  /** The Pulumi stack, filled into commands in place of `<stack>`; left as the placeholder when unknown. */
  stack?: string;
}

/** Most characters a shown value keeps (an error message, a reason): the post stays readable and under Slack's limits. */
const VALUE_CHARS = 600;

export function formatAlert(alert: Incoming, ctx: FormatContext = {}): Formatted {
  const body = alert.body;
  const formatted =
    body.shape === "cdc"
      ? formatCdc(body.alert, alert.source, ctx.stack)
      : body.shape === "alarm"
        ? formatAlarm(body.alarm, alert.source)
        : body.shape === "event"
          ? formatEvent(body.event, alert.source)
          : formatText(body.text, alert.subject, alert.source);
  return { ...formatted, command: formatted.command && fillStack(formatted.command, ctx.stack) };
}

// --- alerts our Lambdas publish ---------------------------------------------------------------------------------

function formatCdc(a: CdcAlert, topicSource: string | undefined, stack: string | undefined): Formatted {
  const source = a.source ?? topicSource ?? "?";
  const where = a.target ? `${source}/${a.target}` : source;
  const command = typeof a.command === "string" ? a.command : undefined;
  switch (a.kind) {
    case "validation-failed": {
      const errors = Array.isArray(a.errors) ? (a.errors as { code?: string; message?: string }[]) : [];
      const total = typeof a.errorCount === "number" ? a.errorCount : errors.length;
      const file = a.quarantineBucket && a.key ? `s3://${String(a.quarantineBucket)}/${String(a.key)}` : String(a.key ?? "?");
      return {
        level: "alarm",
        title: `${source}: file quarantined${a.table ? ` (${a.table})` : ""}`,
        lines: [
          field("File", file),
          field("Codes", codeCounts(errors), total > errors.length ? ` (${total} violations, ${errors.length} shown)` : ""),
          ...(errors[0]?.message ? [field("First", errors[0].message)] : []),
        ],
        command: command ?? (typeof a.replay === "string" ? a.replay : undefined),
      };
    }
    case "table-held":
      return {
        level: "alarm",
        title: `${where}: table ${a.table ?? "?"} held`,
        lines: [
          field("File", a.file),
          field("Error", a.error),
          ...(a.transient ? ["Transient cause; the automatic retries did not clear it."] : []),
          "Its later files wait, in order; the target's other tables go on.",
        ],
        command,
      };
    case "schema-change-held":
      return {
        level: "alarm",
        title: `${where}: table ${a.table ?? "?"} held (schema change)`,
        lines: [
          ...(Array.isArray(a.changes) ? a.changes.map((c) => field("Change", c)) : []),
          "No file of the new shape was applied; its files wait, in order.",
          "Metadata wrong: deploy it back and resume without --rebuild.",
          ...(typeof a.reload === "string"
            ? [field("Source changed", fillStack(a.reload, stack), ", then the command below")]
            : []),
        ],
        command,
      };
    case "run-failing":
      return {
        level: "alarm",
        title: `${where}: run ${a.runId ?? "?"} failing`,
        lines: [
          field("Failures", a.failures, a.since ? ` since ${String(a.since)}` : ""),
          field("Error", a.error),
          field("Next retry", a.retryAt),
          "No table is held; the target takes no new work until this run succeeds.",
        ],
        command,
      };
    case "reconciliation-drift": {
      const numbers = (label: string, v: unknown) =>
        v && typeof v === "object"
          ? [
              field(
                label,
                Object.entries(v)
                  .map(([k, n]) => `${k} ${String(n)}`)
                  .join(", "),
              ),
            ]
          : [];
      return {
        level: "warning",
        title: `${source}: ${a.table ?? "?"} drifts at ${String(a.stage ?? "?")}`,
        lines: [
          ...numbers("DMS", a.dms),
          ...numbers("Pipeline", a.pipeline),
          ...numbers("In flight", a.inFlight),
          field("Difference", a.difference),
        ],
        command,
      };
    }
    default:
      return genericCdc(a, source, where, command);
  }
}

/** Any other kind: its name as the title, then every field but the ones the title already says. */
function genericCdc(a: CdcAlert, source: string, where: string, command: string | undefined): Formatted {
  const shown = new Set(["kind", "source", "target", "command", "summary", "text"]);
  const lines = Object.entries(a)
    .filter(([k, v]) => !shown.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => field(k, typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v)));
  return {
    level: "warning",
    title: `${where}: ${typeof a.summary === "string" ? a.summary : a.kind.replace(/-/g, " ")}`,
    lines: lines.length > 0 || source ? lines : ["(no details)"],
    command,
  };
}

// --- CloudWatch alarms ------------------------------------------------------------------------------------------

function formatAlarm(alarm: AlarmMessage, source: string | undefined): Formatted {
  const state = alarm.NewStateValue;
  const level: Level = state === "ALARM" ? "alarm" : state === "OK" ? "resolved" : "info";
  const metric = alarm.Trigger?.MetricName;
  const queue = alarm.Trigger?.Dimensions?.find((d) => d.name === "QueueName")?.value;
  const facts = [
    ...(alarm.AlarmDescription ? [esc(cut(alarm.AlarmDescription))] : []),
    field("Reason", alarm.NewStateReason),
    field("Since", alarm.StateChangeTime),
  ];
  if (metric === "ApproximateNumberOfMessagesVisible" && queue?.endsWith("-dlq")) {
    return {
      level,
      title: state === "ALARM" ? `Dead letters in ${queue}` : `${queue}: ${state}`,
      lines: facts,
      command: state === "ALARM" ? redriveCommand(alarm, queue) : undefined,
    };
  }
  if (metric === "ApproximateAgeOfOldestMessage" && queue) {
    const target = targetOfQueue(queue, source);
    return {
      level,
      title: state === "ALARM" ? `Messages waiting too long in ${queue}` : `${queue} age: ${state}`,
      lines: facts,
      command:
        state === "ALARM" && source && target
          ? `cdc target status --stack <stack> --source ${source} --target ${target}`
          : undefined,
    };
  }
  return { level, title: `${alarm.AlarmName}: ${state}`, lines: [...facts, ...metricLine(alarm)] };
}

/**
 * The redrive of a dead-letter queue, once its cause is fixed. Not for the validation queue's: its policy refuses
 * redrives and the raw reconciler re-announces every file still in raw (the alarm's description says so).
 */
function redriveCommand(alarm: AlarmMessage, queue: string): string | undefined {
  const [, , , region, account] = (alarm.AlarmArn ?? "").split(":");
  if (queue.endsWith("-validate-dlq") || !region || !account) return undefined;
  return `aws sqs start-message-move-task --source-arn arn:aws:sqs:${region}:${account}:${queue}`;
}

function metricLine(alarm: AlarmMessage): string[] {
  const t = alarm.Trigger;
  if (!t?.MetricName) return [];
  const dims = (t.Dimensions ?? []).map((d) => `${d.name}=${d.value}`).join(", ");
  return [field("Metric", `${t.Namespace ?? ""} ${t.MetricName}${dims ? ` (${dims})` : ""}`.trim())];
}

/** `cdc-<env>-<source>-<target>` → `<target>` when the queue is one of the source's target queues. */
function targetOfQueue(queue: string, source: string | undefined): string | undefined {
  if (!source) return undefined;
  const m = /^cdc-[^-]+-(.+)$/.exec(queue);
  return m && m[1].startsWith(`${source}-`) ? m[1].slice(source.length + 1) : undefined;
}

// --- EventBridge events -----------------------------------------------------------------------------------------

function formatEvent(event: EventBridgeEvent, source: string | undefined): Formatted {
  const d = event.detail;
  if (event.source === "aws.dms") {
    const eventType = String(d.eventType ?? d.type ?? "state change");
    const failed = /FAIL|ERROR/i.test(eventType);
    const resource = event.resources?.[0];
    return {
      level: failed || /STOPPED/.test(eventType) ? "alarm" : "info",
      title: `${source ?? "DMS"}: ${event["detail-type"]}: ${eventType}`,
      lines: [
        field("Detail", d.detailMessage),
        ...(resource ? [field("Resource", resource)] : []),
        ...(typeof d.eventId === "string" ? [field("Event", d.eventId)] : []),
        field("At", event.time),
      ],
      command: source ? `cdc dms status --stack <stack> --source ${source}` : undefined,
    };
  }
  if (event.source === "aws.glue" && event["detail-type"] === "Glue Job State Change") {
    const state = String(d.state ?? "?");
    const job = String(d.jobName ?? "?");
    const target = source ? /^cdc-[^-]+-(.+)-apply$/.exec(job)?.[1] : undefined;
    const targetName = target?.startsWith(`${source}-`) ? target.slice(`${source}-`.length) : undefined;
    return {
      level: state === "SUCCEEDED" ? "resolved" : "alarm",
      title: `Glue run ${state.toLowerCase()}: ${job}`,
      lines: [field("Run", d.jobRunId), field("Error", d.message), field("At", event.time)],
      command: targetName ? `cdc target status --stack <stack> --source ${source} --target ${targetName}` : undefined,
    };
  }
  return {
    level: "info",
    title: `${event.source}: ${event["detail-type"]}`,
    lines: [
      ...Object.entries(d).map(([k, v]) => field(k, typeof v === "string" ? v : JSON.stringify(v))),
      ...(event.resources?.length ? [field("Resources", event.resources.join(", "))] : []),
      field("At", event.time),
    ],
  };
}

// --- anything else ----------------------------------------------------------------------------------------------

function formatText(text: string, subject: string | undefined, source: string | undefined): Formatted {
  const title = subject ?? (source ? `${source}: alert` : "Alert");
  return { level: "info", title, lines: ["```" + esc(cut(text, 2000)).replace(/```/g, "'''") + "```"] };
}

// --- helpers ----------------------------------------------------------------------------------------------------

/** `*Label:* value` with the value escaped and cut; `?` when it is missing. */
function field(label: string, value: unknown, suffix = ""): string {
  const shown = value === undefined || value === null || value === "" ? "?" : cut(String(value));
  return `*${esc(label)}:* ${esc(shown)}${esc(suffix)}`;
}

/** `BAD_OP ×3, NULL_PRIMARY_KEY` from a list of violations. */
function codeCounts(errors: { code?: string }[]): string {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e.code ?? "?", (counts.get(e.code ?? "?") ?? 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${c} ×${n}` : c)).join(", ") || "?";
}

function fillStack(command: string, stack: string | undefined): string {
  return stack ? command.replace(/<stack>/g, stack) : command;
}

/** Slack's three control characters in mrkdwn text (its documented escaping). */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function cut(text: string, max = VALUE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
