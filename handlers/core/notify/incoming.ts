/**
 * What reaches the notifier's queue, read into one shape. Each SQS record is an SNS notification envelope (the
 * subscription keeps SNS's envelope, so the topic, subject and SNS message id come along), and its `Message` is one of
 * three things: a CloudWatch alarm state change, an EventBridge event (DMS, Glue), or an alert our Lambdas publish
 * (JSON with `kind`, the alert contract of issue 14). Anything else (a plain-text message, a record
 * sent to the queue by hand, a Lambda failure destination record) is kept as text: nothing is ever dropped here.
 */

/** A CloudWatch alarm's SNS message (the fields the notifier reads; AWS sends more). */
export interface AlarmMessage {
  AlarmName: string;
  AlarmArn?: string;
  AlarmDescription?: string | null;
  AWSAccountId?: string;
  NewStateValue: string;
  OldStateValue?: string;
  NewStateReason?: string;
  StateChangeTime?: string;
  Region?: string;
  Trigger?: {
    MetricName?: string;
    Namespace?: string;
    Dimensions?: { name: string; value: string }[];
    Threshold?: number;
  };
}

/** An EventBridge event, forwarded whole by a rule whose target is the topic. */
export interface EventBridgeEvent {
  "detail-type": string;
  source: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: Record<string, unknown>;
}

/** An alert one of our Lambdas published: `kind`, `source`, optionally `target`, `table`, `command`, and the rest. */
export interface CdcAlert {
  kind: string;
  source?: string;
  target?: string;
  table?: string;
  command?: string;
  [field: string]: unknown;
}

export type AlertBody =
  | { shape: "alarm"; alarm: AlarmMessage }
  | { shape: "event"; event: EventBridgeEvent }
  | { shape: "cdc"; alert: CdcAlert }
  | { shape: "text"; text: string };

/** One record of the batch, read. */
export interface Incoming {
  /** The SQS message id: what a batch item failure names. */
  recordId: string;
  /** SNS's id of the notification: the same alert delivered twice carries the same one. */
  notificationId?: string;
  topicArn?: string;
  subject?: string;
  /** When SNS received it (ISO 8601). */
  at?: string;
  /** The pipeline's source, from the topic's name `cdc-<env>-<source>-alerts`. */
  source?: string;
  body: AlertBody;
}

/** Reads one SQS record body. Never throws: what cannot be read becomes a text alert showing what arrived. */
export function readRecord(recordId: string, body: string): Incoming {
  const envelope = asObject(tryJson(body));
  if (envelope && envelope.Type === "Notification" && typeof envelope.Message === "string") {
    const topicArn = str(envelope.TopicArn);
    return {
      recordId,
      notificationId: str(envelope.MessageId),
      topicArn,
      subject: str(envelope.Subject),
      at: str(envelope.Timestamp),
      source: topicArn ? sourceOfTopic(topicArn) : undefined,
      body: readMessage(envelope.Message),
    };
  }
  // Not an SNS envelope (raw delivery, or sent to the queue directly): the body itself is the message.
  return { recordId, body: readMessage(body) };
}

/** The shape of one SNS message. */
export function readMessage(message: string): AlertBody {
  const json = asObject(tryJson(message));
  if (json) {
    if (typeof json.kind === "string" && json.kind !== "") return { shape: "cdc", alert: json as CdcAlert };
    if (typeof json.AlarmName === "string" && typeof json.NewStateValue === "string")
      return { shape: "alarm", alarm: json as unknown as AlarmMessage };
    if (typeof json["detail-type"] === "string" && typeof json.source === "string" && asObject(json.detail))
      return { shape: "event", event: json as unknown as EventBridgeEvent };
  }
  return { shape: "text", text: message };
}

/** `cdc-<env>-<source>-alerts` → `<source>`; undefined for a topic not named so. */
export function sourceOfTopic(topicArn: string): string | undefined {
  const name = topicArn.split(":").pop() ?? "";
  return /^cdc-[^-]+-(.+)-alerts$/.exec(name)?.[1];
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
