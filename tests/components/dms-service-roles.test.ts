import { DmsServiceRoles } from "../../components/dms-service-roles";
import { ofType, one } from "../support/resources";
import { runDeclarations } from "../support/stack";
import { ACCOUNT, statements, testProvider } from "./helpers";

describe("DmsServiceRoles", () => {
  it("declares dms-vpc-role and dms-cloudwatch-logs-role with their AWS-managed policies and the trust AWS documents for them", async () => {
    const { mocks } = await runDeclarations(() => {
      new DmsServiceRoles("dms-roles", { accountId: ACCOUNT }, { provider: testProvider() });
      return {};
    });
    const roles = ofType(mocks.resources, "aws:iam/role:Role");
    expect(roles.map((r) => r.inputs.name)).toEqual(["dms-vpc-role", "dms-cloudwatch-logs-role"]);
    // dms-vpc-role is limited to this account as AWS documents; dms-cloudwatch-logs-role has no documented
    // conditioned trust, and with aws:SourceAccount DMS cannot assume it, so task logs silently stop.
    const trust = (name: string) =>
      statements(one(mocks.resources, "aws:iam/role:Role", `dms-roles-${name}`), "assumeRolePolicy");
    expect(trust("dms-vpc-role")).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "dms.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
    expect(trust("dms-cloudwatch-logs-role")).toEqual([
      { Effect: "Allow", Principal: { Service: "dms.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(
      one(mocks.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "dms-roles-dms-vpc-role-policy").inputs,
    ).toEqual({
      role: "dms-vpc-role",
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
    });
    expect(
      one(mocks.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "dms-roles-dms-cloudwatch-logs-role-policy")
        .inputs,
    ).toEqual({
      role: "dms-cloudwatch-logs-role",
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole",
    });
  });
});
