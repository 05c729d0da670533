import { bucketsKmsEncrypted, bucketsPublicAccessBlocked, bucketsTlsOnly } from "../../policy/bucket-rules";
import { noWildcardActions, resourceWildcardOnlyWhereRequired } from "../../policy/iam-rules";
import { lambdasLogAndCatchFailures, queuesHaveDeadLetterQueues } from "../../policy/runtime-rules";
import { noPlaintextSecrets } from "../../policy/secret-rules";
import { checkPolicies, type HandResource } from "./harness";

const B = "cdc-dev-sales-raw-111111111111";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const tlsDeny = {
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};

/** A bucket with every side resource right; tests break one piece at a time. */
function goodBucket(): HandResource[] {
  return [
    { type: "aws:s3/bucket:Bucket", name: "raw-bucket", props: { bucket: B } },
    {
      type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      name: "raw-encryption",
      props: {
        bucket: B,
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyId: "arn:aws:kms:eu-west-2:111111111111:key/k",
            },
          },
        ],
      },
    },
    {
      type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      name: "raw-public-access",
      props: { bucket: B, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    },
    { type: "aws:s3/bucketPolicy:BucketPolicy", name: "raw-policy", props: { bucket: B, policy: doc(tlsDeny) } },
  ];
}

const replace = (rs: HandResource[], name: string, props: Record<string, unknown> | null) =>
  rs.flatMap((r) => (r.name !== name ? [r] : props === null ? [] : [{ ...r, props: { ...r.props, ...props } }]));

describe("bucket rules", () => {
  const rules = [bucketsKmsEncrypted, bucketsPublicAccessBlocked, bucketsTlsOnly];

  it("pass a bucket with KMS encryption, a full public access block and a TLS-only policy", async () => {
    await expect(checkPolicies(rules, goodBucket())).resolves.toEqual([]);
  });

  it.each([
    ["no encryption configuration", "raw-encryption", null],
    ["SSE-S3 instead of KMS", "raw-encryption", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }],
  ])("s3-bucket-kms-encrypted fails on %s", async (_why, name, props) => {
    expect(await checkPolicies(rules, replace(goodBucket(), name, props))).toEqual([
      {
        policy: "s3-bucket-kms-encrypted",
        message: `bucket ${B} is not encrypted with a KMS key: add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and kmsMasterKeyId`,
        urn: "urn:pulumi:test::cdc-pipelines::aws:s3/bucket:Bucket::raw-bucket",
      },
    ]);
  });

  it("s3-bucket-public-access-blocked names the settings left off", async () => {
    const violations = await checkPolicies(rules, replace(goodBucket(), "raw-public-access", { restrictPublicBuckets: false }));
    expect(violations.map((v) => [v.policy, v.message])).toEqual([
      ["s3-bucket-public-access-blocked", `bucket ${B} does not block public access: set restrictPublicBuckets to true`],
    ]);
    const none = await checkPolicies(rules, replace(goodBucket(), "raw-public-access", null));
    expect(none.map((v) => v.message)).toEqual([
      `bucket ${B} does not block public access: set blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true`,
    ]);
  });

  it.each([
    ["no bucket policy", null],
    ["a deny that covers only the bucket, not its objects", { policy: doc({ ...tlsDeny, Resource: `arn:aws:s3:::${B}` }) }],
    ["an allow instead of a deny", { policy: doc({ ...tlsDeny, Effect: "Allow" }) }],
  ])("s3-bucket-tls-only fails on %s", async (_why, props) => {
    const violations = await checkPolicies(rules, replace(goodBucket(), "raw-policy", props));
    expect(violations.map((v) => [v.policy, v.message])).toEqual([
      [
        "s3-bucket-tls-only",
        `bucket ${B} accepts plain HTTP: its bucket policy needs a Deny of s3:* on the bucket and its objects when aws:SecureTransport is false`,
      ],
    ]);
  });
});

