import * as fs from "node:fs";
import * as path from "node:path";
import { Region } from "@pulumi/aws/types/enums";
import { parse as parseYaml } from "yaml";
import { AWS_REGIONS } from "../../src/aws-regions";
import { parseStackConfig, type StackConfig } from "../../src/config";
import { ConfigError } from "../../src/config-issues";
import { loadStackFile, readStackFile, stackFilePath } from "../../src/config-sources";
import { PROJECT_DIR, STACKS } from "../support/stack";

/** A fresh copy of the committed dev stack's `cdc` settings, to break one thing at a time. */
function devSettings(): Record<string, any> {
  return structuredClone(readStackFile(stackFilePath("dev", PROJECT_DIR))) as Record<string, any>;
}

/** The problems reported for the dev settings after `breakIt` changed them. */
function problemsAfter(breakIt: (raw: Record<string, any>) => void): string[] {
  const raw = devSettings();
  breakIt(raw);
  try {
    parseStackConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected the settings to be refused");
}

const SECRET_HINT = "expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)";
const PLAINTEXT =
  "plaintext credentials are not accepted; store them in AWS Secrets Manager and set secretArn to the secret's ARN";

describe("stack settings that are refused", () => {
  const cases: Array<[string, (raw: Record<string, any>) => void, string[]]> = [
    ["missing accounts", (r) => delete r.accounts, ["cdc:accounts: missing; expected a mapping"]],
    [
      "account id unquoted in YAML",
      (r) => (r.accounts.ingestion.accountId = 111111111111),
      ["cdc:accounts.ingestion.accountId: expected a string, received 111111111111"],
    ],
    [
      "account id of 11 digits",
      (r) => (r.accounts.ingestion.accountId = "11111111111"),
      ["cdc:accounts.ingestion.accountId: expected a 12-digit AWS account id (quote it in YAML)"],
    ],
    [
      "deploy role that is not a role ARN",
      (r) => (r.accounts.ingestion.deployRoleArn = "arn:aws:iam::111111111111:user/deployer"),
      ["cdc:accounts.ingestion.deployRoleArn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)"],
    ],
    [
      "deploy role in another account",
      (r) => (r.accounts.ingestion.deployRoleArn = "arn:aws:iam::999999999999:role/cdc-deploy"),
      ["cdc:accounts.ingestion.deployRoleArn: role is in account 999999999999, expected the accountId 111111111111"],
    ],
    [
      "lake in the ingestion account with other roles",
      (r) =>
        (r.accounts.lake = {
          accountId: "111111111111",
          deployRoleArn: "arn:aws:iam::111111111111:role/other",
          previewRoleArn: "arn:aws:iam::111111111111:role/other-preview",
        }),
      [
        "cdc:accounts.lake.deployRoleArn: lake is the ingestion account, so it must use the same deployRoleArn (or leave lake out)",
        "cdc:accounts.lake.previewRoleArn: lake is the ingestion account, so it must use the same previewRoleArn (or leave lake out)",
      ],
    ],
    [
      "account without a preview role",
      (r) => delete r.accounts.ingestion.previewRoleArn,
      ["cdc:accounts.ingestion.previewRoleArn: missing; expected a string"],
    ],
    [
      "preview role in another account",
      (r) => (r.accounts.ingestion.previewRoleArn = "arn:aws:iam::999999999999:role/cdc-preview"),
      ["cdc:accounts.ingestion.previewRoleArn: role is in account 999999999999, expected the accountId 111111111111"],
    ],
    [
      "preview role that is the deploy role",
      (r) => (r.accounts.ingestion.previewRoleArn = r.accounts.ingestion.deployRoleArn),
      ["cdc:accounts.ingestion.previewRoleArn: the preview role must be a separate, read-only role, not the deploy role"],
    ],
    [
      "protectData that is not a boolean",
      (r) => (r.protectData = "yes"),
      ['cdc:protectData: expected a boolean, received "yes"'],
    ],
    [
      "source secret that is an IAM ARN",
      (r) => (r.sources[0].endpoint.secretArn = "arn:aws:iam::111111111111:role/cdc-deploy"),
      [`cdc:sources[0].endpoint.secretArn: ${SECRET_HINT}`],
    ],
    [
      "plaintext password next to the source host",
      (r) => (r.sources[1].endpoint.password = "hunter2"),
      [`cdc:sources[1].endpoint.password: ${PLAINTEXT}`],
    ],
    [
      "plaintext username and password on a MySQL target",
      (r) => Object.assign(r.sources[0].targets[0].mysql, { username: "app", password: "hunter2" }),
      [`cdc:sources[0].targets[0].mysql.password: ${PLAINTEXT}`, `cdc:sources[0].targets[0].mysql.username: ${PLAINTEXT}`],
    ],
    [
      "missing secretArn on a MySQL target",
      (r) => delete r.sources[0].targets[0].mysql.secretArn,
      ["cdc:sources[0].targets[0].mysql.secretArn: missing; expected a string"],
    ],
    [
      "duplicate source",
      (r) => (r.sources[1].name = "sales"),
      ['cdc:sources[1].name: duplicate source name "sales" (first used at sources[0])'],
    ],
    [
      "duplicate target within a source",
      (r) => (r.sources[0].targets[1].name = "reporting"),
      ['cdc:sources[0].targets[1].name: duplicate target name "reporting" (first used at targets[0])'],
    ],
    [
      "table glob without a schema",
      (r) => (r.sources[0].targets[1].tables = ["dbo.Invoice*", "Payment"]),
      [
        'cdc:sources[0].targets[1].tables[1]: expected a glob over schema.table such as "dbo.*" or "sales.order_*", received "Payment"',
      ],
    ],
    [
      "table glob with a path separator",
      (r) => (r.sources[0].targets[0].tables = ["dbo/orders"]),
      [
        'cdc:sources[0].targets[0].tables[0]: expected a glob over schema.table such as "dbo.*" or "sales.order_*", received "dbo/orders"',
      ],
    ],
    [
      "empty table list",
      (r) => (r.sources[1].targets[0].tables = []),
      ["cdc:sources[1].targets[0].tables: expected at least one table glob"],
    ],
    [
      "port 0",
      (r) => (r.sources[0].targets[0].mysql.port = 0),
      ["cdc:sources[0].targets[0].mysql.port: expected a number >= 1, received 0"],
    ],
    [
      "a MySQL flavor that is neither server",
      (r) => (r.sources[0].targets[0].mysql.flavor = "aurora"),
      ['cdc:sources[0].targets[0].mysql.flavor: expected one of "mysql", "mariadb", received "aurora"'],
    ],
    [
      "a secret key that is not a KMS key ARN",
      (r) => (r.sources[0].targets[0].mysql.secretKmsKeyArn = "alias/reporting"),
      ["cdc:sources[0].targets[0].mysql.secretKmsKeyArn: expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"],
    ],
    [
      "port above 65535",
      (r) => (r.sources[0].endpoint.port = 70000),
      ["cdc:sources[0].endpoint.port: expected a number <= 65535, received 70000"],
    ],
    [
      "port quoted as a string",
      (r) => (r.sources[0].targets[0].mysql.port = "3306"),
      ['cdc:sources[0].targets[0].mysql.port: expected a number, received "3306"'],
    ],
    [
      "unknown engine",
      (r) => (r.sources[1].engine = "db2"),
      ['cdc:sources[1].engine: expected one of "sqlserver", "mysql", "postgres", "oracle", received "db2"'],
    ],
    ["empty targets", (r) => (r.sources[0].targets = []), ["cdc:sources[0].targets: expected at least one target"]],
    ["no sources", (r) => (r.sources = []), ["cdc:sources: expected at least one source"]],
    [
      "schedule of zero minutes",
      (r) => (r.sources[0].targets[0].schedule.everyMinutes = 0),
      ["cdc:sources[0].targets[0].schedule.everyMinutes: expected a number >= 1, received 0"],
    ],
    [
      "schedule above an hour",
      (r) => (r.sources[0].targets[1].schedule.everyMinutes = 90),
      ["cdc:sources[0].targets[1].schedule.everyMinutes: expected a number <= 60, received 90"],
    ],
    [
      "fractional schedule",
      (r) => (r.sources[0].targets[0].schedule.everyMinutes = 1.5),
      ["cdc:sources[0].targets[0].schedule.everyMinutes: expected an integer, received 1.5"],
    ],
    [
      "source name with capitals",
      (r) => (r.sources[0].name = "Sales"),
      ['cdc:sources[0].name: expected lower-kebab-case starting with a letter, received "Sales"'],
    ],
    [
      "source name too long for resource names",
      (r) => (r.sources[1].name = "customer-relationship-mgmt-eu"),
      ["cdc:sources[1].name: expected at most 24 characters (resource names derive from it)"],
    ],
    [
      "region that is not one",
      (r) => (r.region = "London"),
      ['cdc:region: expected a known AWS region such as eu-west-2, received "London" (list: src/aws-regions.ts)'],
    ],
    [
      "region shaped like one that AWS has not opened",
      (r) => (r.region = "eu-west-9"),
      ['cdc:region: expected a known AWS region such as eu-west-2, received "eu-west-9" (list: src/aws-regions.ts)'],
    ],
    [
      "network with both an existing VPC and create",
      (r) => Object.assign(r.network, { vpcId: "vpc-0a1b2c3d4e5f60718", subnetIds: ["subnet-0a1b2c3d", "subnet-1a1b2c3d"] }),
      ["cdc:network: set either vpcId and subnetIds, or create, not both"],
    ],
    [
      "existing VPC with a single subnet",
      (r) => (r.network = { vpcId: "vpc-0a1b2c3d", subnetIds: ["subnet-0a1b2c3d"] }),
      ["cdc:network.subnetIds: expected at least 2 subnets in different availability zones (DMS requires two)"],
    ],
    [
      "network CIDR too large",
      (r) => (r.network.create.cidrBlock = "10.0.0.0/8"),
      ["cdc:network.create.cidrBlock: expected a prefix between /16 and /24 (room for four subnets), received /8"],
    ],
    [
      "network CIDR that is not one",
      (r) => (r.network.create.cidrBlock = "10.300.0.0/16"),
      ['cdc:network.create.cidrBlock: expected an IPv4 CIDR block such as 10.20.0.0/16, received "10.300.0.0/16"'],
    ],
    ["empty network", (r) => (r.network = {}), ["cdc:network: expected vpcId and subnetIds, or create: { cidrBlock }"]],
    [
      "alerts that go nowhere",
      (r) => (r.alerts = { emails: [] }),
      ["cdc:alerts: no alert destination; set slackWebhookSecretArn or at least one address in emails"],
    ],
    [
      "malformed alert e-mail",
      (r) => (r.alerts.emails = ["oncall@example.com", "oncall"]),
      ['cdc:alerts.emails[1]: expected an e-mail address, received "oncall"'],
    ],
    [
      "misspelt top-level setting",
      (r) => {
        r.soures = r.sources;
        delete r.sources;
      },
      ["cdc:sources: missing; expected a list", 'cdc:soures: unknown setting; did you mean "sources"?'],
    ],
    [
      "misspelt target setting",
      (r) => {
        r.sources[0].targets[0].schedul = r.sources[0].targets[0].schedule;
      },
      ['cdc:sources[0].targets[0].schedul: unknown setting; did you mean "schedule"?'],
    ],
    [
      "unknown setting with no near match",
      (r) => (r.sources[0].dms.replicationEngine = "3.5.3"),
      [
        "cdc:sources[0].dms.replicationEngine: unknown setting; expected one of instanceClass, allocatedStorageGb, multiAz, cdcMaxBatchIntervalSeconds, cdcMinFileSizeKb, lob, schedule",
      ],
    ],
    [
      "LOB size above DMS's LobMaxSize limit",
      (r) => (r.sources[0].dms.lob = { mode: "limited", maxSizeKb: 204800 }),
      ["cdc:sources[0].dms.lob.maxSizeKb: expected a number <= 102400, received 204800"],
    ],
    [
      "DMS instance class without the dms. prefix",
      (r) => (r.sources[0].dms.instanceClass = "t3.medium"),
      ["cdc:sources[0].dms.instanceClass: expected a DMS instance class such as dms.t3.medium"],
    ],
    [
      "Oracle source without the CA certificate DMS verifies it with",
      (r) => (r.sources[1].engine = "oracle"),
      [
        "cdc:sources[1].endpoint.caCertificateArn: an Oracle source needs the DMS certificate ARN of its CA (DMS verifies Oracle TLS with verify-ca)",
      ],
    ],
    [
      "CA certificate that is not a DMS certificate ARN",
      (r) => (r.sources[0].endpoint.caCertificateArn = "arn:aws:acm:eu-west-2:111111111111:certificate/abc"),
      ["cdc:sources[0].endpoint.caCertificateArn: expected a DMS certificate ARN (arn:aws:dms:<region>:<account>:cert:<id>)"],
    ],
    [
      "DMS service roles flag that is not a boolean",
      (r) => (r.createDmsServiceRoles = "yes"),
      ['cdc:createDmsServiceRoles: expected a boolean, received "yes"'],
    ],
    [
      "host with a scheme",
      (r) => (r.sources[1].endpoint.host = "postgres://crm-db"),
      ['cdc:sources[1].endpoint.host: expected a host name or IP address, received "postgres://crm-db"'],
    ],
    [
      "a source database reachable from anywhere",
      (r) => (r.sources[0].endpoint.network = { cidrBlocks: ["10.9.0.0/16", "0.0.0.0/0"] }),
      ["cdc:sources[0].endpoint.network.cidrBlocks[1]: 0.0.0.0/0 is not a database's address range; name its own range"],
    ],
    [
      "a MySQL target's network given both ways",
      (r) => (r.sources[0].targets[0].mysql.network = { cidrBlocks: ["10.9.0.0/16"], securityGroupId: "sg-0123456789abcdef0" }),
      ["cdc:sources[0].targets[0].mysql.network: expected cidrBlocks or securityGroupId, not both"],
    ],
  ];

  it.each(cases)("%s", (_label, breakIt, expected) => {
    expect(problemsAfter(breakIt)).toEqual(expected);
  });

  it("has at least twenty distinct cases", () => {
    expect(new Set(cases.map(([label]) => label)).size).toBeGreaterThanOrEqual(20);
  });

  it("reports every problem of a config together, in one error", () => {
    const raw = devSettings();
    raw.region = "mars-1";
    raw.sources[0].targets[0].mysql.port = 0;
    raw.sources[1].name = "sales";
    raw.sources[1].endpoint.password = "hunter2";
    let error: ConfigError | undefined;
    try {
      parseStackConfig(raw);
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems).toEqual([
      'cdc:region: expected a known AWS region such as eu-west-2, received "mars-1" (list: src/aws-regions.ts)',
      "cdc:sources[0].targets[0].mysql.port: expected a number >= 1, received 0",
      `cdc:sources[1].endpoint.password: ${PLAINTEXT}`,
      'cdc:sources[1].name: duplicate source name "sales" (first used at sources[0])',
    ]);
    expect(error?.message.split("\n")[0]).toBe("invalid stack configuration (4 problems):");
  });

  it("never echoes what was put in a credential field", () => {
    const problems = problemsAfter((r) => {
      r.sources[0].endpoint.password = "s3cr3t-P@ss";
      r.sources[0].endpoint.secretArn = "s3cr3t-P@ss";
    });
    expect(problems.join("\n")).not.toContain("s3cr3t");
  });
});

describe("the committed example stacks", () => {
  const parsed = Object.fromEntries(STACKS.map((s) => [s, loadStackFile(path.join(PROJECT_DIR, `Pulumi.${s}.yaml`))])) as Record<
    (typeof STACKS)[number],
    StackConfig
  >;

  it.each(STACKS)("%s parses and names its own environment", (stack) => {
    expect(parsed[stack].environment).toBe(stack);
  });

  it("dev runs two sources of different engines in one account, sales with two targets", () => {
    const dev = parsed.dev;
    expect(dev.sources.map((s) => [s.name, s.engine, s.targets.length])).toEqual([
      ["sales", "sqlserver", 2],
      ["crm", "postgres", 1],
    ]);
    expect(dev.accounts.lake).toEqual(dev.accounts.ingestion);
  });

  it("prod separates the ingestion and lake accounts", () => {
    expect(parsed.prod.accounts.ingestion.accountId).toBe("444444444444");
    expect(parsed.prod.accounts.lake.accountId).toBe("555555555555");
  });

  it("preprod and prod mirror dev's sources and targets in their own accounts", () => {
    const shape = (c: StackConfig) =>
      c.sources.map((s) => ({ name: s.name, engine: s.engine, targets: s.targets.map((t) => t.name) }));
    expect(shape(parsed.preprod)).toEqual(shape(parsed.dev));
    expect(shape(parsed.prod)).toEqual(shape(parsed.dev));
    const accountIds = STACKS.map((s) => parsed[s].accounts.ingestion.accountId);
    expect(new Set(accountIds).size).toBe(3);
  });

  it("fills in the defaults a short source entry leaves out", () => {
    const crm = parsed.dev.sources[1];
    expect(crm.endpoint.port).toBe(5432);
    expect(crm.targets[0].mysql?.port).toBe(3306);
    expect(crm.targets[0].publication).toEqual({ format: "iceberg" });
    expect(crm.targets[0].tombstoneRetentionDays).toBe(7);
    expect(crm.validation.largeFileBytes).toBe(256 * 1024 * 1024);
    expect(crm.dms).toMatchObject({
      instanceClass: "dms.t3.small",
      allocatedStorageGb: 50,
      multiAz: false,
      cdcMaxBatchIntervalSeconds: 120,
      lob: { mode: "limited", maxSizeKb: 32 },
    });
  });

  it("disables the default AWS provider in every stack file", () => {
    for (const stack of STACKS) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      expect(parseYaml(text).config["pulumi:disable-default-providers"]).toEqual(["aws"]);
    }
  });
});

describe("the known AWS regions", () => {
  it("are all regions the pinned AWS provider knows, each once", () => {
    const providerRegions = new Set<string>(Object.values(Region));
    expect(AWS_REGIONS.filter((r) => !providerRegions.has(r))).toEqual([]);
    expect(new Set(AWS_REGIONS).size).toBe(AWS_REGIONS.length);
  });

  it.each(["us-east-1", "eu-west-2", "ap-southeast-7", "cn-north-1", "us-gov-west-1"])("accept %s", (region) => {
    expect(parseStackConfig({ ...devSettings(), region }).region).toBe(region);
  });
});

describe("reading a stack file", () => {
  it("names the file when it does not exist", () => {
    expect(() => readStackFile("Pulumi.nope.yaml")).toThrow("Pulumi.nope.yaml: cannot read stack settings (ENOENT)");
  });
});
