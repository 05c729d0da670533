import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dmsTableMappings } from "../../metadata/dms-table-mappings";
import { readMetadataDir } from "../../metadata/load";
import { METADATA_ROOT } from "../../src/program";
import { statement, statements } from "../components/helpers";
import type { RecordedResource } from "../support/pulumi-mocks";
import { accountOf, descendantsOf, ofType, one } from "../support/resources";
import { engineConfig, PROJECT_DIR, runProgram, runStack, type StackName } from "../support/stack";

const PIPELINE = "cdc:index:CdcPipeline";

/** AWS resources of one source's pipeline, counted by type. */
function countsOf(resources: RecordedResource[], pipeline: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of descendantsOf(resources, one(resources, PIPELINE, pipeline))) {
    if (r.type.startsWith("aws:") || r.type.startsWith("awsx:")) counts[r.type] = (counts[r.type] ?? 0) + 1;
  }
  return counts;
}

/**
 * What every source declares, whatever the stack: DMS, five buckets (raw, quarantine, harmonized, lake, publication),
 * the validated queue with its DLQ, the validate and fan-out Lambdas, the Athena workgroup and the apply script.
 */
const PER_SOURCE = {
  "aws:dms/endpoint:Endpoint": 1,
  "aws:dms/s3Endpoint:S3Endpoint": 1,
  "aws:dms/replicationInstance:ReplicationInstance": 1,
  "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup": 1,
  "aws:dms/replicationTask:ReplicationTask": 1,
  "aws:ec2/securityGroup:SecurityGroup": 1,
  "aws:cloudwatch/eventRule:EventRule": 1,
  "aws:cloudwatch/eventTarget:EventTarget": 1,
  "aws:s3/bucket:Bucket": 5,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 5,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 5,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 5,
  "aws:s3/bucketPolicy:BucketPolicy": 5,
  "aws:s3/bucketVersioning:BucketVersioning": 5,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 5,
  "aws:s3/bucketNotification:BucketNotification": 1,
  "aws:s3/bucketObjectv2:BucketObjectv2": 1,
  "aws:sqs/queue:Queue": 4,
  "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": 2,
  "aws:sqs/queuePolicy:QueuePolicy": 2,
  "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
  "aws:iam/role:Role": 4,
  "aws:iam/rolePolicy:RolePolicy": 4,
  "aws:cloudwatch/logGroup:LogGroup": 2,
  "aws:lambda/function:Function": 2,
  "aws:lambda/eventSourceMapping:EventSourceMapping": 2,
  "aws:athena/workgroup:Workgroup": 1,
};
/** The raw reconciler: an hourly Lambda (failed runs reported) with its schedule. */
const RECONCILER = {
  "aws:iam/role:Role": 1,
  "aws:iam/rolePolicy:RolePolicy": 1,
  "aws:glue/securityConfiguration:SecurityConfiguration": 1,
  "aws:cloudwatch/logGroup:LogGroup": 1,
  "aws:lambda/function:Function": 1,
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
  "aws:lambda/permission:Permission": 1,
  "aws:cloudwatch/eventRule:EventRule": 1,
  "aws:cloudwatch/eventTarget:EventTarget": 1,
};
/** The DMS reconciliation: an hourly Lambda (failed runs reported) with its schedule. */
const DMS_RECONCILER = {
  "aws:iam/role:Role": 1,
  "aws:iam/rolePolicy:RolePolicy": 1,
  "aws:cloudwatch/logGroup:LogGroup": 1,
  "aws:lambda/function:Function": 1,
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
  "aws:lambda/permission:Permission": 1,
  "aws:cloudwatch/eventRule:EventRule": 1,
  "aws:cloudwatch/eventTarget:EventTarget": 1,
};
/** The dev cost saver, where a source sets `dms.schedule`: stop and resume schedules, their role and dead letters. */
const DMS_SCHEDULE = {
  "aws:scheduler/schedule:Schedule": 2,
  "aws:iam/role:Role": 1,
  "aws:iam/rolePolicy:RolePolicy": 1,
  "aws:sqs/queue:Queue": 1,
  "aws:cloudwatch/metricAlarm:MetricAlarm": 1,
};
/** The large-file validation job: its artifacts bucket, script, role, job and failed-run alert. */
const LARGE_FILE_JOB = {
  "aws:cloudwatch/eventRule:EventRule": 1,
  "aws:cloudwatch/eventTarget:EventTarget": 1,
  "aws:s3/bucket:Bucket": 1,
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
  "aws:s3/bucketPolicy:BucketPolicy": 1,
  "aws:s3/bucketVersioning:BucketVersioning": 1,
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
  "aws:s3/bucketObjectv2:BucketObjectv2": 1,
  "aws:iam/role:Role": 1,
  "aws:iam/rolePolicy:RolePolicy": 1,
  "aws:glue/job:Job": 1,
};
/**
 * Each target adds its queue and DLQ (two alarms: dead letters, oldest message), its database, the poller (scheduled,
 * failed invocations reported), the apply job with its role and failure rule, and its table optimizers' role; a MySQL
 * target adds a Glue connection and its security group.
 */