describe("IAM rules", () => {
  const rules = [noWildcardActions, resourceWildcardOnlyWhereRequired];
  const rolePolicy = (...statements: object[]): HandResource[] => [
    { type: "aws:iam/rolePolicy:RolePolicy", name: "validate-policy", props: { policy: doc(...statements) } },
  ];

  it("pass exact actions on exact resources, actions that only exist on *, deny statements and KMS key policies", async () => {
    const ok = [
      ...rolePolicy(
        { Sid: "ReadRaw", Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${B}/*` },
        { Sid: "Metrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*" },
      ),
      { type: "aws:s3/bucketPolicy:BucketPolicy", name: "raw-policy", props: { policy: doc(tlsDeny) } },
      {
        type: "aws:kms/key:Key",
        name: "key",
        props: {
          policy: doc({
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111111111111:root" },
            Action: ["kms:Describe*"],
            Resource: "*",
          }),
        },
      },
    ];
    await expect(checkPolicies(rules, ok)).resolves.toEqual([]);
  });

  it("iam-no-wildcard-actions fails on * and service:* actions and on NotAction", async () => {
    const violations = await checkPolicies(
      [noWildcardActions],
      rolePolicy(
        { Sid: "TooMuch", Effect: "Allow", Action: ["s3:*", "sqs:SendMessage"], Resource: `arn:aws:s3:::${B}/*` },
        { Effect: "Allow", Action: "*", Resource: `arn:aws:s3:::${B}` },
        { Sid: "Inverse", Effect: "Allow", NotAction: "iam:*", Resource: `arn:aws:s3:::${B}` },
      ),
    );
    expect(violations.map((v) => [v.policy, v.message])).toEqual([
      ["iam-no-wildcard-actions", 'policy statement "TooMuch" allows s3:*: list the actions it needs'],
      ["iam-no-wildcard-actions", "policy statement #2 allows *: list the actions it needs"],
      ["iam-no-wildcard-actions", 'policy statement "Inverse" allows NotAction: list the actions it needs'],
    ]);
  });

  it("iam-resource-wildcard-only-where-required fails on * resources for actions that can be scoped", async () => {
    const violations = await checkPolicies(
      [resourceWildcardOnlyWhereRequired],
      [
        ...rolePolicy({ Sid: "AnyBucket", Effect: "Allow", Action: ["s3:GetObject", "cloudwatch:PutMetricData"], Resource: "*" }),
        {
          type: "aws:iam/role:Role",
          name: "inline",
          props: {
            inlinePolicies: [{ name: "x", policy: doc({ Effect: "Allow", Action: "sqs:SendMessage", Resource: ["*"] }) }],
          },
        },
      ],
    );
    expect(violations.map((v) => [v.policy, v.message])).toEqual([
      [
        "iam-resource-wildcard-only-where-required",
        'policy statement "AnyBucket" allows s3:GetObject on "*": name the resources (ARNs) instead',
      ],
      [
        "iam-resource-wildcard-only-where-required",
        'inlinePolicies[0].policy statement #1 allows sqs:SendMessage on "*": name the resources (ARNs) instead',
      ],
    ]);
  });
});

describe("queue rule", () => {
  const dlqArn = "arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-validate-dlq";
  const queues = (redrivePolicy?: string): HandResource[] => [
    { type: "aws:sqs/queue:Queue", name: "validate-dlq", props: { name: "cdc-dev-sales-validate-dlq" } },
    { type: "aws:sqs/queue:Queue", name: "validate-queue", props: { name: "cdc-dev-sales-validate", redrivePolicy } },
  ];

  it("passes a queue with a redrive policy and its dead-letter queue", async () => {
    await expect(
      checkPolicies([queuesHaveDeadLetterQueues], queues(JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }))),
    ).resolves.toEqual([]);
  });

  it("sqs-queue-has-dlq fails on a queue without one (and its orphaned would-be DLQ)", async () => {
    const violations = await checkPolicies([queuesHaveDeadLetterQueues], queues());
    expect(violations.map((v) => v.message)).toEqual([
      "queue cdc-dev-sales-validate-dlq has no dead-letter queue: set a redrivePolicy with deadLetterTargetArn and maxReceiveCount",
      "queue cdc-dev-sales-validate has no dead-letter queue: set a redrivePolicy with deadLetterTargetArn and maxReceiveCount",
    ]);
  });

  it("passes the dead-letter queue of an EventBridge Scheduler schedule, and only that one", async () => {
    const queue = (name: string): HandResource => ({ type: "aws:sqs/queue:Queue", name, props: { name } });
    const schedule: HandResource = {
      type: "aws:scheduler/schedule:Schedule",
      name: "dms-stop",
      props: { target: { deadLetterConfig: { arn: "arn:aws:sqs:eu-west-2:111111111111:cdc-dev-sales-dms-schedule-dlq" } } },
    };
    const violations = await checkPolicies(
      [queuesHaveDeadLetterQueues],
      [queue("cdc-dev-sales-dms-schedule-dlq"), queue("cdc-dev-sales-other"), schedule],
    );
    expect(violations.map((v) => v.message)).toEqual([
      "queue cdc-dev-sales-other has no dead-letter queue: set a redrivePolicy with deadLetterTargetArn and maxReceiveCount",
    ]);
  });
});

describe("Lambda rule", () => {
  const fn = (props: Record<string, unknown> = {}): HandResource => ({
    type: "aws:lambda/function:Function",
    name: "notify-function",
    props: { name: "cdc-dev-notify", loggingConfig: { logFormat: "JSON", logGroup: "/aws/lambda/cdc-dev-notify" }, ...props },
  });
  const logs = (retentionInDays?: number): HandResource => ({
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: "notify-logs",
    props: { name: "/aws/lambda/cdc-dev-notify", retentionInDays },
  });
  const snsInvokes: HandResource = {
    type: "aws:lambda/permission:Permission",
    name: "notify-from-sns",
    props: { function: "cdc-dev-notify", principal: "sns.amazonaws.com", action: "lambda:InvokeFunction" },
  };
  const onFailure: HandResource = {
    type: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    name: "notify-async",
    props: {
      functionName: "cdc-dev-notify",
      destinationConfig: { onFailure: { destination: "arn:aws:sqs:eu-west-2:111111111111:failed" } },
    },
  };
  const messages = async (rs: HandResource[]) => (await checkPolicies([lambdasLogAndCatchFailures], rs)).map((v) => v.message);

  it("passes a function with a retained log group; an asynchronous one also needs a failure destination", async () => {
    expect(await messages([fn(), logs(30)])).toEqual([]);
    expect(await messages([fn(), logs(30), snsInvokes, onFailure])).toEqual([]);
    expect(
      await messages([fn({ deadLetterConfig: { targetArn: "arn:aws:sqs:eu-west-2:111111111111:dlq" } }), logs(30), snsInvokes]),
    ).toEqual([]);
  });

  it("lambda-logs-and-failure-destination fails on a missing or unbounded log group and on dropped async failures", async () => {
    expect(await messages([fn()])).toEqual([
      "function cdc-dev-notify logs to /aws/lambda/cdc-dev-notify, which the stack does not declare: add a LogGroup with retentionInDays",
    ]);
    expect(await messages([fn(), logs(undefined)])).toEqual([
      "function cdc-dev-notify logs to /aws/lambda/cdc-dev-notify, which keeps logs forever: set retentionInDays",
    ]);
    expect(await messages([fn(), logs(30), snsInvokes])).toEqual([
      "function cdc-dev-notify is invoked asynchronously by sns.amazonaws.com but failed events are dropped: set deadLetterConfig or a FunctionEventInvokeConfig onFailure destination",
    ]);
  });
});

describe("secret rule", () => {
  const check = async (props: Record<string, unknown>) =>
    (await checkPolicies([noPlaintextSecrets], [{ type: "aws:dms/endpoint:Endpoint", name: "sales-source", props }])).map(
      (v) => v.message,
    );

  it("passes Secrets Manager references", async () => {
    expect(
      await check({
        secretsManagerSecretId: "arn:aws:secretsmanager:eu-west-2:111111111111:secret:cdc/dev/sales-dms-Xy34Zw",
        secretsManagerAccessRoleArn: "arn:aws:iam::111111111111:role/cdc-dev-sales-dms-secrets",
        environment: { variables: { SLACK_WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-2:111111111111:secret:slack" } },
      }),
    ).toEqual([]);
  });

  it("no-plaintext-secrets fails on a literal password, and on secret-shaped values anywhere", async () => {
    expect(await check({ password: "hunter2" })).toEqual([
      "aws:dms/endpoint:Endpoint sales-source: password holds a literal credential; store it in Secrets Manager and pass the secret's ARN",
    ]);
    expect(
      await check({
        environment: { variables: { WEBHOOK: "https://hooks.slack.com/services/T000/B000/XXXX", KEY: "AKIAABCDEFGHIJKLMNOP" } },
        extraConnectionAttributes: "url=mysql://dms:s3cret@sales-db:3306/sales",
      }),
    ).toEqual([
      "aws:dms/endpoint:Endpoint sales-source: environment.variables.WEBHOOK holds a Slack webhook URL; store it in Secrets Manager and pass the secret's ARN",
      "aws:dms/endpoint:Endpoint sales-source: environment.variables.KEY holds an AWS access key id; store it in Secrets Manager and pass the secret's ARN",
      "aws:dms/endpoint:Endpoint sales-source: extraConnectionAttributes holds a URL with a password; store it in Secrets Manager and pass the secret's ARN",
    ]);
  });
});
