/**
 * What AWS services do on the pipeline's behalf, with no role of ours: S3 notifying the validation queue, CloudWatch
 * alarms and EventBridge rules publishing alerts, CloudWatch Logs encrypting log groups (Lambda's, and Glue's under a
 * security configuration). Each is allowed only by the target's resource policy and, where the target is encrypted
 * with a customer-managed key, by that key's policy: a missing grant there fails the deployment (S3 refuses the
 * notification, a log group fails to create) or silently drops alerts. Simulated with the context the service's
 * request carries (`aws:SourceAccount`, `aws:SourceArn`, the logs encryption context).
 */
import type { RecordedResource } from "../support/pulumi-mocks";
import { runStack, STACKS } from "../support/stack";
import { callersOf } from "./callers";
import { simulate, simulateService, type Request } from "./simulate";
import { REGION, StackModel, type Resolved } from "./stack-model";

describe.each(STACKS)("AWS services acting for the pipeline in %s", (stack) => {
  let model: StackModel;
  beforeAll(async () => {
    model = new StackModel((await runStack(stack)).mocks.resources);
  }, 60_000);

  /** `service` may make each request (a service principal: only the resource's policy decides). */
  const denied = async (service: string, requests: Request[]): Promise<string[]> => {
    const out: string[] = [];
    for (const r of requests) {
      const o = await simulateService(service, r);
      if (!o.allowed) out.push(`${service} ${r.action} ${r.resource.arn}: ${o.result}`);
    }
    return out;
  };
  /** The KMS requests a service makes for a write to something encrypted with `keyArn`. */
  const keyUse = (keyArn: string | undefined, context: Record<string, string>, actions: string[]): Request[] =>
    keyArn ? actions.map((action) => ({ action, resource: model.kmsKey(keyArn), context, why: "service key use" })) : [];

  it("S3 may notify each queue of its bucket's new files, and use the queue's key", async () => {
    const requests: Request[] = [];
    for (const n of model.of("aws:s3/bucketNotification:BucketNotification")) {
      const bucket = model.bucket(String(n.inputs.bucket));
      const context = { "aws:SourceArn": bucket.arn, "aws:SourceAccount": bucket.account };
      for (const { queueArn } of (n.inputs.queues ?? []) as { queueArn: string }[]) {
        const queue = model.queue(queueArn);
        requests.push({ action: "sqs:SendMessage", resource: queue, context, why: "notification" });
        requests.push(...keyUse(queue.kmsKeyArn, context, ["kms:GenerateDataKey", "kms:Decrypt"]));
      }
    }
    expect(requests.length).toBeGreaterThan(0);
    expect(await denied("s3.amazonaws.com", requests)).toEqual([]);
  });

  it("alarms and EventBridge rules may publish to the alert topics, and use the topics' key", async () => {
    const byService: Record<string, Request[]> = { "cloudwatch.amazonaws.com": [], "events.amazonaws.com": [] };
    const publish = (service: string, topicArn: string, source: RecordedResource, sourceArn: string) => {
      if (!topicArn.startsWith("arn:aws:sns:")) return;
      const topic = model.topic(topicArn);
      const context = { "aws:SourceAccount": model.accountOf(source), "aws:SourceArn": sourceArn };
      byService[service].push({ action: "sns:Publish", resource: topic, context, why: "alert" });
      byService[service].push(...keyUse(topic.kmsKeyArn, context, ["kms:GenerateDataKey", "kms:Decrypt"]));
    };
    for (const a of model.of("aws:cloudwatch/metricAlarm:MetricAlarm"))
      for (const t of (a.inputs.alarmActions ?? []) as string[])
        publish("cloudwatch.amazonaws.com", t, a, `arn:aws:cloudwatch:${REGION}:${model.accountOf(a)}:alarm:${a.name}`);
    for (const t of model.of("aws:cloudwatch/eventTarget:EventTarget"))
      publish(
        "events.amazonaws.com",
        String(t.inputs.arn),
        t,
        `arn:aws:events:${REGION}:${model.accountOf(t)}:rule/${String(t.inputs.rule)}`,
      );
    expect(byService["cloudwatch.amazonaws.com"].length).toBeGreaterThan(0);
    expect(byService["events.amazonaws.com"].length).toBeGreaterThan(0);
    for (const [service, requests] of Object.entries(byService)) expect(await denied(service, requests)).toEqual([]);
  });

  it("SNS may deliver every alert topic to the Slack notifier's queue, use the queue's key, and no other topic may", async () => {
    const requests: Request[] = [];
    const foreign: Request[] = [];
    for (const sub of model.of("aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.protocol === "sqs")) {
      const topicArn = String(sub.inputs.topic);
      const queue = model.queue(String(sub.inputs.endpoint));
      const context = { "aws:SourceArn": topicArn, "aws:SourceAccount": topicArn.split(":")[4] };
      requests.push({ action: "sqs:SendMessage", resource: queue, context, why: "alert delivery" });
      requests.push(...keyUse(queue.kmsKeyArn, context, ["kms:GenerateDataKey", "kms:Decrypt"]));
      const other = `arn:aws:sns:${REGION}:${queue.account}:someone-elses-topic`;
      foreign.push({
        action: "sqs:SendMessage",
        resource: queue,
        context: { ...context, "aws:SourceArn": other },
        why: "foreign",
      });
    }
    expect(requests.length).toBeGreaterThan(0);
    expect(await denied("sns.amazonaws.com", requests)).toEqual([]);
    for (const r of foreign) expect((await simulateService("sns.amazonaws.com", r)).allowed).toBe(false);
  });

  it("CloudWatch Logs may use the key of every encrypted log group, Lambda's and Glue's", async () => {
    const requests: Request[] = [];
    const logGroup = (account: string, name: string, keyArn: string) => {
      const context = { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${REGION}:${account}:log-group:${name}` };
      requests.push(...keyUse(keyArn, context, ["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"]));
    };
    for (const g of model.of("aws:cloudwatch/logGroup:LogGroup").filter((x) => x.inputs.kmsKeyId))
      logGroup(model.accountOf(g), String(g.inputs.name), String(g.inputs.kmsKeyId));
    for (const { job, config } of glueJobsWithSecurityConfiguration(model)) {
      const key = cloudwatchKey(config);
      if (key) logGroup(model.accountOf(job), glueLogGroup(config, String(job.inputs.roleArn)), key);
    }
    expect(await denied(`logs.${REGION}.amazonaws.com`, requests)).toEqual([]);
  });

  it("a Glue job under a security configuration may set the key on its log groups and write to them", async () => {
    const callers = callersOf(model).callers;
    const problems: string[] = [];
    for (const { job, config } of glueJobsWithSecurityConfiguration(model)) {
      const caller = callers.find((c) => c.role.arn === job.inputs.roleArn);
      if (!caller) throw new Error(`no caller for ${String(job.inputs.roleArn)}`);
      const group = `arn:aws:logs:${REGION}:${caller.role.account}:log-group:${glueLogGroup(config, caller.role.arn)}`;
      const on = (arn: string): Resolved => ({ arn, account: caller.role.account });
      for (const [action, arn] of [
        ["logs:CreateLogGroup", group],
        ["logs:AssociateKmsKey", group],
        ["logs:CreateLogStream", `${group}:log-stream:jr_0001`],
        ["logs:PutLogEvents", `${group}:log-stream:jr_0001`],
      ]) {
        const o = await simulate(caller, { action, resource: on(arn), context: {}, why: "security configuration" });
        if (!o.allowed) problems.push(`${caller.role.name} ${action} ${arn}: ${o.result}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

function glueJobsWithSecurityConfiguration(model: StackModel): { job: RecordedResource; config: RecordedResource }[] {
  return model
    .of("aws:glue/job:Job")
    .filter((j) => j.inputs.securityConfiguration)
    .map((job) => {
      const config = model
        .of("aws:glue/securityConfiguration:SecurityConfiguration")
        .find((c) => c.inputs.name === job.inputs.securityConfiguration);
      if (!config) throw new Error(`job ${String(job.inputs.name)} names a security configuration that is not declared`);
      return { job, config };
    });
}

function cloudwatchKey(config: RecordedResource): string | undefined {
  const enc = config.inputs.encryptionConfiguration as { cloudwatchEncryption?: { kmsKeyArn?: string } } | undefined;
  return enc?.cloudwatchEncryption?.kmsKeyArn;
}

/** Where Glue writes a job's logs under a security configuration: `/aws-glue/jobs/<configuration>-role/<role>/output`. */
function glueLogGroup(config: RecordedResource, roleArn: string): string {
  return `/aws-glue/jobs/${String(config.inputs.name)}-role/${roleArn.split("/").pop()}/output`;
}
