/**
 * `cdc catalog sync` refusals and the AWS error shapes moto does not produce (it enforces no IAM): aws-sdk-client-mock
 * stands in for Glue and STS so that nothing can reach AWS. The sync itself runs against moto in catalog.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GlueClient } from "@aws-sdk/client-glue";
import { AssumeRoleCommand, STSClient, STSServiceException } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { cdc } from "../../../support/cli";

const ROOT = path.join(__dirname, "../../../..");
const glue = mockClient(GlueClient);
const sts = mockClient(STSClient);

let work: string;
beforeEach(() => {
  glue.reset();
  sts.reset();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-catalog-"));
  fs.cpSync(path.join(ROOT, "metadata/sources/sales"), path.join(work, "sales"), { recursive: true });
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));
afterAll(() => {
  glue.restore();
  sts.restore();
});

const sync = (...extra: string[]) =>
  cdc("catalog", "sync", "--source", "sales", "--stack", "dev", "-C", ROOT, "--metadata", path.join(work, "sales"), ...extra);

describe("cdc catalog sync refusals", () => {
  it("refuses bad input in one line, before any AWS call", async () => {
    const unknown = await cdc("catalog", "sync", "--source", "billing", "--stack", "dev", "-C", ROOT);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      `cdc: ${path.join(ROOT, "Pulumi.dev.yaml")}: no source named billing (sources: sales, crm)`,
    ]);
    const crm = await sync("--source", "crm");
    expect(crm.code).toBe(1);
    expect(crm.stderr).toBe(
      `cdc: ${path.join(work, "sales", "source.json")}: describes source sales (sqlserver), but ${path.join(ROOT, "Pulumi.dev.yaml")} has crm (postgres)`,
    );
    const role = await sync("--role-arn", "lake-admin");
    expect([role.code, role.stderr]).toEqual([
      2,
      'cdc: --role-arn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), received "lake-admin"',
    ]);
    const file = path.join(work, "sales", "tables", "dbo.Invoice.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    json.columns[0].dmsType = "INTEGER";
    fs.writeFileSync(file, JSON.stringify(json));
    const bad = await sync();
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^cdc: .*dbo\.Invoice\.json: columns\[0\]\.dmsType: expected one of "BOOLEAN"/);
    expect([glue.calls(), sts.calls()]).toEqual([[], []]);
  });

  it("refuses a bad --aws-role, one with --role-arn, the preview role without --dry-run and --metadata without --source", async () => {
    const refusals = [
      [["--aws-role", "admin"], 'cdc: --aws-role: expected deploy or preview, received "admin"'],
      [
        ["--aws-role", "deploy", "--role-arn", "arn:aws:iam::555555555555:role/x"],
        "cdc: --aws-role and --role-arn: give one of them, not both",
      ],
      [["--aws-role", "preview"], "cdc: --aws-role preview: the preview roles are read-only; add --dry-run"],
    ] as const;
    for (const [flags, line] of refusals) expect(await sync(...flags)).toMatchObject({ code: 2, stderr: line });
    const all = await cdc("catalog", "sync", "--stack", "dev", "-C", ROOT, "--metadata", path.join(work, "sales"));
    expect([all.code, all.stderr]).toEqual([2, "cdc: --metadata: names one source's metadata; add --source"]);
    expect([glue.calls(), sts.calls()]).toEqual([[], []]);
  });

  it("a role STS refuses to hand out is one line naming the role, and Glue is never called", async () => {
    const roleArn = "arn:aws:iam::555555555555:role/cdc-catalog";
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
        message: `User: arn:aws:iam::111111111111:user/ci is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      }),
    );
    const r = await sync("--role-arn", roleArn);
    expect([r.code, r.stderr.split("\n").pop()]).toEqual([
      1,
      `cdc: cannot assume ${roleArn}: User: arn:aws:iam::111111111111:user/ci is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    ]);
    expect(glue.calls()).toEqual([]);
  });
});
