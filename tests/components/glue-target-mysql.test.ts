/** GlueTarget with a MySQL database: the Glue JDBC connection, its network, and what the apply job may then do. */
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../support/pulumi-mocks";
import { childrenOf, one } from "../support/resources";
import { ACCOUNT, statements } from "./helpers";
import {
  SECRET,
  CONNECTION_ARN,
  glueArn,
  HOST,
  MYSQL,
  declare,
  variables,
  allow,
  INTERFACES,
  BASE_JOB_STATEMENTS,
} from "./glue-target-fixtures";

describe("GlueTarget with MySQL", () => {
  let resources: RecordedResource[];
  beforeAll(async () => ({ resources } = await declare({ mysql: MYSQL, workers: 4, timeoutMinutes: 30 })));

  it("opens a TLS JDBC connection in the given subnet and its zone, reading credentials from the secret", () => {
    const group = one(resources, "aws:ec2/securityGroup:SecurityGroup", "reporting-mysql-sg");
    expect(group.inputs).toMatchObject({
      name: "cdc-dev-sales-reporting-glue",
      vpcId: "vpc-1",
      // Glue's workers reach each other through the connection's group.
      ingress: [{ description: "Glue workers", protocol: "tcp", fromPort: 0, toPort: 65535, self: true }],
    });
    expect(one(resources, "aws:glue/connection:Connection", "reporting-mysql").inputs).toEqual({
      name: "cdc-dev-sales-reporting-mysql",
      connectionType: "JDBC",
      // The provider marks connection properties secret (they may hold a password), so they reach the engine wrapped.
      connectionProperties: {
        [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
        value: {
          JDBC_CONNECTION_URL: `jdbc:mysql://${HOST}:3306/reporting`,
          SECRET_ID: SECRET,
          JDBC_ENFORCE_SSL: "true",
        },
      },
      physicalConnectionRequirements: {
        subnetId: "subnet-0a1",
        availabilityZone: "eu-west-2b", // the subnet lookup's answer
        securityGroupIdLists: ["reporting-mysql-sg-id"],
      },
    });
  });

  it("lets the job's interfaces out only to each other, MySQL in the VPC and HTTPS to S3 and the VPC's endpoints", () => {
    const group = one(resources, "aws:ec2/securityGroup:SecurityGroup", "reporting-mysql-sg");
    const vpcRanges = ["10.0.0.0/16", "100.64.0.0/20"]; // the VPC lookup's primary and secondary ranges
    expect(group.inputs.egress).toEqual([
      // Glue refuses a connection whose group lets its workers neither out to all nor to each other on all TCP ports.
      { description: "Glue workers", protocol: "tcp", fromPort: 0, toPort: 65535, self: true },
      { description: "MySQL", protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: vpcRanges },
      {
        description: "S3 through the gateway endpoint",
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        prefixListIds: ["pl-7ca54015"],
      },
      {
        description: "AWS APIs through the VPC's interface endpoints",
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: vpcRanges,
      },
    ]);
    const open = (group.inputs.egress as Array<{ protocol: string; cidrBlocks?: string[] }>).filter(
      (r) => r.protocol === "-1" || r.cidrBlocks?.includes("0.0.0.0/0"),
    );
    expect(open).toEqual([]);
  });

  it("sends MySQL traffic to the database's own group, or its ranges outside the VPC, when given", async () => {
    const egress = async (mysql: Partial<typeof MYSQL> & Record<string, unknown>) => {
      const { resources: r } = await declare({ mysql: { ...MYSQL, port: 3307, ...mysql } });
      const rules = one(r, "aws:ec2/securityGroup:SecurityGroup", "reporting-mysql-sg").inputs.egress as object[];
      return rules.find((x) => (x as { description: string }).description === "MySQL");
    };
    expect(await egress({ databaseSecurityGroupId: "sg-0db" })).toEqual({
      description: "MySQL",
      protocol: "tcp",
      fromPort: 3307,
      toPort: 3307,
      securityGroups: ["sg-0db"],
    });
    expect(await egress({ databaseCidrBlocks: ["172.16.8.0/24"] })).toMatchObject({ cidrBlocks: ["172.16.8.0/24"] });
    await expect(egress({ databaseSecurityGroupId: "sg-0db", databaseCidrBlocks: ["172.16.8.0/24"] })).rejects.toThrow(
      "GlueSecurityGroup reporting-mysql-sg: give databaseSecurityGroupId or databaseCidrBlocks, not both",
    );
  });

  it("tells the poller which server the target runs, for the collation of the tables it creates", () => {
    const fn = one(resources, "aws:lambda/function:Function", "reporting-poll-function");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables.MYSQL).toBe("mariadb");
  });

  it("runs the job through the connection, with the workers and timeout given", () => {
    const job = one(resources, "aws:glue/job:Job", "reporting-job");
    expect(job.inputs).toMatchObject({
      numberOfWorkers: 4,
      timeout: 30,
      connections: ["cdc-dev-sales-reporting-mysql"],
      defaultArguments: { "--mysql_connection": "cdc-dev-sales-reporting-mysql", "--datalake-formats": "iceberg" },
    });
    expect(variables(one(resources, "aws:lambda/function:Function", "reporting-poll-function")).MYSQL).toBe("mariadb");
  });

  it("lets the job read only its connection and secret, and manage Glue's network interfaces", () => {
    expect(statements(one(resources, "aws:iam/rolePolicy:RolePolicy", "reporting-job-policy"))).toEqual([
      ...BASE_JOB_STATEMENTS,
      allow("ReadMySqlConnection", "glue:GetConnection", [glueArn("catalog"), CONNECTION_ARN]),
      allow("ReadMySqlSecret", "secretsmanager:GetSecretValue", SECRET),
      allow(
        "RunInVpc",
        [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeVpcEndpoints",
          "ec2:DescribeRouteTables",
          "ec2:DescribeVpcAttribute",
        ],
        "*",
      ),
      allow("RemoveNetworkInterfaces", "ec2:DeleteNetworkInterface", INTERFACES),
      allow("TagNetworkInterfaces", ["ec2:CreateTags", "ec2:DeleteTags"], INTERFACES, {
        "ForAllValues:StringEquals": { "aws:TagKeys": ["aws-glue-service-resource"] },
      }),
    ]);
  });

  it("may decrypt a secret with its own key, only through Secrets Manager", async () => {
    const key = `arn:aws:kms:eu-west-2:${ACCOUNT}:key/reporting-secret`;
    const { resources: withKey } = await declare({ mysql: { ...MYSQL, secretKmsKeyArn: key } });
    const granted = statements(one(withKey, "aws:iam/rolePolicy:RolePolicy", "reporting-job-policy"));
    expect(granted.find((st) => st.Sid === "DecryptMySqlSecret")).toEqual(
      allow("DecryptMySqlSecret", "kms:Decrypt", key, {
        StringEquals: { "kms:ViaService": "secretsmanager.eu-west-2.amazonaws.com" },
      }),
    );
  });

  it("parents the connection and its security group under the component too", () => {
    const children = childrenOf(resources, one(resources, "cdc:lake:GlueTarget", "reporting")).map((r) => r.name);
    expect(children).toEqual(expect.arrayContaining(["reporting-mysql", "reporting-mysql-sg"]));
    expect(children).toHaveLength(13);
  });
});