const PER_TARGET = {
  "aws:sqs/queue:Queue": 2,
  "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": 1,
  "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
  "aws:glue/catalogDatabase:CatalogDatabase": 1,
  "aws:iam/role:Role": 3,
  "aws:iam/rolePolicy:RolePolicy": 3,
  "aws:cloudwatch/logGroup:LogGroup": 1,
  "aws:lambda/function:Function": 1,
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
  "aws:lambda/permission:Permission": 1,
  "aws:cloudwatch/eventRule:EventRule": 2,
  "aws:cloudwatch/eventTarget:EventTarget": 2,
  "aws:glue/job:Job": 1,
  "aws:glue/securityConfiguration:SecurityConfiguration": 1,
  "aws:sqs/queuePolicy:QueuePolicy": 1,
};
const PER_MYSQL_TARGET = { "aws:ec2/securityGroup:SecurityGroup": 1, "aws:glue/connection:Connection": 1 };

/** Sums resource counts. */
function plus(...parts: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of parts) for (const [type, n] of Object.entries(part)) out[type] = (out[type] ?? 0) + n;
  return out;
}
const times = (counts: Record<string, number>, n: number) =>
  Object.fromEntries(n === 0 ? [] : Object.entries(counts).map(([type, c]) => [type, c * n]));

