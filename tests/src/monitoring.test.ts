/**
 * The pipeline's alarms, rules and dashboards over the three committed stacks, under the mocks: every alarm and every
 * rule notifies a topic of its own account (alarms and rules cannot publish across accounts, so a cross-account action
 * is an alert nobody ever gets), every Lambda function (a pipeline's or the stack's own, such as the Slack notifiers)
 * has its errors and throttles alarms, and each dashboard shows only what runs in its account.
 */
import type { RecordedResource } from "../support/pulumi-mocks";
import { descendantsOf, ofType, providerOf } from "../support/resources";
import { runStack, STACKS, type StackName } from "../support/stack";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const TOPIC = "aws:sns/topic:Topic";
const FUNCTION = "aws:lambda/function:Function";
const QUEUE = "aws:sqs/queue:Queue";
const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";

/** The account a resource is declared in: its provider is named `<…>-<accountId>`. */
function accountOf(resources: readonly RecordedResource[], r: RecordedResource): string {
  const provider = providerOf(resources, r);
  if (!provider) throw new Error(`${r.type} ${r.name} has no explicit provider: its account is unknown`);
  return provider.name.split("-").pop() as string;
}

/** Physical names of the resources of `type`, by account. */
function namesByAccount(resources: readonly RecordedResource[], type: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of ofType(resources, type)) {
    const account = accountOf(resources, r);
    const set = out.get(account) ?? new Set<string>();
    set.add(String(r.inputs.name));
    out.set(account, set);
  }
  return out;
}

/**
 * Every alarm action and rule target that does not name a topic declared in the alarm's or rule's own account (rule
 * targets may also be a function or queue of that account, e.g. a poller's schedule), one line each.
 */
export function crossAccountNotifications(resources: readonly RecordedResource[]): string[] {
  const problems: string[] = [];
  const topics = new Set(ofType(resources, TOPIC).map((t) => `sns:${accountOf(resources, t)}:${String(t.inputs.name)}`));
  const arnParts = (arn: string) => {
    const [, , service, , account, ...rest] = arn.split(":");
    return { service, account, name: rest.join(":").replace(/^function:/, "") };
  };
  for (const a of ofType(resources, ALARM)) {
    const own = accountOf(resources, a);
    for (const key of ["alarmActions", "okActions", "insufficientDataActions"]) {
      for (const arn of (a.inputs[key] as string[] | undefined) ?? []) {
        const p = arnParts(arn);
        if (p.service !== "sns" || p.account !== own || !topics.has(`sns:${own}:${p.name}`))
          problems.push(`alarm ${a.name} (account ${own}) ${key}: ${arn} is not a topic of its account`);
      }
    }
  }
  const rules = new Set(ofType(resources, RULE).map((r) => `${accountOf(resources, r)}:${String(r.inputs.name)}`));
  for (const t of ofType(resources, TARGET)) {
    const own = accountOf(resources, t);
    if (!rules.has(`${own}:${String(t.inputs.rule)}`))
      problems.push(`rule target ${t.name}: rule ${String(t.inputs.rule)} is not a rule of account ${own}`);
    const arn = String(t.inputs.arn);
    const p = arnParts(arn);
    if (p.account !== own || (p.service === "sns" && !topics.has(`sns:${own}:${p.name}`)))
      problems.push(`rule target ${t.name} (account ${own}): ${arn} is not in its account`);
  }
  return problems;
}

const runs = new Map<StackName, RecordedResource[]>();
async function resourcesOf(stack: StackName): Promise<RecordedResource[]> {
  if (!runs.has(stack)) runs.set(stack, (await runStack(stack)).mocks.resources);
  return runs.get(stack) as RecordedResource[];
}

