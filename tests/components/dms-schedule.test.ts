/**
 * DmsSchedule under the mocks: two universal-target schedules (stop, resume) in the window's time zone, a role only
 * Scheduler may assume for this account that may make exactly those two calls on this one task, and a dead-letter
 * queue with an alarm for a call that failed. The IAM simulation (tests/iam) proves the role's calls on the stacks.
 */
import { DmsSchedule, cronAt, type DmsScheduleArgs } from "../../components/dms-schedule";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, ofType, one } from "../support/resources";
import { runDeclarations, runStack } from "../support/stack";
import { ACCOUNT, KEY_ARN, statements, testProvider } from "./helpers";

const TASK = `arn:aws:dms:eu-west-2:${ACCOUNT}:task:SALESTASK`;
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-dev-sales-alerts`;

function args(window: Partial<DmsScheduleArgs["window"]> = {}): DmsScheduleArgs {
  return {
    namePrefix: "cdc-dev-sales",
    accountId: ACCOUNT,
    taskArn: TASK,
    window: {
      stopAt: "19:30",
      startAt: "07:05",
      timezone: "Europe/London",
      weekdays: ["MON", "TUE", "WED", "THU", "FRI"],
      ...window,
    },
    kmsKeyArn: KEY_ARN,
    alarmActions: [TOPIC],
  };
}

async function declare(a: DmsScheduleArgs = args()): Promise<RecordedResource[]> {
  const { mocks } = await runDeclarations(() => {
    const schedule = new DmsSchedule("sales-schedule", a, { provider: testProvider() });
    return { deadLetterQueueUrl: schedule.deadLetterQueueUrl };
  });
  return mocks.resources;
}

describe("DmsSchedule", () => {
  let resources: RecordedResource[];
  beforeAll(async () => {
    resources = await declare();
  });

  it("stops the task in the evening and resumes it from its last position in the morning, on the window's days and zone", () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-dms-schedule`;
    const dlq = `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-sales-dms-schedule-dlq`;
    const target = (api: string, input: object) => ({
      arn: `arn:aws:scheduler:::aws-sdk:databasemigration:${api}`,
      roleArn: role,
      input: JSON.stringify(input),
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: dlq },
    });
    expect(one(resources, "aws:scheduler/schedule:Schedule", "sales-schedule-stop").inputs).toEqual({
      name: "cdc-dev-sales-dms-stop",
      description: "Stops DMS task cdc-dev-sales at 19:30 Europe/London (dev cost saver)",
      scheduleExpression: "cron(30 19 ? * MON,TUE,WED,THU,FRI *)",
      scheduleExpressionTimezone: "Europe/London",
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: target("stopReplicationTask", { ReplicationTaskArn: TASK }),
    });
    expect(one(resources, "aws:scheduler/schedule:Schedule", "sales-schedule-start").inputs).toMatchObject({
      name: "cdc-dev-sales-dms-start",
      scheduleExpression: "cron(5 7 ? * MON,TUE,WED,THU,FRI *)",
      scheduleExpressionTimezone: "Europe/London",
      target: target("startReplicationTask", { ReplicationTaskArn: TASK, StartReplicationTaskType: "resume-processing" }),
    });
    // The schedules wait for the role's policy: Scheduler checks nothing at creation, the first run would fail.
    const policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "sales-schedule-policy");
    for (const s of ofType(resources, "aws:scheduler/schedule:Schedule")) expect(s.dependencies).toContain(policy.urn);
  });

  it("gives Scheduler, for this account only, a role allowed exactly the two calls on this task and its dead letters", () => {
    expect(statements(one(resources, "aws:iam/role:Role", "sales-schedule-role"), "assumeRolePolicy")).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "sales-schedule-policy"))).toEqual([
      {
        Sid: "StopAndResumeTheTask",
        Effect: "Allow",
        Action: ["dms:StartReplicationTask", "dms:StopReplicationTask"],
        Resource: TASK,
      },
      {
        Sid: "DeadLetters",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: `arn:aws:sqs:eu-west-2:${ACCOUNT}:cdc-dev-sales-dms-schedule-dlq`,
      },
      { Sid: "EncryptDeadLetters", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: KEY_ARN },
    ]);
  });

  it("keeps failed calls in a queue under the pipeline key and alarms on the first one, naming the commands", () => {
    expect(one(resources, "aws:sqs/queue:Queue", "sales-schedule-dlq").inputs).toMatchObject({
      name: "cdc-dev-sales-dms-schedule-dlq",
      kmsMasterKeyId: KEY_ARN,
    });
    const alarm = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "sales-schedule-dlq-alarm").inputs;
    expect(alarm).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "cdc-dev-sales-dms-schedule-dlq" },
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      alarmActions: [TOPIC],
    });
    expect(alarm.alarmDescription).toContain("`cdc dms resume`");
  });

  it("parents every resource to the component", () => {
    const component = one(resources, "cdc:ingestion:DmsSchedule", "sales-schedule");
    expect(
      childrenOf(resources, component)
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "sales-schedule-dlq",
      "sales-schedule-dlq-alarm",
      "sales-schedule-policy",
      "sales-schedule-role",
      "sales-schedule-start",
      "sales-schedule-stop",
    ]);
  });

  it("writes Scheduler's cron: every day with `?` in day-of-week, listed days in week order", () => {
    expect(cronAt("00:00")).toBe("cron(0 0 * * ? *)");
    expect(cronAt("23:59", ["SUN", "MON"])).toBe("cron(59 23 ? * MON,SUN *)");
    expect(cronAt("06:00", ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"])).toBe("cron(0 6 * * ? *)");
  });

  it.each([
    [{ stopAt: "7pm" }, 'DmsSchedule sales-schedule: window.stopAt must be HH:MM (24 h), got "7pm"'],
    [{ startAt: "24:00" }, 'DmsSchedule sales-schedule: window.startAt must be HH:MM (24 h), got "24:00"'],
    [{ stopAt: "07:00", startAt: "07:00" }, "DmsSchedule sales-schedule: window.stopAt and window.startAt must differ"],
    [{ timezone: "Mars/Olympus" }, 'window.timezone must be an IANA time zone such as Europe/London, got "Mars/Olympus"'],
    [
      { weekdays: ["MON", "Fri"] },
      'window.weekdays must be a non-empty list of MON, TUE, WED, THU, FRI, SAT, SUN, got ["MON","Fri"]',
    ],
    [{ weekdays: [] }, "window.weekdays must be a non-empty list"],
  ])("refuses %j before declaring anything", async (window, message) => {
    await expect(declare(args(window))).rejects.toThrow(message);
  });
});

describe("DmsSchedule in the committed stacks", () => {
  it.each([
    ["dev", ["cdc-dev-sales-dms-start", "cdc-dev-sales-dms-stop"]],
    ["preprod", []],
    ["prod", []],
  ] as const)(
    "%s declares schedules only for the sources whose stack file sets dms.schedule",
    async (stack, names) => {
      const { resources } = (await runStack(stack)).mocks;
      const schedules = ofType(resources, "aws:scheduler/schedule:Schedule");
      expect(schedules.map((s) => s.inputs.name).sort()).toEqual(names);
      // dev sets it on sales only: crm's task has no schedule, and sales' schedules name sales' own task (the mocks'
      // ARN of resource dev-sales-dms-task).
      for (const s of schedules) {
        expect(JSON.parse(String((s.inputs.target as { input: string }).input)).ReplicationTaskArn).toBe(
          `arn:aws:dms:eu-west-2:${ACCOUNT}:task:DEVSALESDMSTASK`,
        );
      }
      if (stack === "dev") one(resources, "aws:dms/replicationTask:ReplicationTask", "dev-sales-dms-task");
    },
    60_000,
  );
});
