import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import { DmsSource, type DmsSourceArgs } from "../../components/dms-source";
import { tableMetadataSchema } from "../../metadata/format";
import type { RecordedResource } from "../support/pulumi-mocks";
import { descendantsOf, one, providerOf } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, KEY_ARN, statements, testMetadata, testProvider } from "./helpers";

const SECRET = `arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:cdc/dev/sales-dms-Xy34Zw`;
const TOPIC = `arn:aws:sns:eu-west-2:${ACCOUNT}:cdc-dev-sales-alerts`;
const RAW = `cdc-dev-sales-raw-${ACCOUNT}`;

function args(overrides: Partial<DmsSourceArgs> = {}): DmsSourceArgs {
  return {
    environment: "dev",
    sourceName: "sales",
    accountId: ACCOUNT,
    region: "eu-west-2",
    engine: "sqlserver",
    endpoint: { host: "sales-db.dev.internal", port: 1433, database: "Sales", secretArn: SECRET },
    dms: {
      instanceClass: "dms.t3.medium",
      allocatedStorageGb: 50,
      multiAz: false,
      cdcMaxBatchIntervalSeconds: 60,
      cdcMinFileSizeKb: 32000,
    },
    tables: testMetadata().tables,
    network: { vpcId: "vpc-0a1b2c3d4e5f60718", subnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"] },
    raw: { bucketName: RAW, arn: `arn:aws:s3:::${RAW}` },
    kmsKeyArn: KEY_ARN,
    alertTopicArn: TOPIC,
    ...overrides,
  };
}

async function declare(overrides: Partial<DmsSourceArgs> = {}) {
  const { mocks, outputs } = await runDeclarations(() => {
    const dms = new DmsSource("sales", args(overrides), { provider: testProvider() });
    return { taskArn: dms.taskArn, rawBucketName: dms.rawBucketName };
  });
  return { resources: mocks.resources, outputs };
}

describe("DmsSource", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => ({ resources, outputs } = await declare()));

  it("reads the source's credentials from Secrets Manager through a role and requires TLS", () => {
    expect(one(resources, "aws:dms/endpoint:Endpoint", "sales-source").inputs).toEqual({
      endpointId: "cdc-dev-sales-source",
      endpointType: "source",
      engineName: "sqlserver",
      databaseName: "Sales",
      secretsManagerArn: SECRET,
      secretsManagerAccessRoleArn: `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-dms-secrets`,
      sslMode: "require",
      kmsKeyArn: KEY_ARN,
    });
    expect(statements(one(resources, "aws:iam/role:Role", "sales-secrets-role"), "assumeRolePolicy")[0]).toMatchObject({
      Principal: { Service: "dms.eu-west-2.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "sales-secrets-policy"))).toEqual([
      {
        Sid: "ReadSourceCredentials",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: SECRET,
      },
    ]);
  });

  it("writes Parquet with Op on full load, cdc_timestamp, the configured batching, statistics and SSE-KMS", () => {
    expect(one(resources, "aws:dms/s3Endpoint:S3Endpoint", "sales-target").inputs).toEqual({
      endpointId: "cdc-dev-sales-raw",
      endpointType: "target",
      bucketName: RAW,
      expectedBucketOwner: ACCOUNT,
      serviceAccessRoleArn: `arn:aws:iam::${ACCOUNT}:role/cdc-dev-sales-dms-s3`,
      dataFormat: "parquet",
      parquetVersion: "parquet-1-0",
      parquetTimestampInMillisecond: false,
      enableStatistics: true,
      includeOpForFullLoad: true,
      timestampColumnName: "cdc_timestamp",
      cdcMaxBatchInterval: 60,
      cdcMinFileSize: 32000,
      datePartitionEnabled: false,
      cannedAclForObjects: "none",
      encryptionMode: "SSE_KMS",
      serverSideEncryptionKmsKeyId: KEY_ARN,
    });
  });

  it("lets DMS write only the raw bucket, with the pipeline key", () => {
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "sales-s3-policy"))).toEqual([
      {
        Sid: "WriteRawFiles",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"],
        Resource: `arn:aws:s3:::${RAW}/*`,
      },
      { Sid: "ListRawBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${RAW}` },
      { Sid: "EncryptRawFiles", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: KEY_ARN },
    ]);
  });

  it("sends only to the source's port in the VPC, S3's prefix list and the VPC's interface endpoints: never 0.0.0.0/0", () => {
    const vpcRanges = ["10.0.0.0/16", "100.64.0.0/20"]; // the VPC lookup's primary and secondary ranges
    expect(one(resources, "aws:ec2/securityGroup:SecurityGroup", "sales-sg").inputs.egress).toEqual([
      { description: "source database (sqlserver)", protocol: "tcp", fromPort: 1433, toPort: 1433, cidrBlocks: vpcRanges },
      {
        description: "S3 through the gateway endpoint",
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        prefixListIds: ["pl-7ca54015"],
      },
      {
        description: "Secrets Manager and other AWS APIs through the VPC's interface endpoints",
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: vpcRanges,
      },
    ]);
  });

  it.each([
    [{ securityGroupId: "sg-0db0db0db0db0db00" }, { securityGroups: ["sg-0db0db0db0db0db00"] }],
    [{ cidrBlocks: ["192.168.40.0/24"] }, { cidrBlocks: ["192.168.40.0/24"] }],
  ])("sends to the source's own security group or ranges when told (%j)", async (sourceNetwork, destination) => {
    const { resources: rs } = await declare({ sourceNetwork });
    const egress = one(rs, "aws:ec2/securityGroup:SecurityGroup", "sales-sg").inputs.egress as object[];
    expect(egress[0]).toEqual({
      description: "source database (sqlserver)",
      protocol: "tcp",
      fromPort: 1433,
      toPort: 1433,
      ...destination,
    });
  });

  it.each([
    ["prod", undefined, true],
    ["prod", false, false],
    ["dev", undefined, false],
    ["dev", true, true],
  ])("in %s with multiAz %s runs Multi-AZ: %s", async (environment, multiAz, expected) => {
    const { resources: rs } = await declare({ environment, dms: { ...args().dms, multiAz } });
    expect(one(rs, "aws:dms/replicationInstance:ReplicationInstance", "sales-instance").inputs.multiAz).toBe(expected);
  });

  it("exposes the task ARN and the raw bucket it writes to", () => {
    expect(outputs).toEqual({ taskArn: "arn:aws:dms:eu-west-2:111111111111:task:SALESTASK", rawBucketName: RAW });
  });

  it("sizes a private replication instance from the settings, in the given subnets", () => {
    expect(one(resources, "aws:dms/replicationInstance:ReplicationInstance", "sales-instance").inputs).toEqual({
      replicationInstanceId: "cdc-dev-sales",
      replicationInstanceClass: "dms.t3.medium",
      allocatedStorage: 50,
      multiAz: false,
      publiclyAccessible: false,
      kmsKeyArn: KEY_ARN,
      replicationSubnetGroupId: "cdc-dev-sales",
      vpcSecurityGroupIds: ["sales-sg-id"],
      autoMinorVersionUpgrade: true,
    });
    expect(one(resources, "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup", "sales-subnets").inputs.subnetIds).toEqual([
      "subnet-0a1b2c3d4e5f60001",
      "subnet-0a1b2c3d4e5f60002",
    ]);
    expect(resources.some((r) => r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")).toBe(false);
    expect(one(resources, "aws:ec2/securityGroup:SecurityGroup", "sales-sg").inputs.ingress).toBeUndefined();
    expect(resources.some((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toBe(false);
  });

  it("replicates full load and CDC of exactly the metadata's tables, with the reviewed task settings", () => {
    const task = one(resources, "aws:dms/replicationTask:ReplicationTask", "sales-task");
    expect(task.inputs).toMatchObject({
      migrationType: "full-load-and-cdc",
      replicationTaskId: "cdc-dev-sales",
      startReplicationTask: true,
    });
    const mappings = JSON.parse(task.inputs.tableMappings as string) as { rules: Array<Record<string, unknown>> };
    const selected = mappings.rules.filter((r) => r["rule-type"] === "selection").map((r) => r["object-locator"]);
    expect(selected).toEqual([
      { "schema-name": "dbo", "table-name": "AuditEvent" },
      { "schema-name": "dbo", "table-name": "Order" },
    ]);
    expect(mappings.rules.filter((r) => r["rule-action"] === "add-column").map((r) => [r.value, r.expression])).toEqual([
      ["cdc_seq", "$AR_H_CHANGE_SEQ"],
    ]);
    expect(mappings.rules.filter((r) => r["rule-action"] === "remove-column").map((r) => r["object-locator"])).toEqual([
      { "schema-name": "dbo", "table-name": "Order", "column-name": "Scan" },
    ]);
    const settings = JSON.parse(task.inputs.replicationTaskSettings as string);
    expect(settings).toEqual(
      JSON.parse(fs.readFileSync(path.join(__dirname, "../../components/dms-task-settings.json"), "utf8")),
    );
    expect(settings.TargetMetadata).toMatchObject({
      SupportLobs: true,
      FullLobMode: false,
      LimitedSizeLobMode: true,
      LobMaxSize: 32,
    });
    expect(settings.ChangeProcessingDdlHandlingPolicy).toEqual({
      HandleSourceTableDropped: false,
      HandleSourceTableTruncated: false,
      HandleSourceTableAltered: true,
    });
    expect(settings.ErrorBehavior).toMatchObject({ TableErrorPolicy: "SUSPEND_TABLE", FailOnNoTablesCaptured: true });
    expect(settings.Logging.EnableLogging).toBe(true);
  });

  it("sends every task and instance state change to the alert topic", () => {
    const rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "sales-task-events");
    expect(JSON.parse(rule.inputs.eventPattern as string)).toEqual({
      source: ["aws.dms"],
      "detail-type": ["DMS Replication Task State Change", "DMS Replication Instance State Change"],
      resources: ["arn:aws:dms:eu-west-2:111111111111:task:SALESTASK", "arn:aws:dms:eu-west-2:111111111111:rep:SALESINSTANCE"],
    });
    expect(one(resources, "aws:cloudwatch/eventTarget:EventTarget", "sales-task-events-alert").inputs).toEqual({
      rule: "cdc-dev-sales-dms-events",
      arn: TOPIC,
    });
  });

  it("declares everything under the component through the given provider", () => {
    const all = descendantsOf(resources, one(resources, "cdc:ingestion:DmsSource", "sales"));
    for (const r of all.filter((c) => c.custom)) expect(providerOf(resources, r)?.name).toBe("ingestion");
    for (const r of all) expect(r.name.startsWith("sales-")).toBe(true);
  });
});

describe("DmsSource start", () => {
  it("starts the task only after what it is told to wait for exists", async () => {
    const { mocks } = await runDeclarations(() => {
      const provider = testProvider();
      const gate = new aws.sqs.Queue("landing-ready", { name: "landing-ready" }, { provider });
      new DmsSource("sales", args({ startAfter: [gate] }), { provider });
      return {};
    });
    const gate = one(mocks.resources, "aws:sqs/queue:Queue", "landing-ready");
    expect(one(mocks.resources, "aws:dms/replicationTask:ReplicationTask", "sales-task").dependencies).toContain(gate.urn);
    expect(one(mocks.resources, "aws:dms/replicationInstance:ReplicationInstance", "sales-instance").dependencies).not.toContain(
      gate.urn,
    );
  });
});

describe("DmsSource LOB mode", () => {
  const lobSettings = async (lob: DmsSourceArgs["dms"]["lob"]) => {
    const { resources } = await declare({ dms: { ...args().dms, lob } });
    const task = one(resources, "aws:dms/replicationTask:ReplicationTask", "sales-task");
    return JSON.parse(task.inputs.replicationTaskSettings as string).TargetMetadata;
  };

  it("takes LobMaxSize from the stack in limited mode", async () => {
    expect(await lobSettings({ mode: "limited", maxSizeKb: 1024 })).toMatchObject({
      SupportLobs: true,
      FullLobMode: false,
      LimitedSizeLobMode: true,
      LobMaxSize: 1024,
      LobChunkSize: 0,
      InlineLobMaxSize: 0,
    });
  });

  it("switches to full LOB mode with DMS's recommended 64 KB chunks and no size limit", async () => {
    expect(await lobSettings({ mode: "full", maxSizeKb: 32 })).toMatchObject({
      SupportLobs: true,
      FullLobMode: true,
      LimitedSizeLobMode: false,
      LobMaxSize: 0,
      LobChunkSize: 64,
    });
  });
});

describe("DmsSource per engine and refusals", () => {
  it.each([
    ["mysql", "mysql"],
    ["postgres", "postgres"],
  ] as const)("uses the %s engine with TLS required", async (engine, engineName) => {
    const { resources } = await declare({ engine, endpoint: { host: "db", port: 5432, database: "crm", secretArn: SECRET } });
    expect(one(resources, "aws:dms/endpoint:Endpoint", "sales-source").inputs).toMatchObject({ engineName, sslMode: "require" });
  });

  it("verifies an Oracle source's TLS against its CA certificate", async () => {
    const cert = "arn:aws:dms:eu-west-2:111111111111:cert:ORACLECA";
    const { resources } = await declare({ engine: "oracle", oracleCertificateArn: cert });
    expect(one(resources, "aws:dms/endpoint:Endpoint", "sales-source").inputs).toMatchObject({
      engineName: "oracle",
      sslMode: "verify-ca",
      certificateArn: cert,
    });
  });

  it.each([
    [
      { tables: [] },
      "DmsSource sales: source sales has no tables in its metadata; run `cdc metadata extract` and commit metadata/sources/sales",
    ],
    [
      { dms: { ...args().dms, lob: { mode: "limited" as const, maxSizeKb: 204800 } } },
      "DmsSource sales: dms.lob needs mode limited or full and maxSizeKb 1–102400 (DMS's LobMaxSize limit, 100 MB)",
    ],
    [
      { engine: "oracle" as const },
      "DmsSource sales: an Oracle source needs oracleCertificateArn: DMS verifies Oracle TLS against a CA certificate (verify-ca)",
    ],
  ])("refuses %j with one clear line", async (overrides, message) => {
    await expect(declare(overrides)).rejects.toThrow(message);
  });

  it("uses valid metadata in these tests", () => {
    for (const t of testMetadata().tables) expect(tableMetadataSchema.safeParse(t).success).toBe(true);
  });
});
