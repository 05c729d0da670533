/**
 * The dev cost saver: EventBridge Scheduler stops a DMS replication task in the evening and resumes it in the morning
 * from the last position it read (`resume-processing`), so no change is lost, only delayed. Both calls are universal
 * targets (Scheduler calls the DMS API itself: no Lambda to run or pay for) made with a role that Scheduler may assume
 * only for this account and that may make exactly those two calls on this one task.
 *
 * A call that still fails after the retries (the task was already stopped by hand, or failed and cannot resume) goes
 * to a dead-letter queue whose alarm alerts: a morning start that never happened is otherwise silent, since DMS sends
 * no state-change event for a call it refused.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsChecker } from "./args";
import { assumeRolePolicy, policyDocument } from "./iam";
import { deadLetterAlarm } from "./queue-with-dlq";

/** Scheduler's day-of-week names, in week order. */
export const SCHEDULE_WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] as const;

/** When the task is stopped and resumed, in local time. */
export interface DmsScheduleWindow {
  /** Local time (HH:MM, 24 h) the task is stopped. */
  stopAt: string;
  /** Local time (HH:MM, 24 h) the task is resumed from its last position. */
  startAt: string;
  /** IANA time zone of both times: Scheduler follows its daylight saving, so the window stays at office hours. */
  timezone: string;
  /** Days the stop and the start happen. Defaults to every day. */
  weekdays?: readonly string[];
}

export interface DmsScheduleArgs {
  /** Physical-name prefix, `cdc-<env>-<source>`: the schedules, role and queue are `<prefix>-dms-…`. */
  namePrefix: string;
  /** The account of the task; the role trusts Scheduler only on this account's behalf (`aws:SourceAccount`). */
  accountId: string;
  /** The replication task to stop and resume. */
  taskArn: pulumi.Input<string>;
  window: DmsScheduleWindow;
  /**
   * The pipeline key of the task's account: encrypts the dead-letter queue, as the policy pack requires of every
   * queue. The schedules' own payload (the task ARN) is no secret, so they keep Scheduler's AWS-owned key and need no
   * key-policy grant that could break them.
   */
  kmsKeyArn: pulumi.Input<string>;
  /** Where the dead-letter alarm notifies: the account's alert topic. */
  alarmActions: pulumi.Input<pulumi.Input<string>[]>;
}

/** The two DMS calls, as Scheduler's universal-target ARNs name them (`aws-sdk:<service>:<apiAction>`, camelCase). */
const STOP_TARGET = "arn:aws:scheduler:::aws-sdk:databasemigration:stopReplicationTask";
const START_TARGET = "arn:aws:scheduler:::aws-sdk:databasemigration:startReplicationTask";

/**
 * Scheduler retries throttling and server errors; three times within an hour covers a DMS hiccup, while the default
 * (185 times over 24 hours) could resume a task after the next evening's stop.
 */
const RETRY = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 };

export class DmsSchedule extends pulumi.ComponentResource {
  /** The cron expressions in the window's zone, `stop` and `start`, for operators and tests. */
  readonly expressions: { stop: string; start: string };
  /** The dead-letter queue of calls that failed: inspect it when its alarm fires. */
  readonly deadLetterQueueUrl: pulumi.Output<string>;

