/**
 * The other half of encrypting with the pipeline's keys: a key must let the AWS services that encrypt with it do so, or
 * `pulumi up` fails (a log group whose key CloudWatch Logs may not use is refused) or work is silently lost (S3 cannot
 * notify a queue whose key it may not use). The policy pack sees only resource inputs, where a key is an ARN it cannot
 * follow; under the mocks each key's ARN is known, so this checks every stack's key policies against their users.
 */
import { parseStatements, type Statement } from "../../policy/documents";
import type { RecordedResource } from "../support/pulumi-mocks";
import { ofType } from "../support/resources";
import { runStack, STACKS } from "../support/stack";

const REGION = "eu-west-2";
const KEY = "aws:kms/key:Key";

/** The key recorded with this ARN (the mocks' `arn:aws:kms:<region>:<account>:key/<name>`). */
function keyWithArn(resources: RecordedResource[], arn: string): RecordedResource | undefined {
  const name = arn.split(":key/")[1];
  return ofType(resources, KEY).find((k) => k.name === name);
}

const services = (s: Statement): string[] => {
  const service = (s.Principal as { Service?: string | string[] } | undefined)?.Service;
  return service === undefined ? [] : Array.isArray(service) ? service : [service];
};
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : []);

/** Whether the key's policy allows `service` to generate data keys (exactly, or by a `GenerateDataKey*` wildcard). */
function allowsService(key: RecordedResource, service: string, condition?: (s: Statement) => boolean): boolean {
  return (parseStatements(key.inputs.policy) ?? []).some(
    (s) =>
      s.Effect === "Allow" &&
      services(s).includes(service) &&
      actions(s).some((a) => a === "kms:GenerateDataKey" || a === "kms:GenerateDataKey*") &&
      (condition?.(s) ?? true),
  );
}

/** The logs statement covers this log group: its encryption-context condition matches the group's ARN. */
const coversLogGroup = (groupArn: string) => (s: Statement) => {
  const pattern = (s.Condition?.ArnLike as Record<string, string> | undefined)?.["kms:EncryptionContext:aws:logs:arn"];
  return pattern !== undefined && new RegExp(`^${pattern.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`).test(groupArn);
};

describe.each(STACKS)("the %s stack's keys let the services that encrypt with them do so", (stack) => {
  let resources: RecordedResource[];
  beforeAll(async () => ({ resources } = (await runStack(stack)).mocks));

  it("CloudWatch Logs, for every log group encrypted with a key and every Glue job's logs", () => {
    const uses: Array<{ what: string; keyArn: string; account: string; group: string }> = [];
    for (const g of ofType(resources, "aws:cloudwatch/logGroup:LogGroup")) {
      if (typeof g.inputs.kmsKeyId !== "string") continue;
      const account = g.inputs.kmsKeyId.split(":")[4];
      uses.push({ what: `log group ${String(g.inputs.name)}`, keyArn: g.inputs.kmsKeyId, account, group: String(g.inputs.name) });
    }
    for (const c of ofType(resources, "aws:glue/securityConfiguration:SecurityConfiguration")) {
      const keyArn = (c.inputs.encryptionConfiguration as { cloudwatchEncryption?: { kmsKeyArn?: string } }).cloudwatchEncryption
        ?.kmsKeyArn;
      if (keyArn === undefined) continue;
      uses.push({
        what: `Glue security configuration ${String(c.inputs.name)}`,
        keyArn,
        account: keyArn.split(":")[4],
        group: "/aws-glue/jobs/x",
      });
    }
    expect(uses.length).toBeGreaterThan(0);
    const refused = uses
      .filter(({ keyArn, account, group }) => {
        const key = keyWithArn(resources, keyArn);
        const arn = `arn:aws:logs:${REGION}:${account}:log-group:${group}`;
        return !key || !allowsService(key, `logs.${REGION}.amazonaws.com`, coversLogGroup(arn));
      })
      .map((u) => `${u.what}: key ${u.keyArn} does not let logs.${REGION}.amazonaws.com use it (KmsKey logsRegion)`);
    expect(refused).toEqual([]);
  });

  it("S3, for every queue a bucket notifies that is encrypted with a key", () => {
    const queues = ofType(resources, "aws:sqs/queue:Queue");
    const refused: string[] = [];
    let checked = 0;
    for (const n of ofType(resources, "aws:s3/bucketNotification:BucketNotification")) {
      for (const { queueArn } of (n.inputs.queues as Array<{ queueArn: string }> | undefined) ?? []) {
        const queue = queues.find((q) => queueArn.endsWith(`:${String(q.inputs.name)}`));
        const keyArn = queue?.inputs.kmsMasterKeyId;
        if (typeof keyArn !== "string") continue;
        checked++;
        const key = keyWithArn(resources, keyArn);
        if (!key || !allowsService(key, "s3.amazonaws.com")) {
          refused.push(
            `queue ${String(queue?.inputs.name)}: key ${keyArn} does not let s3.amazonaws.com use it (KmsKey queueSenders)`,
          );
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(refused).toEqual([]);
  });
});
