import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { cdc } from "../../../support/cli";
import { METADATA_ROOT } from "../../../../src/program";
import { PROJECT_DIR } from "../../../support/stack";

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

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

  /** The committed dev stack, changed by `edit`, written as `Pulumi.<stack>.yaml` in the test's directory. */
  const writeStack = (stack: string, edit: (config: Record<string, any>) => void = () => {}) => {
    const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
    edit(doc.config);
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
    return path.join(dir, `Pulumi.${stack}.yaml`);
  };
  const check = (...args: string[]) => cdc("config", "check", "--dir", dir, "--metadata", METADATA_ROOT, ...args);

  it("prints every problem on a line of its own, naming the file and the config path, and exits 1", async () => {
    const file = writeStack("qa", (c) => {
      c["cdc:sources"][0].targets[0].mysql.port = 0;
      c["cdc:sources"][1].endpoint.password = "hunter2";
    });
    const r = await check("qa");
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      `${file}: cdc:sources[0].targets[0].mysql.port: expected a number >= 1, received 0`,
      `${file}: cdc:sources[1].endpoint.password: plaintext credentials are not accepted; store them in AWS Secrets Manager and set secretArn to the secret's ARN`,
    ]);
  });

  it("refuses what the program refuses: metadata, engine and globs are checked too", async () => {
    const file = writeStack("qa", (c) => {
      c["cdc:sources"][1].engine = "mysql";
      c["cdc:sources"][0].targets[1].tables = ["dbo.Ordr*"];
    });
    const r = await check("qa");
    expect([r.code, r.stderr]).toEqual([1, ""]);
    expect(r.stdout.split("\n")).toEqual([
      `${file}: cdc:sources[0].targets[1].tables: glob "dbo.Ordr*" matches no table of source sales`,
      `${file}: cdc:sources[1].engine: metadata of crm was extracted from a postgres database but the stack says mysql; re-run \`cdc metadata extract\``,
    ]);
  });

  it("reads metadata from <dir>/metadata/sources unless told otherwise", async () => {
    const file = writeStack("qa");
    const r = await cdc("config", "check", "qa", "--dir", dir);
    expect(r.code).toBe(1);
    const shown = path.relative(process.cwd(), path.join(dir, "metadata", "sources", "sales"));
    expect(r.stdout.split("\n")[0]).toBe(
      `${file}: cdc:sources[0]: source sales has no metadata in ${shown}: run \`cdc metadata extract --engine sqlserver --url <connection> --source sales\` and commit the files`,
    );
  });

  it("goes on to the other stacks when one is not YAML, and reports each", async () => {
    const a = writeStack("a");
    const b = path.join(dir, "Pulumi.b.yaml");
    fs.writeFileSync(b, "config: [unclosed\n");
    const c = writeStack("c", (config) => (config["cdc:region"] = "eu-west-9"));
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`${a}: ok (2 sources, 3 targets, 1 account)`);
    expect(lines[1]).toMatch(new RegExp(`^${escape(b)}: not valid YAML \\(.+\\)$`));
    expect(lines[2]).toBe(
      `${c}: cdc:region: expected a known AWS region such as eu-west-2, received "eu-west-9" (list: src/aws-regions.ts)`,
    );
  });

  it("refuses a stack name with no file before checking any, as a bad call", async () => {
    writeStack("a");
    const r = await check("a", "nope");
    expect(r).toMatchObject({ code: 2, stdout: "", stderr: `cdc: ${path.join(dir, "Pulumi.nope.yaml")}: no such stack file` });
  });

  it("says so when the directory has no stack files", async () => {
    const r = await cdc("config", "check", "--dir", dir);
    expect(r).toMatchObject({ code: 2, stderr: `cdc: ${dir}: no Pulumi.<stack>.yaml files` });
  });
});