  constructor(name: string, args: DmsScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdc:ingestion:DmsSchedule", name, {}, opts);
    validate(name, args, this);
    const child = { parent: this };
    const id = `${args.namePrefix}-dms-schedule`;
    this.expressions = {
      stop: cronAt(args.window.stopAt, args.window.weekdays),
      start: cronAt(args.window.startAt, args.window.weekdays),
    };

    const dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        name: `${id}-dlq`,
        messageRetentionSeconds: 14 * 86400,
        kmsMasterKeyId: args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
      },
      child,
    );
    deadLetterAlarm(
      name,
      {
        deadLetterQueueName: dlq.name,
        description: `A scheduled stop or start of DMS task ${args.namePrefix} failed (messages in ${id}-dlq say which and why). A failed start leaves replication stopped: run \`cdc dms status\`, then \`cdc dms resume\`. A failed stop of a task already stopped is harmless.`,
        // Two calls a day, not a stream of messages: a five-minute period is soon enough.
        periodSeconds: 300,
        alarmActions: args.alarmActions,
      },
      child,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      { name: id, assumeRolePolicy: assumeRolePolicy("scheduler.amazonaws.com", args.accountId) },
      child,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: "stop-and-resume-task",
        policy: policyDocument([
          {
            Sid: "StopAndResumeTheTask",
            Effect: "Allow",
            Action: ["dms:StartReplicationTask", "dms:StopReplicationTask"],
            Resource: args.taskArn,
          },
          { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq.arn },
          {
            Sid: "EncryptDeadLetters",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: args.kmsKeyArn,
          },
        ]),
      },
      child,
    );

    const schedule = (action: "stop" | "start", targetArn: string, input: pulumi.Input<string>, expression: string) =>
      new aws.scheduler.Schedule(
        `${name}-${action}`,
        {
          name: `${args.namePrefix}-dms-${action}`,
          description: `${action === "stop" ? "Stops" : "Resumes"} DMS task ${args.namePrefix} at ${action === "stop" ? args.window.stopAt : args.window.startAt} ${args.window.timezone} (dev cost saver)`,
          scheduleExpression: expression,
          scheduleExpressionTimezone: args.window.timezone,
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: targetArn,
            roleArn: role.arn,
            input,
            retryPolicy: RETRY,
            deadLetterConfig: { arn: dlq.arn },
          },
        },
        // Scheduler checks nothing at creation; the first run would fail if the policy were not there yet.
        { ...child, dependsOn: [policy] },
      );
    // The request parameters of the DMS API, as Scheduler passes them (PascalCase, as in the API reference).
    schedule(
      "stop",
      STOP_TARGET,
      pulumi.output(args.taskArn).apply((arn) => JSON.stringify({ ReplicationTaskArn: arn })),
      this.expressions.stop,
    );
    schedule(
      "start",
      START_TARGET,
      pulumi
        .output(args.taskArn)
        .apply((arn) => JSON.stringify({ ReplicationTaskArn: arn, StartReplicationTaskType: "resume-processing" })),
      this.expressions.start,
    );

    this.deadLetterQueueUrl = dlq.url;
    this.registerOutputs({ deadLetterQueueUrl: this.deadLetterQueueUrl });
  }
}

/** Scheduler's cron (minutes hours day-of-month month day-of-week year) at HH:MM on `weekdays`, or every day. */
export function cronAt(hhmm: string, weekdays?: readonly string[]): string {
  const [hours, minutes] = hhmm.split(":").map(Number);
  const days = weekdays === undefined ? undefined : SCHEDULE_WEEKDAYS.filter((d) => weekdays.includes(d));
  // Scheduler's cron takes `?` in exactly one of day-of-month and day-of-week.
  return days === undefined || days.length === 7
    ? `cron(${minutes} ${hours} * * ? *)`
    : `cron(${minutes} ${hours} ? * ${days.join(",")} *)`;
}

function validate(name: string, args: DmsScheduleArgs, resource: pulumi.Resource): void {
  const fail = argsChecker("DmsSchedule", name, resource);
  const { stopAt, startAt, timezone, weekdays } = args.window;
  for (const [key, value] of [
    ["stopAt", stopAt],
    ["startAt", startAt],
  ]) {
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) fail(`window.${key} must be HH:MM (24 h), got ${JSON.stringify(value)}`);
  }
  if (stopAt === startAt) fail("window.stopAt and window.startAt must differ");
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    fail(`window.timezone must be an IANA time zone such as Europe/London, got ${JSON.stringify(timezone)}`);
  }
  const unknown = (weekdays ?? []).filter((d) => !(SCHEDULE_WEEKDAYS as readonly string[]).includes(d));
  if (unknown.length > 0 || weekdays?.length === 0) {
    fail(`window.weekdays must be a non-empty list of ${SCHEDULE_WEEKDAYS.join(", ")}, got ${JSON.stringify(weekdays)}`);
  }
  // Scheduler names stop at 64 characters; IAM role names too.
  if (`${args.namePrefix}-dms-schedule-dlq`.length > 64) fail(`namePrefix ${args.namePrefix} is too long for the schedule names`);
}
