/**
 * The program and `cdc config check` must never disagree about a stack: the same bad stack files go to both, and the
 * program's refusal lists exactly the lines the command prints for that file.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ConfigError } from "../../src/config-issues";
import { METADATA_ROOT } from "../../src/program";
import { cdc } from "../support/cli";
import { engineConfig, PROJECT_DIR, runProgram } from "../support/stack";

type Edit = (config: Record<string, any>) => void;

/** Stacks each broken in one way the command used to pass or the program used to refuse differently. */
const BAD_STACKS: Record<string, { from: "dev" | "prod"; edit: Edit }> = {
  engine: { from: "dev", edit: (c) => (c["cdc:sources"][1].engine = "mysql") },
  glob: { from: "dev", edit: (c) => (c["cdc:sources"][0].targets[1].tables = ["dbo.Invoice*", "dbo.Ordr*"]) },
  metadata: { from: "dev", edit: (c) => (c["cdc:sources"][1].name = "billing") },
  network: { from: "prod", edit: (c) => (c["cdc:network"] = { create: { cidrBlock: "10.20.0.0/16" } }) },
  region: { from: "dev", edit: (c) => (c["cdc:region"] = "eu-west-9") },
  secrets: {
    from: "prod",
    edit: (c) => {
      c["cdc:sources"][0].endpoint.secretArn = "arn:aws:secretsmanager:eu-west-1:444444444444:secret:cdc/prod/sales-dms-Xy34Zw";
      c["cdc:sources"][1].targets[0].mysql.secretArn =
        "arn:aws:secretsmanager:eu-west-2:444444444444:secret:cdc/prod/reporting-mysql-Qr56St";
    },
  },
  // A top-level number: Pulumi hands the program the text "7", so the command must judge the text too.
  scalar: { from: "dev", edit: (c) => (c["cdc:environment"] = 7) },
  schema: {
    from: "dev",
    edit: (c) => {
      c["cdc:sources"][0].targets[0].mysql.port = 0;
      c["cdc:accounts"].ingestion.accountId = 111111111111;
    },
  },
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-parity-"));
  for (const [name, { from, edit }] of Object.entries(BAD_STACKS)) {
    const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${from}.yaml`), "utf8"));
    edit(doc.config);
    fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), stringify(doc));
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What the program refuses the stack file with (its problem lines), or [] when it runs. */
async function programProblems(file: string): Promise<string[]> {
  try {
    await runProgram(engineConfig(file), { stack: "parity", metadataRoot: METADATA_ROOT });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe("the program and cdc config check", () => {
  let printed: string[];
  let code: number;
  beforeAll(async () => {
    const r = await cdc("config", "check", "--dir", dir, "--metadata", METADATA_ROOT);
    printed = r.stdout.split("\n");
    code = r.code;
  });

  it("has the command refuse every bad stack", () => {
    expect(code).toBe(1);
    for (const name of Object.keys(BAD_STACKS)) {
      const file = path.join(dir, `Pulumi.${name}.yaml`);
      const lines = printed.filter((l) => l.startsWith(`${file}: `));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter((l) => l.startsWith(`${file}: ok (`))).toEqual([]);
    }
  });

  it.each(Object.keys(BAD_STACKS))("give the same problems for the %s stack", async (name) => {
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    const fromCommand = printed.filter((l) => l.startsWith(`${file}: `)).map((l) => l.slice(file.length + 2));
    expect(await programProblems(file)).toEqual(fromCommand);
  });
});