/** A source's expected resources: the common set plus its targets, as the stack file lists them. */
function expectedFor(stack: StackName, source: string, ...extra: Array<Record<string, number>>): Record<string, number> {
  const sources = JSON.parse(engineConfig(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`))["cdc:sources"]) as Array<{
    name: string;
    dms?: { schedule?: object };
    targets: Array<{ mysql?: object }>;
  }>;
  const entry = sources.find((s) => s.name === source);
  const targets = entry?.targets ?? [];
  const counts = plus(
    PER_SOURCE,
    LARGE_FILE_JOB,
    RECONCILER,
    DMS_RECONCILER,
    times(DMS_SCHEDULE, entry?.dms?.schedule ? 1 : 0),
    times(PER_TARGET, targets.length),
    times(PER_MYSQL_TARGET, targets.filter((t) => t.mysql).length),
    ...extra,
  );
  // Monitoring: an errors and a throttles alarm on every function, and the DMS task's two CDC latency alarms.
  return plus(counts, { "aws:cloudwatch/metricAlarm:MetricAlarm": 2 * (counts["aws:lambda/function:Function"] ?? 0) + 2 });
}
/** A key, an alert topic and a dashboard in each account of the source. */
const oneAccount = {
  "aws:cloudwatch/dashboard:Dashboard": 1,
  "aws:kms/key:Key": 1,
  "aws:kms/alias:Alias": 1,
  "aws:sns/topic:Topic": 1,
  "aws:sns/topicPolicy:TopicPolicy": 1,
};
const twoAccounts = {
  "aws:cloudwatch/dashboard:Dashboard": 2,
  "aws:kms/key:Key": 2,
  "aws:kms/alias:Alias": 2,
  "aws:sns/topic:Topic": 2,
  "aws:sns/topicPolicy:TopicPolicy": 2,
};

describe("resources per source", () => {
  it("dev (one account, VPC created for the stack): the common set, one key and topic", async () => {
    const { mocks } = await runStack("dev");
    for (const source of ["sales", "crm"])
      expect(countsOf(mocks.resources, `dev-${source}`)).toEqual(expectedFor("dev", source, oneAccount));
  });

  it("preprod (one account, existing VPC): the common set with one key and topic", async () => {
    const { mocks } = await runStack("preprod");
    for (const source of ["sales", "crm"])
      expect(countsOf(mocks.resources, `preprod-${source}`)).toEqual(expectedFor("preprod", source, oneAccount));
  });

  it("prod (two accounts): a key and a topic on each side, e-mail alerts subscribed to both", async () => {
    const { mocks } = await runStack("prod");
    for (const source of ["sales", "crm"]) {
      expect(countsOf(mocks.resources, `prod-${source}`)).toEqual(
        expectedFor("prod", source, twoAccounts, { "aws:sns/topicSubscription:TopicSubscription": 2 }),
      );
    }
  });
});

describe("the prod stack: ingestion and lake in separate accounts", () => {
  const INGESTION = "444444444444";
  const LAKE = "555555555555";
  const ROLE = `arn:aws:iam::${INGESTION}:role/cdc-prod-sales-validate`;
  const RECONCILER_ROLE = `arn:aws:iam::${INGESTION}:role/cdc-prod-sales-dms-reconcile`;
  const HARMONIZED = `cdc-prod-sales-harmonized-${LAKE}`;
  let resources: RecordedResource[];
  beforeAll(async () => {
    resources = (await runStack("prod")).mocks.resources;
  });
  const accountIn = (type: string, name: string) => accountOf(resources, type, name);

  it("places DMS, raw, quarantine and validation in ingestion; harmonized and the validated queue in the lake", () => {
    expect(accountIn("aws:dms/replicationTask:ReplicationTask", "prod-sales-dms-task")).toBe(INGESTION);
    expect(accountIn("aws:s3/bucket:Bucket", "prod-sales-landing-raw-bucket")).toBe(INGESTION);
    expect(accountIn("aws:s3/bucket:Bucket", "prod-sales-landing-quarantine-bucket")).toBe(INGESTION);
    expect(accountIn("aws:lambda/function:Function", "prod-sales-landing-validate-function")).toBe(INGESTION);
    expect(accountIn("aws:s3/bucket:Bucket", "prod-sales-harmonized-bucket")).toBe(LAKE);
    expect(accountIn("aws:sqs/queue:Queue", "prod-sales-validated-queue")).toBe(LAKE);
    expect(one(resources, "aws:s3/bucket:Bucket", "prod-sales-harmonized-bucket").inputs.bucket).toBe(HARMONIZED);
  });

  it("names the validate role exactly in the harmonized bucket policy, the lake key policy and the validated queue policy; the DMS reconciler's only to read", () => {
    const bucketPolicy = statements(one(resources, "aws:s3/bucketPolicy:BucketPolicy", "prod-sales-harmonized-policy"));
    expect(bucketPolicy.slice(1)).toEqual([
      {
        Sid: "ValidateRoleWritesHarmonized",
        Effect: "Allow",
        Principal: { AWS: ROLE },
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: `arn:aws:s3:::${HARMONIZED}/*`,
      },
      {
        Sid: "ValidateRoleListsHarmonized",
        Effect: "Allow",
        Principal: { AWS: ROLE },
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${HARMONIZED}`,
      },
      {
        Sid: "ReconcilerReadsHarmonized",
        Effect: "Allow",
        Principal: { AWS: RECONCILER_ROLE },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${HARMONIZED}/*`,
      },
      {
        Sid: "ReconcilerListsHarmonized",
        Effect: "Allow",
        Principal: { AWS: RECONCILER_ROLE },
        Action: "s3:ListBucket",
        Resource: `arn:aws:s3:::${HARMONIZED}`,
      },
    ]);
    expect(statement(one(resources, "aws:kms/key:Key", `prod-sales-key-${LAKE}-key`), "PipelineRolesRead")).toEqual({
      Sid: "PipelineRolesRead",
      Effect: "Allow",
      Principal: { AWS: RECONCILER_ROLE },
      Action: "kms:Decrypt",
      Resource: "*",
    });
    expect(
      statement(
        one(resources, "aws:s3/bucketPolicy:BucketPolicy", "prod-sales-publication-lake-policy"),
        "StateReadersReadState",
      ),
    ).toEqual({
      Sid: "StateReadersReadState",
      Effect: "Allow",
      Principal: { AWS: RECONCILER_ROLE },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::cdc-prod-sales-lake-${LAKE}/state/*`,
    });
    expect(statement(one(resources, "aws:kms/key:Key", `prod-sales-key-${LAKE}-key`), "PipelineRolesUse")).toEqual({
      Sid: "PipelineRolesUse",
      Effect: "Allow",
      Principal: { AWS: ROLE },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
    });
    expect(
      statement(one(resources, "aws:kms/key:Key", `prod-sales-key-${INGESTION}-key`), "AccountAdministers").Principal,
    ).toEqual({
      AWS: `arn:aws:iam::${INGESTION}:root`,
    });
    expect(statements(one(resources, "aws:sqs/queuePolicy:QueuePolicy", "prod-sales-validated-policy"))).toEqual([
      {
        Sid: "ValidateRoleSends",
        Effect: "Allow",
        Principal: { AWS: ROLE },
        Action: "sqs:SendMessage",
        Resource: `arn:aws:sqs:eu-west-2:${LAKE}:cdc-prod-sales-validated`,
      },
    ]);
  });

  it("subscribes the stack's e-mails to the lake topic too, so the validated queue's dead-letter alarm reaches someone", () => {
    const lakeTopic = `arn:aws:sns:eu-west-2:${LAKE}:cdc-prod-sales-alerts`;
    const alarm = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "prod-sales-validated-dlq-alarm");
    expect(alarm.inputs.alarmActions).toEqual([lakeTopic]);
    const subscriptions = resources.filter(
      (r) => r.type === "aws:sns/topicSubscription:TopicSubscription" && r.name.startsWith("prod-sales-"),
    );
    expect(subscriptions.map((r) => [r.inputs.topic, r.inputs.protocol, r.inputs.endpoint]).sort()).toEqual(
      [INGESTION, LAKE].map((account) => [
        `arn:aws:sns:eu-west-2:${account}:cdc-prod-sales-alerts`,
        "email",
        "data-platform-oncall@example.com",
      ]),
    );
    for (const s of subscriptions) {
      const account = (s.inputs.topic as string).split(":")[4];
      expect(accountIn("aws:sns/topicSubscription:TopicSubscription", s.name)).toBe(account);
    }
  });

  it("encrypts harmonized with the lake key and lets the validate role use exactly that key", () => {
    const lakeKey = `arn:aws:kms:eu-west-2:${LAKE}:key/prod-sales-key-${LAKE}-key`;
    const encryption = one(
      resources,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "prod-sales-harmonized-encryption",
    );
    expect(
      (encryption.inputs.rules as Array<{ applyServerSideEncryptionByDefault: unknown }>)[0].applyServerSideEncryptionByDefault,
    ).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: lakeKey,
    });
    expect(
      statement(one(resources, "aws:iam/rolePolicy:RolePolicy", "prod-sales-landing-validate-policy"), "UseLakeKey").Resource,
    ).toBe(lakeKey);
  });

  it("sizes each source's DMS from its settings", () => {
    expect(one(resources, "aws:dms/replicationInstance:ReplicationInstance", "prod-sales-dms-instance").inputs).toMatchObject({
      replicationInstanceClass: "dms.r5.large",
      allocatedStorage: 200,
      multiAz: true,
    });
    expect(one(resources, "aws:dms/replicationInstance:ReplicationInstance", "prod-crm-dms-instance").inputs).toMatchObject({
      replicationInstanceClass: "dms.t3.medium",
      allocatedStorage: 50,
      // Not set in the stack file: on by default in prod (policy/ dms-multi-az-in-production).
      multiAz: true,
    });
    expect(one(resources, "aws:dms/s3Endpoint:S3Endpoint", "prod-crm-dms-target").inputs).toMatchObject({
      cdcMaxBatchInterval: 120,
      cdcMinFileSize: 32000,
    });
    expect(one(resources, "aws:dms/endpoint:Endpoint", "prod-crm-dms-source").inputs).toMatchObject({
      engineName: "postgres",
      databaseName: "crm",
      sslMode: "require",
    });
  });

  it("starts replication only after the raw bucket notifies the validation queue and the validate Lambda listens", () => {
    const task = one(resources, "aws:dms/replicationTask:ReplicationTask", "prod-sales-dms-task");
    expect(task.dependencies).toEqual(
      expect.arrayContaining([
        one(resources, "aws:s3/bucketNotification:BucketNotification", "prod-sales-landing-raw-events").urn,
        one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "prod-sales-landing-trigger").urn,
      ]),
    );
  });

  it("maps exactly the committed metadata's tables in each task", () => {
    for (const source of ["sales", "crm"]) {
      const task = one(resources, "aws:dms/replicationTask:ReplicationTask", `prod-${source}-dms-task`);
      const expected = dmsTableMappings(readMetadataDir(path.join(METADATA_ROOT, source)).tables);
      expect(JSON.parse(task.inputs.tableMappings as string)).toEqual(expected);
    }
  });
});

describe("the prod stack's large-file job", () => {
  it("runs in the ingestion account, and only the validate role is a harmonized writer on the lake side", async () => {
    const resources = (await runStack("prod")).mocks.resources;
    const job = one(resources, "aws:glue/job:Job", "prod-sales-landing-large-files-job");
    expect(accountOf(resources, "aws:glue/job:Job", "prod-sales-landing-large-files-job")).toBe("444444444444");
    expect((job.inputs.command as { scriptLocation: string }).scriptLocation).toBe(
      "s3://cdc-prod-sales-artifacts-444444444444/glue/validate_large_file.py",
    );
    const writers = { AWS: "arn:aws:iam::444444444444:role/cdc-prod-sales-validate" };
    const bucketPolicy = one(resources, "aws:s3/bucketPolicy:BucketPolicy", "prod-sales-harmonized-policy");
    expect(statement(bucketPolicy, "ValidateRoleWritesHarmonized").Principal).toEqual(writers);
    expect(statement(one(resources, "aws:kms/key:Key", "prod-sales-key-555555555555-key"), "PipelineRolesUse").Principal).toEqual(
      writers,
    );
    expect(
      statement(one(resources, "aws:sqs/queuePolicy:QueuePolicy", "prod-sales-validated-policy"), "ValidateRoleSends").Principal,
    ).toEqual(writers);
  });
});

describe("the dev stack's created VPC", () => {
  it("builds one VPC for the stack, isolated subnets in two AZs with an S3 gateway endpoint, and runs every source's DMS in them", async () => {
    const { mocks } = await runStack("dev");
    expect(ofType(mocks.resources, "awsx:ec2:Vpc")).toHaveLength(1);
    const vpc = one(mocks.resources, "awsx:ec2:Vpc", "dev-network-vpc");
    // A remote component: its children get a provider only when it is named here (default providers are disabled).
    expect(vpc.providers).toEqual({ aws: one(mocks.resources, "pulumi:providers:aws", "dev-stack-111111111111").urn });
    expect(vpc.inputs).toMatchObject({
      cidrBlock: "10.20.0.0/16",
      numberOfAvailabilityZones: 2,
      subnetSpecs: [{ type: "Isolated", name: "data" }],
      natGateways: { strategy: "None" },
      vpcEndpointStrategy: "Auto",
      vpcEndpointSpecs: [{ serviceName: "com.amazonaws.eu-west-2.s3", vpcEndpointType: "Gateway" }],
    });
    for (const source of ["sales", "crm"]) {
      expect(
        one(mocks.resources, "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup", `dev-${source}-dms-subnets`).inputs
          .subnetIds,
      ).toEqual(["subnet-dev-network-vpc-isolated-1", "subnet-dev-network-vpc-isolated-2"]);
    }
    const endpoints = ofType(mocks.resources, "aws:ec2/vpcEndpoint:VpcEndpoint");
    expect(endpoints.map((e) => e.inputs.serviceName)).toEqual(
      ["secretsmanager", "glue", "sqs", "sns", "sts", "logs"].map((s) => `com.amazonaws.eu-west-2.${s}`),
    );
  });
});

describe("metadata", () => {
  it("stops with one line telling the user to extract it when a source has none", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-metadata-"));
    fs.cpSync(path.join(METADATA_ROOT, "sales"), path.join(root, "sales"), { recursive: true });
    await expect(runStack("dev", { metadataRoot: root })).rejects.toThrow(
      `source crm has no metadata in ${path.relative(process.cwd(), path.join(root, "crm"))}: run \`cdc metadata extract --engine postgres --url <connection> --source crm\` and commit the files`,
    );
    fs.rmSync(root, { recursive: true });
  });
});

describe("preview", () => {
  it("declares the same resources when every computed value is unknown, without throwing", async () => {
    // As in a first preview: providers have computed nothing yet, so every ARN, URL and id is unknown.
    const preview = await runStack("prod", { preview: true, mocks: { outputs: () => ({}) } });
    const update = await runStack("prod");
    const names = (rs: RecordedResource[]) => rs.map((r) => `${r.type}::${r.name}`).sort();
    expect(names(preview.mocks.resources)).toEqual(names(update.mocks.resources));
    // The mock engine marks inputs that are still unknown; what is known up front (the mappings) is already there.
    const UNKNOWN = { __pulumiUnknown: true };
    const task = one(preview.mocks.resources, "aws:dms/replicationTask:ReplicationTask", "prod-sales-dms-task");
    expect(task.inputs.replicationInstanceArn).toEqual(UNKNOWN);
    expect(task.inputs.tableMappings).toBe(
      one(update.mocks.resources, "aws:dms/replicationTask:ReplicationTask", "prod-sales-dms-task").inputs.tableMappings,
    );
    expect(
      one(preview.mocks.resources, "aws:s3/bucketPolicy:BucketPolicy", "prod-sales-harmonized-policy").inputs.policy,
    ).toEqual(UNKNOWN);
  });
});

describe("databases outside the stack's VPC", () => {
  it("let DMS and the Glue job reach the database's own ranges or security group, from the stack file", async () => {
    const config = engineConfig(path.join(PROJECT_DIR, "Pulumi.preprod.yaml"));
    const sources = JSON.parse(config["cdc:sources"]);
    sources[0].endpoint.network = { cidrBlocks: ["172.16.40.0/24"] };
    sources[0].targets[0].mysql.network = { securityGroupId: "sg-0123456789abcdef0" };
    const { mocks } = await runProgram({ ...config, "cdc:sources": JSON.stringify(sources) }, { stack: "preprod" });
    const egress = (name: string) =>
      one(mocks.resources, "aws:ec2/securityGroup:SecurityGroup", name).inputs.egress as Array<Record<string, unknown>>;
    const onPort = (rules: Array<Record<string, unknown>>, port: number) => rules.filter((r) => r.fromPort === port);
    expect(onPort(egress("preprod-sales-dms-sg"), sources[0].endpoint.port ?? 1433)).toEqual([
      expect.objectContaining({ cidrBlocks: ["172.16.40.0/24"] }),
    ]);
    expect(onPort(egress("preprod-sales-target-reporting-mysql-sg"), 3306)).toEqual([
      expect.objectContaining({ securityGroups: ["sg-0123456789abcdef0"] }),
    ]);
    // The other source keeps the default: its database is in the VPC's own ranges.
    expect(onPort(egress("preprod-crm-dms-sg"), 5432)).toEqual([
      expect.objectContaining({ cidrBlocks: ["10.0.0.0/16", "100.64.0.0/20"] }),
    ]);
  });
});
