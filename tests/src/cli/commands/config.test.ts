import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { cdc } from "../../../support/cli";
import { PROJECT_DIR } from "../../../support/stack";

describe("cdc config check", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-config-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("checks every committed stack file and summarises each", async () => {
    const r = await cdc("config", "check", "-C", PROJECT_DIR);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      `${path.join(PROJECT_DIR, "Pulumi.dev.yaml")}: ok (2 sources, 3 targets, 1 account)`,
      `${path.join(PROJECT_DIR, "Pulumi.preprod.yaml")}: ok (2 sources, 3 targets, 1 account)`,
      `${path.join(PROJECT_DIR, "Pulumi.prod.yaml")}: ok (2 sources, 3 targets, 2 accounts)`,
    ]);
  });

  it("prints every problem with its config path and exits 1", async () => {
    const dev = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
    dev.config["cdc:sources"][0].targets[0].mysql.port = 0;
    dev.config["cdc:sources"][1].endpoint.password = "hunter2";
    fs.writeFileSync(path.join(dir, "Pulumi.qa.yaml"), stringify(dev));
    const r = await cdc("config", "check", "qa", "--dir", dir);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      `${path.join(dir, "Pulumi.qa.yaml")}: 2 problems`,
      "  cdc:sources[0].targets[0].mysql.port: expected a number >= 1, received 0",
      "  cdc:sources[1].endpoint.password: plaintext credentials are not accepted; store them in AWS Secrets Manager and set secretArn to the secret's ARN",
    ]);
  });

  it("names a file that is not YAML, in one line", async () => {
    fs.writeFileSync(path.join(dir, "Pulumi.qa.yaml"), "config: [unclosed\n");
    const r = await cdc("config", "check", "qa", "--dir", dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^cdc: ${path.join(dir, "Pulumi.qa.yaml").replace(/[.]/g, "\\.")}: not valid YAML \\(.+\\)$`),
    );
  });

  it("says so when the directory has no stack files", async () => {
    const r = await cdc("config", "check", "--dir", dir);
    expect(r).toMatchObject({ code: 2, stderr: `cdc: ${dir}: no Pulumi.<stack>.yaml files` });
  });
});