describe.each(STACKS)("monitoring of the %s stack", (stack) => {
  it("every alarm and every rule notifies a topic of its own account", async () => {
    const resources = await resourcesOf(stack);
    expect(ofType(resources, ALARM).length).toBeGreaterThan(0);
    expect(ofType(resources, TARGET).length).toBeGreaterThan(0);
    expect(crossAccountNotifications(resources)).toEqual([]);
  });

  it("every Lambda function of the stack has an errors and a throttles alarm in its account, notifying when it fires and clears", async () => {
    const resources = await resourcesOf(stack);
    const alarms = ofType(resources, ALARM);
    const pipelines = ofType(resources, "cdc:index:CdcPipeline");
    expect(pipelines.length).toBeGreaterThan(0);
    const functions = ofType(resources, FUNCTION);
    const ofPipelines = pipelines.flatMap((p) => descendantsOf(resources, p)).filter((r) => r.type === FUNCTION);
    expect(ofPipelines.length).toBeGreaterThanOrEqual(pipelines.length * 4);
    // The stack's own: every committed stack sets a Slack webhook, so each account has its notifier.
    const notifiers = ofType(resources, "cdc:alerting:SlackNotifier");
    expect(notifiers).toHaveLength(stack === "prod" ? 2 : 1);
    expect(functions.length).toBe(ofPipelines.length + notifiers.length);
    for (const fn of functions) {
      const name = String(fn.inputs.name);
      const account = accountOf(resources, fn);
      for (const metric of ["Errors", "Throttles"]) {
        // Function names are unique per account only: each account's notifier is `cdc-<env>-slack-notifier`.
        const found = alarms.filter(
          (a) =>
            a.inputs.namespace === "AWS/Lambda" &&
            a.inputs.metricName === metric &&
            (a.inputs.dimensions as Record<string, string>).FunctionName === name &&
            accountOf(resources, a) === account,
        );
        expect({ fn: name, account, metric, alarms: found.length }).toEqual({ fn: name, account, metric, alarms: 1 });
        expect((found[0].inputs.okActions as string[]).length).toBe(1);
        expect(found[0].inputs.okActions).toEqual(found[0].inputs.alarmActions);
      }
    }
  });

  it("each source's DMS task has CDC latency alarms on both its metrics, under the task's metric dimensions", async () => {
    const resources = await resourcesOf(stack);
    const latency = ofType(resources, ALARM).filter((a) => a.inputs.namespace === "AWS/DMS");
    const tasks = ofType(resources, "aws:dms/replicationTask:ReplicationTask");
    expect(latency.map((a) => a.inputs.metricName).sort()).toEqual(
      tasks.flatMap(() => ["CDCLatencySource", "CDCLatencyTarget"]).sort(),
    );
    for (const a of latency) {
      const d = a.inputs.dimensions as Record<string, string>;
      // The identifier the instance was created with; the task's resource id (its ARN's last part), not its name.
      expect(d.ReplicationInstanceIdentifier).toMatch(/^cdc-[a-z]+-[a-z]+$/);
      expect(d.ReplicationTaskIdentifier).not.toContain(":");
      expect(d.ReplicationTaskIdentifier).not.toBe(d.ReplicationInstanceIdentifier);
      expect(a.inputs).toMatchObject({ threshold: 600, evaluationPeriods: 3, datapointsToAlarm: 3, period: 300 });
    }
  });

  it("each dashboard graphs only functions and queues of its own account, one dashboard per source and account", async () => {
    const resources = await resourcesOf(stack);
    const functions = namesByAccount(resources, FUNCTION);
    const queues = namesByAccount(resources, QUEUE);
    const dashboards = ofType(resources, DASHBOARD);
    const sources = ofType(resources, "aws:dms/replicationTask:ReplicationTask").length;
    const accounts = new Set(dashboards.map((d) => accountOf(resources, d)));
    expect(dashboards).toHaveLength(sources * accounts.size);
    expect(accounts.size).toBe(stack === "prod" ? 2 : 1);
    for (const d of dashboards) {
      const own = accountOf(resources, d);
      const body = JSON.parse(String(d.inputs.dashboardBody)) as { widgets: Array<{ properties: { metrics?: unknown[][] } }> };
      const named = body.widgets.flatMap((w) => w.properties.metrics ?? []);
      const fnNames = named.filter((m) => m[2] === "FunctionName" || m[2] === "service").map((m) => String(m[3]));
      const queueNames = named.filter((m) => m[2] === "QueueName").map((m) => String(m[3]));
      expect(fnNames.length).toBeGreaterThan(0);
      expect(queueNames.length).toBeGreaterThan(0);
      for (const f of fnNames)
        expect({ dashboard: d.name, f, here: functions.get(own)?.has(f) }).toEqual({ dashboard: d.name, f, here: true });
      for (const q of queueNames)
        expect({ dashboard: d.name, q, here: queues.get(own)?.has(q) }).toEqual({ dashboard: d.name, q, here: true });
    }
  });
});

describe("the cross-account check", () => {
  it("names an alarm that would notify the other account's topic, and a rule target in the other account", async () => {
    const resources = await resourcesOf("prod");
    const lakeTopic = ofType(resources, TOPIC).find((t) => accountOf(resources, t) === "555555555555")!;
    const lakeTopicArn = `arn:aws:sns:eu-west-2:555555555555:${String(lakeTopic.inputs.name)}`;
    const alarm = ofType(resources, ALARM).find((a) => accountOf(resources, a) === "444444444444")!;
    const target = ofType(resources, TARGET).find((t) => accountOf(resources, t) === "444444444444")!;
    const broken = resources.map((r) =>
      r === alarm
        ? { ...r, inputs: { ...r.inputs, alarmActions: [lakeTopicArn] } }
        : r === target
          ? { ...r, inputs: { ...r.inputs, arn: lakeTopicArn } }
          : r,
    );
    expect(crossAccountNotifications(broken)).toEqual([
      `alarm ${alarm.name} (account 444444444444) alarmActions: ${lakeTopicArn} is not a topic of its account`,
      `rule target ${target.name} (account 444444444444): ${lakeTopicArn} is not in its account`,
    ]);
  });
});
